from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "viaviden.core"
    label = "core"
