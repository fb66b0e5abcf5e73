"""On PostgreSQL, every committed change to matches, their contributions, companies and organisations sends
NOTIFY viaviden_matches, so a worker may keep the match list's counts until one arrives
(viaviden.core.change_notices, api.matches; issue 16)."""

from django.db import migrations

TABLES = ["matches_match", "matches_matchcontribution", "companies_company", "organisations_organisation"]
FORWARD = [
    "CREATE OR REPLACE FUNCTION viaviden_matches_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN PERFORM pg_notify('viaviden_matches', TG_TABLE_NAME); RETURN NULL; END $$",
    *(f"CREATE TRIGGER viaviden_matches_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
      "FOR EACH STATEMENT EXECUTE FUNCTION viaviden_matches_notify()" for table in TABLES),
]
REVERSE = [*(f"DROP TRIGGER IF EXISTS viaviden_matches_changed ON {table}" for table in TABLES),
           "DROP FUNCTION IF EXISTS viaviden_matches_notify()"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("matches", "0017_imp16_partial_key_indexes")]

    operations = [migrations.RunPython(forward, backward)]
