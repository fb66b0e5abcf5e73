"""On PostgreSQL, every committed change to matches, their contributions, companies and organisations sends
NOTIFY viaviden_matches, so a worker may keep the match list's counts until one arrives
(viaviden.core.change_notices, api.matches; issue 16)."""

from django.db import migrations

from viaviden.core.notify_triggers import notify_triggers


class Migration(migrations.Migration):
    dependencies = [("matches", "0017_imp16_partial_key_indexes")]

    operations = [notify_triggers("viaviden_matches", [
        "matches_match", "matches_matchcontribution", "companies_company", "organisations_organisation"])]
