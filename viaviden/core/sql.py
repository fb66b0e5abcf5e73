"""A cursor, a compiled query and a multi-row insert for the few hot queries whose SQL the project builds once
per process (issue 16).

Django's PostgreSQL backend binds parameters on the client: every execution sends the whole text, which
PostgreSQL parses and plans anew. For a list query joining five tables the planning took longer than running it
(5 ms of planning to 3 ms of execution for /api/matches). `prepared_cursor` gives, on PostgreSQL, a cursor that
binds on the server, so psycopg prepares a statement the connection has run more than `prepare_threshold`
(5) times and later runs skip parsing and planning; elsewhere it is the ordinary cursor. It is wrapped by
Django as every cursor is (query logging, CaptureQueriesContext, execute wrappers), and runs in the
connection's transaction. Server-side binding is stricter about parameter types than Django's default (no
untyped `%s` in a SELECT list, no parameters in DDL or SET): use it only for queries tested on PostgreSQL.
Prepared statements live as long as the connection (CONN_MAX_AGE); a pooler in transaction mode would need
prepare_threshold=None.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.backends.utils import CursorWrapper


def prepared_cursor(alias: str = "default") -> CursorWrapper:
    """A cursor on database `alias` whose repeated statements are prepared on PostgreSQL (see the module)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = ServerBindingCursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


class CompiledQuery:
    """A values_list queryset compiled once per process and run with new parameters (issue 16): for a hot query
    whose ORM compilation costs more than running it. Build the queryset with a distinct sentinel for each
    parameter that changes (`slots`: name -> (sentinel, adapt), `adapt` turning a value into what the compiled
    parameters hold, e.g. `connections[alias].ops.adapt_datetimefield_value`, or None) and with
    `RawSQL(f"__{name}__", ())` in `pk__in=` for each list of ids (`id_lists`: names). `run(**values)` executes it through
    prepared_cursor (a list of ids as one array parameter on PostgreSQL, so that any length is one statement)
    and returns the rows with the ORM's converters applied, as the queryset would. A sentinel must occur among
    the compiled parameters only where its slot is meant."""

    def __init__(self, queryset: Any, *, slots: dict[str, tuple[Any, Callable[[Any], Any] | None]] | None = None,
                 id_lists: tuple[str, ...] = ()) -> None:
        self.alias = queryset.db
        self.compiler = queryset.query.get_compiler(self.alias)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        self.slots: dict[str, tuple[list[int], Callable[[Any], Any] | None]] = {}
        for name, (sentinel, adapt) in (slots or {}).items():
            held = adapt(sentinel) if adapt else sentinel
            at = [i for i, param in enumerate(self.params) if param == held]
            assert at, f"slot {name} is not among the compiled parameters"
            self.slots[name] = (at, adapt)
        self.id_lists = {name: f"IN (__{name}__)" for name in id_lists}
        for name, marker in self.id_lists.items():
            assert self.sql.count(marker) == 1 and name not in self.slots
        self.converters = self.compiler.get_converters([selected[0] for selected in self.compiler.select])

    def run(self, **values: Any) -> list[tuple]:
        params = list(self.params)
        for name, (at, adapt) in self.slots.items():
            value = adapt(values[name]) if adapt else values[name]
            for i in at:
                params[i] = value
        sql = self.sql
        with prepared_cursor(self.alias) as cursor:
            for name, marker in self.id_lists.items():  # the ids' parameters go where the marker stands
                ids = list(values[name])
                before = sql[: sql.index(marker)].count("%s")
                if cursor.db.vendor == "postgresql":
                    sql, params = sql.replace(marker, "= ANY(%s)", 1), [*params[:before], ids, *params[before:]]
                else:
                    sql = sql.replace(marker, f"IN ({', '.join(['%s'] * len(ids)) or 'NULL'})", 1)
                    params = [*params[:before], *ids, *params[before:]]
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]
        return rows


def insert_rows(model: type, template: Any, varying: dict[str, Sequence[Any]], using: str = "default") -> None:
    """Inserts rows of `model` that hold `template`'s values (an unsaved instance, its defaults applied) but for
    the `varying` fields (attname -> one value per row), in one statement, which is atomic by itself (no
    BEGIN/COMMIT around it). On PostgreSQL the statement has the same text for any number of rows (each varying
    field one array parameter, unnested; every other value a typed parameter), so it is prepared like the other
    hot queries; building it costs no ORM compilation (issue 16: the audit rows of a suggestions request took
    1.1 ms as the ORM's 20-row INSERT, 0.6 ms prepared). Elsewhere it is the ORM's multi-row INSERT. No
    signals are sent and save() is not called, as with bulk_create."""
    rows = len(next(iter(varying.values())))
    if not rows:
        return
    connection = connections[using]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    if connection.vendor != "postgresql":
        objs = []
        for i in range(rows):
            obj = copy.copy(template)
            for attname, values in varying.items():
                setattr(obj, attname, values[i])
            objs.append(obj)
        model._base_manager.using(using)._insert(objs, fields=fields)
        return
    by_attname = {f.attname: f for f in fields}
    qn = connection.ops.quote_name
    select, params = [], []
    for f in fields:
        if f.attname in varying:
            select.append(f"v.{qn(f.column)}")
        else:
            select.append(f"%s::{f.db_type(connection)}")
            params.append(f.get_db_prep_save(f.pre_save(template, add=True), connection))
    unnest = []
    for attname, values in varying.items():
        f = by_attname[attname]
        unnest.append(f"%s::{f.db_type(connection)}[]")
        params.append([f.get_db_prep_save(value, connection) for value in values])
    columns = ", ".join(qn(f.column) for f in fields)
    unnested = ", ".join(qn(by_attname[a].column) for a in varying)
    # Table and column names from the model, values as parameters.
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) SELECT {', '.join(select)} "  # noqa: S608
    sql += f"FROM unnest({', '.join(unnest)}) AS v({unnested})"
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, params)
