from django.apps import AppConfig


class VaekstpilotConfig(AppConfig):
    name = "viaviden.vaekstpilot"
    label = "vaekstpilot"

    def ready(self):
        # Imports inside ready(): apps.py is loaded while the app registry is being built, before models
        # may be imported (Django's rule, not a cycle being dodged).
        from auditlog.registry import auditlog

        from viaviden.reference.loader import register_reference_loader

        from .loader import load_vaekstpilot_config

        register_reference_loader(40, "vaekstpilot", load_vaekstpilot_config)

        from viaviden.matches.rules import register_type_rule

        from .match_rule import RULE
        from .models import Application, FollowUp, PaymentList, PilotMonth, Quota, SchemeRule

        auditlog.register(SchemeRule, exclude_fields=["updated_at", "version"],
                          m2m_fields={"education_levels", "municipalities"})
        auditlog.register(Quota, exclude_fields=["updated_at", "version", "last_sequence"])
        # Person data is masked in the log (who changed it and when is kept, the values are not). The public
        # token is the key to the company's status page, so it stays out of the log.
        auditlog.register(
            Application,
            exclude_fields=["updated_at", "version", "public_token"],
            mask_fields=["person_name", "contact_name", "contact_email", "contact_phone"],
        )
        auditlog.register(PilotMonth)
        auditlog.register(PaymentList)
        auditlog.register(FollowUp, mask_fields=["note"])
        # A match of the Vækstpilot type must point to its granted application (matches.rules).
        register_type_rule("ordinary_job_vaekstpilot", RULE)
