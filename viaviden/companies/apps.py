from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "viaviden.companies"
    label = "companies"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Company

        auditlog.register(Company, exclude_fields=["updated_at"])
