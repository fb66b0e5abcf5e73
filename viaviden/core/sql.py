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
import functools
import json
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
    `RawSQL(f"__{name}__", ())` in `pk__in=` for each list of ids (`id_lists`: names). `run(**values)` executes
    it through prepared_cursor (a list of ids as one parameter, so that any length is one statement: an array
    on PostgreSQL, which prepares it, and a JSON array read by json_each on SQLite, whose connection keeps the
    compiled statement for its text) and returns the rows with the ORM's converters applied, as the queryset
    would. A sentinel must occur among the compiled parameters only where its slot is meant."""

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
                elif cursor.db.vendor == "sqlite":
                    sql = sql.replace(marker, "IN (SELECT value FROM json_each(%s))", 1)
                    params = [*params[:before], json.dumps([int(i) for i in ids]), *params[before:]]
                else:
                    sql = sql.replace(marker, f"IN ({', '.join(['%s'] * len(ids)) or 'NULL'})", 1)
                    params = [*params[:before], *ids, *params[before:]]
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]
        return rows


def insert_rows(model: type, template: Any, varying: dict[str, Sequence[Any]], using: str = "default", *,
                warm: bool = False) -> None:
    """Inserts rows of `model` that hold `template`'s values (an unsaved instance, its defaults applied) but for
    the `varying` fields (attname -> one value per row), in one statement, which is atomic by itself (no
    BEGIN/COMMIT around it). The statement has the same text for any number of rows, so it is prepared like the
    other hot queries: every value of the template is a parameter, and the varying fields' values come as one
    more (on PostgreSQL one typed array per field, unnested; on SQLite one JSON array of rows, read by
    json_each, so the varying values must be text, numbers or None there, and the connection keeps the compiled
    statement for its text). Building it costs no ORM compilation (issue 16: the audit rows of a suggestions
    request took 1.1 ms as the ORM's 20-row INSERT on PostgreSQL, 0.6 ms prepared). Other databases get the
    ORM's multi-row INSERT. No signals are sent and save() is not called, as with bulk_create. `warm` (a
    worker's warm-up): runs the statement even for no rows, which inserts nothing but has the connection parse
    it and read the table's catalog entries."""
    rows = len(next(iter(varying.values())))
    if not rows and not warm:
        return
    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite"):
        if not rows:
            return
        fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
        objs = []
        for i in range(rows):
            obj = copy.copy(template)
            for attname, values in varying.items():
                setattr(obj, attname, values[i])
            objs.append(obj)
        model._base_manager.using(using)._insert(objs, fields=fields)
        return
    sql, fixed, varying_fields = _insert_statement(model, tuple(varying), using)
    params = [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in fixed]
    prepared = [[f.get_db_prep_save(value, connection) for value in varying[f.attname]] for f in varying_fields]
    if connection.vendor == "postgresql":
        params += prepared
    else:
        params.append(json.dumps([list(row) for row in zip(*prepared, strict=True)]))
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, params)


@functools.cache
def _insert_statement(model: type, order: tuple[str, ...], using: str) -> tuple[str, list, list]:
    """insert_rows' statement for the `order` of varying fields, built once per process (its column types took a
    tenth of a suggestions request, issue 16): (SQL, the template's fields, the varying fields)."""
    connection = connections[using]
    postgresql = connection.vendor == "postgresql"
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    by_attname = {f.attname: f for f in fields}
    qn = connection.ops.quote_name
    select, fixed = [], []
    for f in fields:
        if f.attname not in order:
            select.append(f"%s::{f.db_type(connection)}" if postgresql else "%s")
            fixed.append(f)
        elif postgresql:
            select.append(f"v.{qn(f.column)}")
        else:
            select.append(f"json_extract(v.value, '$[{order.index(f.attname)}]')")
    columns = ", ".join(qn(f.column) for f in fields)
    # Table and column names from the model, values as parameters.
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) SELECT {', '.join(select)} "  # noqa: S608
    if postgresql:
        unnest = ", ".join(f"%s::{by_attname[a].db_type(connection)}[]" for a in order)
        sql += f"FROM unnest({unnest}) AS v({', '.join(qn(by_attname[a].column) for a in order)})"
    else:
        sql += "FROM json_each(%s) AS v"
    return sql, fixed, [by_attname[a] for a in order]
