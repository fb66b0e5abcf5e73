from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Reads across the domain apps: every target's figure, the dashboard and the status reports (SPEC 3.7)."""

    name = "viaviden.reports"
    label = "reports"

    def ready(self) -> None:
        # Imports inside ready(): apps.py is loaded while the app registry is being built, before models
        # may be imported (Django's rule, not a cycle being dodged).
        from auditlog.registry import auditlog

        from .models import IssuedReport

        # Issuing is audited; the frozen figures themselves are in the row (and never change).
        auditlog.register(IssuedReport, exclude_fields=["figures"])
