"""GET /api/suggestions/needs/{id} in a fixed, small number of queries (issue 16): the token, the need's job
profile (one query), the candidate index's change check, the user's partner (for a unit's user), the candidates
with their match types, consents and shortlist entries (one query) and one INSERT of the audit rows — no
transaction around it, no query per candidate. The ranking is remembered while the index and the need are
unchanged, never longer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from viaviden.candidates.matching_index import matching_index_owner
from viaviden.candidates.models import Candidate
from viaviden.candidates.selectors import candidate_views, matching_candidate_values, with_profile_relations
from viaviden.candidates.services import consent_withdraw
from viaviden.candidates.tests.matching_support import (  # noqa: F401
    fresh_matching_index,
    partner_candidate,
    register_student,
    support_need,
)
from viaviden.companies.models import Need
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.tests.factories import UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db


def captured(client, path: str) -> tuple[list[str], dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return [q["sql"] for q in ctx.captured_queries], response.json()


def warm(client, path: str) -> None:
    """Builds the index or syncs new profiles into it: the first sync after a build or a change also reads
    again the rows changed within the index's overlap (matching_index.OVERLAP), once."""
    client.get(path)
    client.get(path)


def one_candidate(user: User) -> tuple[object, str, list[str]]:
    """A need with one suggested candidate, asked for by `user` until warm: (client, path, a warm request's
    queries)."""
    need = support_need(organisation="jobcenter-thisted")
    register_student()
    client = client_for(user)
    path = f"/api/suggestions/needs/{need.pk}?k=20"
    warm(client, path)
    one, body = captured(client, path)
    assert len(body["items"]) == 1
    return client, path, one


def test_a_warm_request_is_a_fixed_handful_of_queries_whatever_the_number_of_candidates(hjoerring):
    client, path, one = one_candidate(hjoerring)
    # token, need profile, index change check, the user's partner (a jobcentre's municipality: its parent, as
    # partner_org_ids reads it), candidates; nobody revealed: no audit row
    assert len(one) == 5, "\n".join(q[:150] for q in one)
    for _ in range(15):
        register_student(consents=("matching", "sharing"))
    warm(client, path)
    many, body = captured(client, path)
    assert len(body["items"]) == 16
    assert sum(item["candidate"]["revealed"] for item in body["items"]) == 15
    assert len(many) == 6, "\n".join(q[:150] for q in many)  # … and one INSERT of the 15 audit rows
    inserts = [sql for sql in many if sql.startswith("INSERT")]
    assert len(inserts) == 1 and "auditlog_logentry" in inserts[0]
    assert not [sql for sql in many if sql.split()[0].upper() in ("BEGIN", "SAVEPOINT", "COMMIT", "RELEASE")]


def test_the_ranking_is_remembered_only_while_index_and_need_are_unchanged(hjoerring):
    need = support_need(organisation="jobcenter-thisted")
    gone = register_student(consents=("matching", "sharing"))
    register_student()
    client = client_for(hjoerring)
    path = f"/api/suggestions/needs/{need.pk}"
    warm(client, path)
    first = client.get(path).json()
    rankings = matching_index_owner().rankings
    assert client.get(path).json() == first
    assert matching_index_owner().rankings == rankings  # from the remembered ranking
    consent_withdraw(candidate=gone, purpose="matching")
    after = client.get(path).json()
    assert gone.pk not in [item["candidate"]["id"] for item in after["items"]]
    assert matching_index_owner().rankings == rankings + 1
    # An edit of the need (any part of its job profile) is a new ranking at once, in every process.
    Need.objects.filter(pk=need.pk).update(tasks="Markedsføring på sociale medier og kampagner")
    client.get(path)
    assert matching_index_owner().rankings == rankings + 2
    need.match_types.add("ordinary_job")
    client.get(path)
    assert matching_index_owner().rankings == rankings + 3


@pytest.fixture
def deep_tree():
    """A partner with units four levels down, and another partner."""
    partner = Organisation.objects.create(slug="dyb-kommune", name="Dyb Kommune", kind=Organisation.Kind.MUNICIPALITY)
    chain = [partner]
    for level in range(1, 5):
        chain.append(Organisation.objects.create(slug=f"dyb-enhed-{level}", name=f"Dyb enhed {level}",
                                                 kind=Organisation.Kind.UNIT, parent=chain[-1]))
    other = Organisation.objects.create(slug="anden-kommune", name="Anden Kommune",
                                        kind=Organisation.Kind.MUNICIPALITY)
    other_chain = [other]
    for level in range(1, 5):
        other_chain.append(Organisation.objects.create(slug=f"anden-enhed-{level}", name=f"Anden enhed {level}",
                                                       kind=Organisation.Kind.UNIT, parent=other_chain[-1]))
    return chain, other_chain


def test_own_candidates_are_revealed_at_every_depth_of_the_partner_tree(deep_tree):
    chain, other_chain = deep_tree
    candidates = []
    for org in [*chain, *other_chain]:
        staff = UserFactory(organisation=org, role=User.Role.PARTNER_STAFF)
        candidates.append(partner_candidate(staff))
    ids = [c.pk for c in candidates]
    for org in [chain[0], chain[2], chain[4], other_chain[3]]:
        user = UserFactory(organisation=org, role=User.Role.PARTNER_STAFF)
        values = matching_candidate_values(user, ids)
        views = candidate_views(user, list(with_profile_relations(Candidate.objects.filter(pk__in=ids))))
        expected = {view.pk: view.revealed for view in views}
        assert {pk: value["revealed"] for pk, value in values.items()} == expected
        assert sum(expected.values()) == 5  # the whole tree of the user's partner, nobody else


def test_the_warm_up_ranks_open_needs_so_the_first_request_ranks_nothing(hjoerring):
    """warm_up_suggestions ranks the newest open needs at the default k (config/warmup.py): a process's first
    suggestions request for one of them is answered from the remembered ranking, as a warm one is."""
    from viaviden.candidates.suggestions import DEFAULT_K, warm_up_suggestions

    need = support_need(organisation="jobcenter-thisted")
    register_student()
    owner = matching_index_owner()
    warm_up_suggestions()  # the master: builds the index and ranks
    # the worker: its first sync reads again what changed within the overlap before the build (the student
    # just registered), so the index counts a change and the needs are ranked again, before any request
    warm_up_suggestions()
    before = owner.rankings
    # a worker forked with the rankings and nothing changed since: reads no need, ranks nothing
    with CaptureQueriesContext(connection) as ctx:
        warm_up_suggestions()
    assert owner.rankings == before
    assert not [q for q in ctx.captured_queries if "companies_need" in q["sql"]]
    body = client_for(hjoerring).get(f"/api/suggestions/needs/{need.pk}?k={DEFAULT_K}").json()
    assert len(body["items"]) == 1
    assert owner.rankings == before
    client_for(hjoerring).get(f"/api/suggestions/needs/{need.pk}?k={DEFAULT_K + 1}")
    assert owner.rankings == before + 1


def test_with_the_production_interval_a_request_within_it_skips_the_change_check(hjoerring, settings):
    # the production setting (1 s; 60 here so that the test's own pace cannot pass it)
    settings.MATCHING_INDEX_SYNC_SECONDS = 60
    _client, _path, one = one_candidate(hjoerring)
    # token, need profile, the user's partner, candidates: no change check (matching_index.py, point 4)
    assert len(one) == 4, "\n".join(q[:150] for q in one)
    assert not [sql for sql in one if "updated_at" in sql and "UNION" in sql.upper()]
