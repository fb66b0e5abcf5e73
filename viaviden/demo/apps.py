from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo data set and its `load_demo_data` command. It sits above the domain apps (it makes
    companies, matches, events, pilots, candidates and cases through their services), so `core` imports none
    of them."""

    name = "viaviden.demo"
    label = "demo"
