"""On PostgreSQL, every committed change to API tokens, users and organisations sends NOTIFY viaviden_auth, so a
worker may keep the token look-up's rows until one arrives (viaviden.core.change_notices, api.auth; issue 16)."""

from django.db import migrations

TABLES = ["organisations_apitoken", "organisations_user", "organisations_organisation"]
FORWARD = [
    "CREATE OR REPLACE FUNCTION viaviden_auth_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN PERFORM pg_notify('viaviden_auth', TG_TABLE_NAME); RETURN NULL; END $$",
    *(f"CREATE TRIGGER viaviden_auth_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
      "FOR EACH STATEMENT EXECUTE FUNCTION viaviden_auth_notify()" for table in TABLES),
]
REVERSE = [*(f"DROP TRIGGER IF EXISTS viaviden_auth_changed ON {table}" for table in TABLES),
           "DROP FUNCTION IF EXISTS viaviden_auth_notify()"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("organisations", "0004_a17_matchtype_to_reference")]

    operations = [migrations.RunPython(forward, backward)]
