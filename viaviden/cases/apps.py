from django.apps import AppConfig
from django.db.models.signals import post_migrate


def index_after_migrate(sender, using="default", **kwargs):
    """Fill the case-search index when published cases have none (after the upgrade that replaced the
    per-term tables by one row per case): derived data, the same as `manage.py cases_reindex`."""
    from .models import Case, CaseIndex  # inside: the handler runs only after migrate (app registry ready)
    from .search import reindex_all

    published = Case.objects.using(using).filter(status=Case.Status.PUBLISHED)
    if published.exists() and not CaseIndex.objects.using(using).exists():
        reindex_all()


class CasesConfig(AppConfig):
    name = "viaviden.cases"
    label = "cases"

    def ready(self):
        # Imports inside ready(): apps.py is loaded while the app registry is being built, before models
        # may be imported (Django's rule, not a cycle being dodged).
        from auditlog.registry import auditlog

        from .models import Case, CaseImage, CasePerson, EmbedSite, Tag

        auditlog.register(
            Case, exclude_fields=["updated_at", "version"],
            m2m_fields={"programmes", "task_areas", "education_levels", "tags", "partners"},
        )
        auditlog.register(CaseImage)
        # The persons shown: the log records that a name changed and when consent was recorded or withdrawn,
        # not the name itself.
        auditlog.register(CasePerson, exclude_fields=["updated_at"], mask_fields=["name"])
        auditlog.register(EmbedSite, exclude_fields=["updated_at"])
        auditlog.register(Tag)
        post_migrate.connect(index_after_migrate, sender=self)
