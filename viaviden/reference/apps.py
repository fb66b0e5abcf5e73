from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "viaviden.reference"
    label = "reference"
