from django.apps import AppConfig


class CohortsConfig(AppConfig):
    """Job-search and upskilling cohorts and their measured effect (SPEC 3.1 activity targets, issue 11)."""

    name = "viaviden.cohorts"
    label = "cohorts"

    def ready(self):
        # Imports inside ready(): apps.py is loaded while the app registry is being built, before models
        # may be imported (Django's rule, not a cycle being dodged).
        from auditlog.registry import auditlog

        from .models import Cohort, Participant

        auditlog.register(Cohort, exclude_fields=["updated_at", "version"])
        # The pseudonymous key is masked: who changed a participant and when is kept, the key is not shown.
        auditlog.register(Participant, exclude_fields=["updated_at"], mask_fields=["person_key"])
