"""A cursor for the few hot queries whose SQL the project compiles once per process (issue 16).

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
