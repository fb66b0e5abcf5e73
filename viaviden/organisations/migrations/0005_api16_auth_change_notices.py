"""On PostgreSQL, every committed change to API tokens, users and organisations sends NOTIFY viaviden_auth, so a
worker may keep the token look-up's rows until one arrives (viaviden.core.change_notices, api.auth; issue 16)."""

from django.db import migrations

from viaviden.core.notify_triggers import notify_triggers


class Migration(migrations.Migration):
    dependencies = [("organisations", "0004_a17_matchtype_to_reference")]

    operations = [notify_triggers("viaviden_auth", [
        "organisations_apitoken", "organisations_user", "organisations_organisation"])]
