"""The match tallies (matches/models.py, `MatchTally*`): counts of matches per programme, start month,
status and the keys of one progress aggregate, kept current by database triggers (migration
0013_dash16_match_tallies) and read by matches/progress.py instead of scanning the match table. PostgreSQL
only (`tallies_kept`): SQLite's row-level triggers would cost every imported match eight upserts, and the
embedded database's programmes are small enough to scan.

`recount` is what the tallies must hold, computed from the matches; `differences` compares;
`rebuild` replaces the tallies by the recount (`manage.py rebuild_match_tallies`, run after migrate when
matches were written with the triggers absent, e.g. restored from a dump without them).
"""

from __future__ import annotations

from collections import Counter

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from .models import MATCH_TALLIES, Match, MatchTally


def tallies_kept() -> bool:
    """Whether this database keeps the tallies (the triggers exist on PostgreSQL only)."""
    return connection.vendor == "postgresql"


def _key_fields(tally: type[MatchTally]) -> tuple[str, ...]:
    return ("programme_id", "month", *tally.KEYS, "status")


def recount(tally: type[MatchTally]) -> Counter:
    """{(programme, month, *keys, status): matches} computed from the match table (no zero counts), with the
    whole-period rows (month `MatchTally.ALL_TIME`)."""
    rows = (Match.objects.order_by().annotate(month=TruncMonth("start_date"))
            .values_list(*_key_fields(tally)).annotate(n=Count("*")))
    out: Counter = Counter()
    for r in rows:
        out[r[:-1]] += r[-1]
        out[(r[0], tally.ALL_TIME, *r[2:-1])] += r[-1]
    return out


def stored(tally: type[MatchTally]) -> Counter:
    """The tally as stored, zero counts left out."""
    rows = tally.objects.order_by().values_list(*_key_fields(tally)).annotate(n=Sum("count"))
    return Counter({r[:-1]: r[-1] for r in rows if r[-1]})


def differences() -> dict[str, dict[tuple, tuple[int, int]]]:
    """Per tally whose stored counts differ from the recount: {key: (stored, recounted)}."""
    out = {}
    for tally in MATCH_TALLIES:
        have, want = stored(tally), recount(tally)
        diff = {k: (have.get(k, 0), want.get(k, 0)) for k in set(have) | set(want) if have.get(k, 0) != want.get(k, 0)}
        if diff:
            out[tally.__name__] = diff
    return out


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Replace every tally by the recount from the matches; returns the rows written per tally. On
    PostgreSQL the match table is locked against writes meanwhile (a write would count twice or not)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE matches_match IN SHARE MODE")
    written = {}
    for tally in MATCH_TALLIES:
        counts = recount(tally)
        tally.objects.all().delete()
        fields = _key_fields(tally)
        tally.objects.bulk_create(
            [tally(**dict(zip(fields, key, strict=True)), count=n) for key, n in counts.items()], batch_size=2000
        )
        written[tally.__name__] = len(counts)
    return written
