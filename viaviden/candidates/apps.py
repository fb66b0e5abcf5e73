from django.apps import AppConfig


class CandidatesConfig(AppConfig):
    name = "viaviden.candidates"
    label = "candidates"

    def ready(self):
        # Imports inside ready(): apps.py is loaded while the app registry is being built, before models
        # may be imported (Django's rule, not a cycle being dodged).
        from auditlog.registry import auditlog

        from viaviden.reference.loader import _json, register_reference_loader

        from .loader import load_education_data

        register_reference_loader(30, "candidates", lambda data_dir, stats: load_education_data(data_dir, stats, _json))

        from viaviden.matches.rules import register_prefill_source

        from .models import Candidate, Consent, ProgrammeTaskArea, Shortlist, StudyProgramme, TaskArea, VocabularyEntry

        auditlog.register(StudyProgramme, exclude_fields=["updated_at"])
        auditlog.register(TaskArea, exclude_fields=["updated_at"])
        auditlog.register(ProgrammeTaskArea)
        auditlog.register(VocabularyEntry, exclude_fields=["updated_at"])
        # Person data is masked in the log: the log records that it changed, not its value.
        auditlog.register(
            Candidate,
            exclude_fields=["updated_at", "version", "last_active_at"],
            mask_fields=["name", "email", "phone", "competences", "experience"],
            m2m_fields={"match_types"},
        )
        auditlog.register(Consent)
        auditlog.register(Shortlist, exclude_fields=["updated_at"])

        # The match form can start from a suggested candidate (matches.rules: matches imports no capability app).
        from .selectors import access_candidate

        register_prefill_source(
            "candidate", lambda user, pk: access_candidate(user, pk, via="web:match_create")
        )
