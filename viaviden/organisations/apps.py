from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "viaviden.organisations"
    label = "organisations"
