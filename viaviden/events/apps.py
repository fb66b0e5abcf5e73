from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "viaviden.events"
    label = "events"

    def ready(self):
        # Imports inside ready(): apps.py is loaded while the app registry is being built, before models
        # may be imported (Django's rule, not a cycle being dodged).
        from auditlog.registry import auditlog

        from .models import (
            AssignmentLock,
            BourseCase,
            BourseParticipant,
            BourseRun,
            CompanyPreference,
            Event,
            Preference,
            Registration,
            Survey,
        )

        auditlog.register(Event, exclude_fields=["updated_at", "version"], m2m_fields={"co_organisers"})
        # Person data is masked in the log (who changed it and when is kept, the values are not); the
        # private tokens are the keys to cancel links and survey pages, so they stay out of the log.
        auditlog.register(
            Registration,
            exclude_fields=["updated_at", "token"],
            mask_fields=["name", "email", "phone"],
        )
        auditlog.register(Survey, exclude_fields=["token"], mask_fields=["name", "email", "comment"])
        auditlog.register(
            BourseCase,
            exclude_fields=["updated_at", "version", "token"],
            mask_fields=["submitter_name", "submitter_email", "submitter_phone"],
            m2m_fields={"wished_programmes", "wished_levels"},
        )
        auditlog.register(
            BourseParticipant,
            exclude_fields=["updated_at", "version", "token"],
            mask_fields=["name", "members", "contact_email"],
        )
        auditlog.register(Preference)
        auditlog.register(CompanyPreference)
        auditlog.register(BourseRun, exclude_fields=["input_snapshot"])
        auditlog.register(AssignmentLock)
