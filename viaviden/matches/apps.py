from django.apps import AppConfig


class MatchesConfig(AppConfig):
    name = "viaviden.matches"
    label = "matches"

    def ready(self):
        # Imports inside ready(): apps.py is loaded while the app registry is being built, before models
        # may be imported (Django's rule, not a cycle being dodged).
        from auditlog.registry import auditlog

        from viaviden.reference.loader import register_reference_loader

        from .reference_loader import load_match_types_and_programmes

        register_reference_loader(20, "matches", load_match_types_and_programmes)

        from .models import (
            ActivityRegistration,
            ActivityTarget,
            ImportBatch,
            Match,
            MatchContribution,
            Programme,
            Target,
        )

        # Person fields are masked in the log: who changed them and when is kept, the values are not.
        auditlog.register(
            Match,
            exclude_fields=["updated_at", "version"],
            mask_fields=["person_name", "person_email", "person_key"],
        )
        auditlog.register(MatchContribution)
        auditlog.register(Target, exclude_fields=["updated_at"])
        auditlog.register(Programme, exclude_fields=["updated_at"], m2m_fields={"excluded_municipalities"})
        auditlog.register(ActivityTarget, exclude_fields=["updated_at"])
        auditlog.register(ActivityRegistration, exclude_fields=["updated_at"])
        auditlog.register(ImportBatch, exclude_fields=["updated_at"])
