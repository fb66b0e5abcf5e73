"""Change notices: a per-process number that moves whenever a change to some tables is committed, by this
process or any other, so that a process may keep what it read from them until it moves (issue 16).

A PostgreSQL trigger on each table announces every committed statement with `NOTIFY <channel>` (migrations add
them with core.notify_triggers: organisations 0005 for AUTH_NOTICES, matches 0018, companies 0005). Each
connection that asks `generation()` listens on the channel and reads what has arrived on its socket without a
round trip (libpq's PQconsumeInput does not block). A notice arrives when the change commits; one committed a
moment before the check may still be on its way, as a request that started a moment earlier would have seen
the old rows too.

`generation()` is None — keep nothing, ask the database — when notices cannot be trusted:
- on SQLite and other databases (no NOTIFY);
- inside a transaction, whose own uncommitted changes send no notice yet (every test that runs in one, too);
- with `settings.CHANGE_NOTICES` off: behind a pooler in transaction mode, which does not keep a LISTEN.

A new connection listens from its start, so the number moves then too: what was read before it could have
missed a notice."""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from collections.abc import Hashable
from typing import Any

from django.conf import settings
from django.db import connections


class ChangeNotices:
    """The notices of one channel (see the module)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._counter = itertools.count(1)
        self._generation = 0
        self._local = threading.local()  # the connection this thread listens on (Django's are per thread)

    def _moved(self, notice: Any = None) -> None:
        """Moves the number, for a notice of this channel (a connection's handlers hear every channel it listens
        on) or, without one, for a connection that starts listening."""
        if notice is None or notice.channel == self.channel:
            self._generation = next(self._counter)

    def generation(self, alias: str = "default") -> int | None:
        """The current number for database `alias`, after reading the notices its connection has received; None
        when they cannot be trusted (see the module). Opens the connection if it is closed."""
        connection = connections[alias]
        if connection.vendor != "postgresql" or not settings.CHANGE_NOTICES or connection.in_atomic_block:
            return None
        import psycopg

        connection.ensure_connection()
        if not connection.get_autocommit():
            return None
        raw = connection.connection
        listening = getattr(self._local, "connection", None)
        try:
            if listening is None or listening() is not raw:
                raw.add_notify_handler(self._moved)
                raw.execute(f"LISTEN {self.channel}")
                self._local.connection = weakref.ref(raw)
                self._moved()
            pgconn = raw.pgconn
            pgconn.consume_input()
            while (notice := pgconn.notifies()) is not None:
                if pgconn.notify_handler is not None:
                    pgconn.notify_handler(notice)
        except psycopg.Error:  # a broken connection: Django's next query reports it
            self._local.connection = None
            return None
        return self._generation


class Kept:
    """Values read from the database, kept by this process until the `notices` move or `max_age` seconds have
    passed; at most `max_items` (all are dropped when full). Take `stamp()` before reading the value and give it
    to `put`: a change committed while it was read moves the notices, and the value is not used again."""

    def __init__(self, *notices: ChangeNotices, max_age: float, max_items: int) -> None:
        self.notices = notices
        self.max_age = max_age
        self.max_items = max_items
        self._values: dict[Hashable, tuple[tuple[int, ...], float, Any]] = {}

    def stamp(self, alias: str = "default") -> tuple[int, ...] | None:
        """The notices' numbers now; None when nothing may be kept (see the module)."""
        numbers = []
        for notices in self.notices:
            number = notices.generation(alias)
            if number is None:
                return None
            numbers.append(number)
        return tuple(numbers)

    def get(self, stamp: tuple[int, ...] | None, key: Hashable) -> Any:
        """The value kept for `key` under this stamp, or None."""
        entry = self._values.get(key) if stamp is not None else None
        if entry is None or entry[0] != stamp or time.monotonic() - entry[1] >= self.max_age:
            return None
        return entry[2]

    def put(self, stamp: tuple[int, ...] | None, key: Hashable, value: Any) -> None:
        if stamp is None:
            return
        if len(self._values) >= self.max_items:
            self._values.clear()
        self._values[key] = (stamp, time.monotonic(), value)


# Changes to who may use the API: tokens, users and organisations (viaviden.api.auth; the triggers: migration
# organisations 0005).
AUTH_NOTICES = ChangeNotices("viaviden_auth")
# Changes to what the match list counts: matches, their contributions, companies and organisations
# (viaviden.api.matches; the triggers: migration matches 0018).
MATCH_NOTICES = ChangeNotices("viaviden_matches")
# Changes to a need's job profile: needs, their match types and levels, and companies
# (viaviden.companies.need_selectors; the triggers: migration companies 0005).
NEED_NOTICES = ChangeNotices("viaviden_needs")
