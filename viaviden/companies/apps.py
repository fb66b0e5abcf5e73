from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "viaviden.companies"
    label = "companies"

    def ready(self):
        # Imports inside ready(): apps.py is loaded while the app registry is being built, before models
        # may be imported (Django's rule, not a cycle being dodged).
        from auditlog.registry import auditlog

        from .models import AnswerRule, Company, ContactEntry, Handover, Need, ProductionUnit, Referral

        auditlog.register(Company, exclude_fields=["updated_at", "version"])
        auditlog.register(ProductionUnit, exclude_fields=["updated_at"])
        # Person data is masked in the log (who changed it and when is kept, the values are not): a contact
        # note may mention a person; a self-service request names its contact person. The public token is
        # the key to the company's status page, so it stays out of the log.
        auditlog.register(ContactEntry, exclude_fields=["updated_at"], mask_fields=["note"])
        auditlog.register(Handover, exclude_fields=["updated_at", "version"], mask_fields=["message", "response_note"])
        auditlog.register(
            Need,
            exclude_fields=["updated_at", "version", "public_token"],
            mask_fields=["submitter_name", "submitter_email", "submitter_phone"],
            m2m_fields={"match_types", "education_levels"},
        )
        auditlog.register(Referral, exclude_fields=["updated_at", "version"])
        auditlog.register(AnswerRule)
