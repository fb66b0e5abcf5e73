"""On PostgreSQL, every committed change to needs, their match types and levels, and companies sends NOTIFY
viaviden_needs, so a worker may keep a need's job profile until one arrives (viaviden.core.change_notices,
companies.need_selectors; issue 16)."""

from django.db import migrations

TABLES = ["companies_need", "companies_need_match_types", "companies_need_education_levels", "companies_company"]
FORWARD = [
    "CREATE OR REPLACE FUNCTION viaviden_needs_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN PERFORM pg_notify('viaviden_needs', TG_TABLE_NAME); RETURN NULL; END $$",
    *(f"CREATE TRIGGER viaviden_needs_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
      "FOR EACH STATEMENT EXECUTE FUNCTION viaviden_needs_notify()" for table in TABLES),
]
REVERSE = [*(f"DROP TRIGGER IF EXISTS viaviden_needs_changed ON {table}" for table in TABLES),
           "DROP FUNCTION IF EXISTS viaviden_needs_notify()"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("companies", "0004_a17_matchtype_to_reference")]

    operations = [migrations.RunPython(forward, backward)]
