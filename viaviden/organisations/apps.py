from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "viaviden.organisations"
    label = "organisations"

    def ready(self):
        # Imports inside ready(): apps.py is loaded while the app registry is being built, before models
        # may be imported (Django's rule, not a cycle being dodged).
        from auditlog.registry import auditlog

        from viaviden.reference.loader import register_reference_loader

        from .reference_loader import load_organisations

        register_reference_loader(10, "organisations", load_organisations)

        from .models import Service

        # Coordinators maintain the services overview in the UI; every edit is logged.
        auditlog.register(Service, m2m_fields={"match_types"})
