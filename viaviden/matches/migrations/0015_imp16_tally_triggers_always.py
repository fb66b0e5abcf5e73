"""The match tally triggers fire also when a transaction has set `session_replication_role = replica`: the
match import does so to skip PostgreSQL's per-row foreign-key checks and checks its keys set-wise instead
(matches/importing.py, `_references_checked_set_wise`); the tallies must still count what it inserts.
PostgreSQL only (SQLite has no tally triggers). A logical-replication subscriber now fires them as well:
replicate the match table without its tallies (docs/operations.md)."""

from django.db import migrations

TRIGGERS = ("matches_tally_insert", "matches_tally_update", "matches_tally_delete")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in TRIGGERS:
            schema_editor.execute(f"ALTER TABLE matches_match ENABLE ALWAYS TRIGGER {name};")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in TRIGGERS:
            schema_editor.execute(f"ALTER TABLE matches_match ENABLE TRIGGER {name};")


class Migration(migrations.Migration):

    dependencies = [
        ("matches", "0014_merge_tallies_indexes"),
    ]

    operations = [migrations.RunPython(forward, backward)]
