"""On PostgreSQL, every committed change to needs, their match types and levels, and companies sends NOTIFY
viaviden_needs, so a worker may keep a need's job profile until one arrives (viaviden.core.change_notices,
companies.need_selectors; issue 16)."""

from django.db import migrations

from viaviden.core.notify_triggers import notify_triggers


class Migration(migrations.Migration):
    dependencies = [("companies", "0004_a17_matchtype_to_reference")]

    operations = [notify_triggers("viaviden_needs", [
        "companies_need", "companies_need_match_types", "companies_need_education_levels", "companies_company"])]
