from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "viaviden.api"
    label = "api"
