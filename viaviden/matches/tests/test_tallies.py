"""The match tallies (matches/tallies.py): kept by database triggers, they must equal a recount from the match
table after any sequence of writes — service registrations, edits of type, partner, municipality, date and
status (by save and by queryset update), deletions, an import's bulk insert and erasure — and the progress
aggregates read from them must equal the GROUP BY scans for every cut-off date."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viaviden.matches import tallies
from viaviden.matches.importing import bulk_insert
from viaviden.matches.models import Match, MatchTallyPlace, Programme
from viaviden.matches.progress import _scanned, _tallied
from viaviden.matches.retention import TARGET as RETENTION
from viaviden.matches.services import derived_fields
from viaviden.organisations.models import Organisation

from .factories import make_match

pytestmark = pytest.mark.skipif(not tallies.tallies_kept(), reason="the tallies are kept on PostgreSQL only")

START, END = dt.date(2020, 7, 1), dt.date(2023, 6, 30)
inside = st.integers(0, (END - START).days).map(lambda n: START + dt.timedelta(days=n))
days = st.integers(-40, (END - START).days + 40).map(lambda n: START + dt.timedelta(days=n))  # edits may stray
ORGS = ["aau", "ucn", "magistrenes-a-kasse", "jobcenter-hjoerring", "erhvervskontor-aalborg"]
MUNIS = ["851", "860", "787"]
TYPES = ["student_project", "student_job", "ordinary_job", "wage_subsidy"]
STATUSES = ["registered", "verified", "rejected"]

ops = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(ORGS), st.sampled_from(MUNIS), st.sampled_from(TYPES),
              st.sampled_from(["KVU", "MVU", "LVU"]), inside, st.sampled_from(STATUSES)),
    st.tuples(st.just("type"), st.integers(0, 99), st.sampled_from(TYPES)),
    st.tuples(st.just("level"), st.integers(0, 99), st.sampled_from(["KVU", "MVU", "LVU"])),
    st.tuples(st.just("partner"), st.integers(0, 99), st.sampled_from(ORGS)),
    st.tuples(st.just("municipality"), st.integers(0, 99), st.sampled_from(MUNIS)),
    st.tuples(st.just("date"), st.integers(0, 99), days),
    st.tuples(st.just("status"), st.integers(0, 99), st.sampled_from(STATUSES)),
    st.tuples(st.just("activity"), st.integers(0, 99), st.sampled_from(["bourse", "company_contact"])),
    st.tuples(st.just("delete"), st.integers(0, 99)),
    st.tuples(st.just("delete_all_of_type"), st.sampled_from(TYPES)),
    st.tuples(st.just("import"), st.integers(0, 99), st.integers(1, 3)),
    st.tuples(st.just("erase"), st.integers(0, 99)),
)


def _pick(i: int) -> Match | None:
    ids = list(Match.objects.order_by("pk").values_list("pk", flat=True))
    return Match.objects.get(pk=ids[i % len(ids)]) if ids else None


def _apply(op: tuple) -> None:
    kind = op[0]
    if kind == "create":
        _, org, muni, mtype, level, day, status = op
        make_match(organisation=org, municipality=muni, match_type=mtype, level=level, start_date=day, status=status)
        return
    if kind == "delete_all_of_type":
        Match.objects.filter(match_type_id=op[1]).delete()
        return
    match = _pick(op[1])
    if match is None:
        return
    if kind == "type":  # a save of every column, as the admin and the edit service do
        match.match_type_id = op[2]
        match.save()
    elif kind == "level":
        Match.objects.filter(pk=match.pk).update(education_level_id=op[2])
    elif kind in ("partner", "municipality", "date"):
        org = Organisation.objects.get(slug=op[2]) if kind == "partner" else match.registering_org
        muni = op[2] if kind == "municipality" else match.municipality_id
        day = op[2] if kind == "date" else match.start_date
        match.registering_org, match.municipality_id, match.start_date = org, muni, day
        match.programme = Programme.objects.filter(start_date__lte=day, end_date__gte=day).first() or match.programme
        for k, v in derived_fields(programme=match.programme, start_date=day, municipality_code=muni,
                                   registering_org=org).items():
            setattr(match, k, v)
        match.save()
    elif kind == "status":
        Match.objects.filter(pk=match.pk).update(
            status=op[2], rejection_reason="Afvist" if op[2] == "rejected" else "")
    elif kind == "activity":
        with connection.cursor() as cursor:  # raw SQL is counted too
            cursor.execute("UPDATE matches_match SET activity = %s WHERE id = %s", [op[2], match.pk])
    elif kind == "delete":
        match.delete()
    elif kind == "import":
        row = {f.attname: getattr(match, f.attname) for f in Match._meta.concrete_fields if not f.primary_key}
        rows = [{**row, "import_key": f"t-{match.pk}-{n}-{Match.objects.count()}", "import_batch_id": None}
                for n in range(op[2])]
        bulk_insert(Match, rows)
    elif kind == "erase":
        Match.objects.filter(pk=match.pk).update(person_name="Anna", person_email="a@example.dk",
                                                 person_consent_at=dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
        RETENTION.anonymise(Match.objects.get(pk=match.pk))


def _as_counter(data: dict[str, list[dict]]) -> dict[str, Counter]:
    return {name: Counter({tuple(sorted((k, v) for k, v in r.items() if k != "n")): r["n"] for r in rows})
            for name, rows in data.items()}


def _assert_figures_agree() -> None:
    assert tallies.differences() == {}
    for programme in Programme.objects.all():
        cut_offs = [None, programme.start_date - dt.timedelta(days=1), programme.start_date, programme.end_date]
        cut_offs += list(Match.objects.filter(programme=programme).values_list("start_date", flat=True))
        cut_offs += [d + dt.timedelta(days=1) for d in cut_offs[4:]] + [d.replace(day=1) for d in cut_offs[4:]]
        for as_of in cut_offs:
            assert _as_counter(_tallied(programme, as_of=as_of)) == _as_counter(
                _scanned(programme, as_of=as_of, municipality=None, partner=None)), as_of


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(sequence=st.lists(ops, min_size=1, max_size=14))
def test_tallies_equal_a_recount_after_any_sequence_of_writes(sequence):
    with transaction.atomic():
        for op in sequence:
            _apply(op)
        _assert_figures_agree()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_rebuild_recomputes_damaged_tallies():
    for day in (dt.date(2021, 3, 1), dt.date(2021, 3, 31), dt.date(2022, 1, 5)):
        make_match(start_date=day)
    MatchTallyPlace.objects.update(count=7)
    assert "MatchTallyPlace" in tallies.differences()
    with pytest.raises(Exception, match="differ"):
        call_command("rebuild_match_tallies", "--check")
    call_command("rebuild_match_tallies")
    call_command("rebuild_match_tallies", "--check")
    _assert_figures_agree()


@pytest.mark.django_db
def test_a_match_after_the_cut_off_in_the_same_month_does_not_count():
    programme = Programme.objects.get(start_date__lte=dt.date(2021, 3, 1), end_date__gte=dt.date(2021, 3, 1))
    make_match(start_date=dt.date(2021, 3, 2))
    make_match(start_date=dt.date(2021, 3, 20))
    make_match(start_date=dt.date(2021, 2, 27), status="rejected")
    totals = {d: sum(r["n"] for r in _tallied(programme, as_of=d)["main"])
              for d in (dt.date(2021, 3, 1), dt.date(2021, 3, 2), dt.date(2021, 3, 19), dt.date(2021, 3, 20))}
    assert totals == {dt.date(2021, 3, 1): 0, dt.date(2021, 3, 2): 1, dt.date(2021, 3, 19): 1,
                      dt.date(2021, 3, 20): 2}


@pytest.mark.django_db
def test_concurrent_registrations_in_one_group_both_count():
    """Two transactions add a match to the same tally group; the second waits for the first's row and adds
    to the committed count (INSERT … ON CONFLICT DO UPDATE SET count = count + …). Needs two connections,
    so PostgreSQL only (the threads commit: what they wrote is deleted at the end)."""
    day, created, errors = dt.date(2021, 4, 14), [], []
    first_inserted, barrier = threading.Event(), threading.Barrier(2)

    def register(first: bool) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                if not first:
                    first_inserted.wait(10)
                created.append(make_match(start_date=day, match_type="wage_subsidy").pk)
                if first:
                    first_inserted.set()
                    threading.Event().wait(0.5)  # the other transaction now waits on the tally row
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    def group_count() -> int:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(SUM(count), 0) FROM matches_matchtallykind WHERE month = %s AND match_type_id = %s",
                [day.replace(day=1), "wage_subsidy"])
            return cursor.fetchone()[0]

    results: dict[str, int] = {}

    def outside(fn, key):  # the test's own connection is inside its rolled-back transaction: read elsewhere
        def run():
            try:
                results[key] = fn()
            finally:
                connections.close_all()
        t = threading.Thread(target=run)
        t.start()
        t.join()

    outside(group_count, "before")
    threads = [threading.Thread(target=register, args=(first,)) for first in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        outside(group_count, "after")
        assert results["after"] == results["before"] + 2
    finally:
        def cleanup():
            companies = list(Match.objects.filter(pk__in=created).values_list("company_id", flat=True))
            Match.objects.filter(pk__in=created).delete()
            Match.company.field.related_model.objects.filter(pk__in=companies).delete()
            return 0
        outside(cleanup, "cleanup")
        outside(lambda: len(tallies.differences()), "differences")
        assert results["differences"] == 0
