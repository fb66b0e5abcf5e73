"""The migration operation that has PostgreSQL announce every committed change to some tables with NOTIFY
(core.change_notices, issue 16). Migrations use it as written when they were made: change it only in ways that
keep the SQL of those migrations the same."""

from django.db import migrations


def notify_triggers(channel: str, tables: list[str]) -> migrations.RunPython:
    """A function `<channel>_notify()` and a statement-level trigger `<channel>_changed` on each table that sends
    NOTIFY `<channel>` (the table's name as payload) after every INSERT, UPDATE, DELETE or TRUNCATE; reversible.
    Nothing on other databases."""
    forward = [
        f"CREATE OR REPLACE FUNCTION {channel}_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{channel}', TG_TABLE_NAME); RETURN NULL; END $$",
        *(f"CREATE TRIGGER {channel}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
          f"FOR EACH STATEMENT EXECUTE FUNCTION {channel}_notify()" for table in tables),
    ]
    reverse = [*(f"DROP TRIGGER IF EXISTS {channel}_changed ON {table}" for table in tables),
               f"DROP FUNCTION IF EXISTS {channel}_notify()"]

    def run(statements: list[str]):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                for sql in statements:
                    schema_editor.execute(sql)
        return apply

    return migrations.RunPython(run(forward), run(reverse))
