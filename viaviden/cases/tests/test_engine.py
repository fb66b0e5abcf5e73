"""The in-memory snapshot of the search index: patched with only the changed cases, rebuilt when that is
not enough, and never left holding rows of a write that was rolled back."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import transaction

from viaviden.cases import engine
from viaviden.cases.models import Case
from viaviden.cases.search import CaseQuery, case_search, current_generation
from viaviden.cases.services import case_archive, case_update
from viaviden.cases.tests.factories import case_data, coordinator, make_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _reference_data_and_fresh_holder():
    from viaviden.reference.loader import load_reference_data

    load_reference_data()  # transactional tests start from an empty database
    engine.holder.invalidate()
    yield
    engine.holder.invalidate()


def _same(a: engine.Snapshot, b: engine.Snapshot) -> None:
    """Two snapshots answer alike: the same live case ids, postings and facet values (slots may differ)."""
    def live(s):
        ids = s.ids
        terms = {t: sorted((int(ids[i]), w) for i, w in zip(slots, weights, strict=True) if s.alive[i])
                 for t, (slots, weights) in s.postings.items()}
        facets = {(f, v): sorted(int(ids[i]) for i in slots if s.alive[i])
                  for f, values in s.facet_postings.items() for v, slots in values.items()}
        return (sorted(int(i) for i in ids[s.alive]), {t: p for t, p in terms.items() if p},
                {k: p for k, p in facets.items() if p})

    assert live(a) == live(b)


def test_a_published_case_is_patched_in_and_an_archived_one_switched_off(monkeypatch):
    monkeypatch.setattr(engine, "MAX_DEAD_SHARE", 1.0)  # with two cases, one dead slot is half of them
    first = make_case(publish=True)
    before = engine.holder.get(current_generation())

    second = make_case(publish=True, title="Energiingeniør i bageriet", municipality="860")
    case_archive(user=coordinator(), case=first, version=first.version)
    after = engine.holder.get(current_generation())

    assert after is not before
    assert after.size == 2  # first (switched off) and second (appended): patched, not rebuilt
    assert int(after.alive.sum()) == 1
    _same(after, engine.build(current_generation()))
    assert [c.pk for c in case_search(CaseQuery(q="energiingeniør")).cases] == [second.pk]
    assert [c.pk for c in case_search(CaseQuery()).cases] == [second.pk]


def test_an_edit_replaces_the_cases_postings(monkeypatch):
    monkeypatch.setattr(engine, "MAX_DEAD_SHARE", 1.0)
    case = make_case(publish=True)
    engine.holder.get(current_generation())

    case_update(user=coordinator(), case=case, data=case_data(title="Tømrer får ny webshop"), version=case.version)

    snapshot = engine.holder.get(current_generation())
    assert (snapshot.size, int(snapshot.alive.sum())) == (2, 1)  # patched
    _same(snapshot, engine.build(current_generation()))
    assert case_search(CaseQuery(q="webshop")).total == 1


def test_a_hard_delete_makes_a_rebuild():
    keep, gone = make_case(publish=True), make_case(publish=True, title="Slettes")
    engine.holder.get(current_generation())

    Case.objects.filter(pk=gone.pk).delete()
    make_case(publish=True, title="Ny efter sletningen")
    snapshot = engine.holder.get(current_generation())

    assert sorted(snapshot.ids[snapshot.alive].tolist()) == sorted([keep.pk, Case.objects.latest("id").pk])
    assert np.all(snapshot.alive)  # rebuilt, not patched


def test_a_rolled_back_write_never_stays_in_the_snapshot():
    make_case(publish=True)
    engine.holder.get(current_generation())

    with pytest.raises(RuntimeError), transaction.atomic():
        make_case(publish=True, title="Rulles tilbage")
        assert case_search(CaseQuery(q="rulles")).total == 1  # visible inside its own transaction
        raise RuntimeError
    make_case(publish=True, title="Energiingeniør efter tilbagerulningen")

    assert case_search(CaseQuery(q="rulles")).total == 0
    assert case_search(CaseQuery(q="energiingeniør")).total == 1
    _same(engine.holder.get(current_generation()), engine.build(current_generation()))


def test_a_snapshot_of_another_epoch_is_rebuilt_not_patched():
    from viaviden.cases.search import reindex_all

    make_case(publish=True)
    old = engine.holder.get(current_generation())

    reindex_all()
    make_case(publish=True, title="Efter genopbygningen")
    new = engine.holder.get(current_generation())

    assert new.stamp[2] != old.stamp[2]
    assert (new.size, bool(np.all(new.alive))) == (2, True)
