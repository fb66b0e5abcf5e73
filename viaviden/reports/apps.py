from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Reads across the domain apps: every target's figure, the dashboard and the status reports (SPEC 3.7)."""

    name = "viaviden.reports"
    label = "reports"
