"""Property: a ranking never contains a candidate (or need) that breaks a hard filter, and is sorted."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from viaviden.matching import CandidateDoc, JobProfile, MatchingIndex

from .fixtures import NAMES, PROGRAMMES, TRAVEL_ROWS, TYPE_NAMES, small_guide, small_travel

PHRASES = [
    "IT-support og drift af netværk",
    "servere og backup",
    "programmering af apps og webløsninger",
    "markedsføringsplan og kampagner",
    "sociale medier",
    "regnskab og bogføring",
    "pleje af patienter",
    "projektledelse",
]
TYPES = sorted(TYPE_NAMES)
CODES = [*NAMES, "101"]
PROGRAMME_LEVEL = {p["slug"]: p["level"] for p in PROGRAMMES}
MINUTES = {**{(a, b): m for a, b, m in TRAVEL_ROWS}, **{(b, a): m for a, b, m in TRAVEL_ROWS}}

texts = st.lists(st.sampled_from(PHRASES), max_size=3).map(" og ".join)
dates = st.none() | st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 12, 31))
candidates = st.builds(
    CandidateDoc,
    id=st.just(0),
    programme_slug=st.none() | st.sampled_from(sorted(PROGRAMME_LEVEL)),
    level=st.sampled_from([None, "KVU", "MVU", "LVU"]),
    text=texts,
    match_types=st.frozensets(st.sampled_from(TYPES)),
    available_from=dates,
    home_municipality=st.none() | st.sampled_from(CODES),
    max_travel_minutes=st.none() | st.sampled_from([0, 30, 60, 90, 120, 200]),
    willing_to_move=st.booleans(),
)
profiles = st.builds(
    JobProfile,
    id=st.just(0),
    text=texts,
    match_types=st.frozensets(st.sampled_from(TYPES)),
    levels=st.frozensets(st.sampled_from(["KVU", "MVU", "LVU"])),
    municipality=st.none() | st.sampled_from(CODES),
    earliest_start=dates,
)


def allowed(c: CandidateDoc, p: JobProfile) -> bool:
    level = c.level or PROGRAMME_LEVEL.get(c.programme_slug)
    if p.levels and level not in p.levels:
        return False
    if p.match_types and c.match_types and not p.match_types & c.match_types:
        return False
    if c.home_municipality is None or p.municipality is None or c.max_travel_minutes is None or c.willing_to_move:
        return True
    minutes = 0 if c.home_municipality == p.municipality else MINUTES.get((c.home_municipality, p.municipality))
    return minutes is None or minutes <= c.max_travel_minutes


def with_ids(items):
    return [type(x)(**{**x.__dict__, "id": i}) for i, x in enumerate(items)]


@settings(max_examples=80, deadline=None)
@given(st.lists(candidates, max_size=25).map(with_ids), profiles, st.integers(1, 30), st.sets(st.integers(0, 24)))
def test_rank_candidates_respects_hard_filters_and_is_sorted(cands, profile, k, removed):
    # given
    index = MatchingIndex.build(cands, small_guide(), small_travel(), match_type_names=TYPE_NAMES)
    for cid in removed:
        index.remove(cid)

    # when
    result = index.rank_candidates(profile, k=k)

    # then
    by_id = {c.id: c for c in cands}
    assert len(result) <= k
    assert len({s.id for s in result}) == len(result)
    assert all(s.id not in removed and allowed(by_id[s.id], profile) for s in result)
    assert [s.score for s in result] == sorted((s.score for s in result), reverse=True)
    assert all(0 < s.score <= 1 and s.reasons for s in result)


@settings(max_examples=60, deadline=None)
@given(candidates, st.lists(profiles, max_size=20).map(with_ids), st.integers(1, 30))
def test_rank_profiles_respects_hard_filters_and_is_sorted(candidate, needs, k):
    index = MatchingIndex.build([], small_guide(), small_travel(), match_type_names=TYPE_NAMES)

    result = index.rank_profiles(candidate, needs, k=k)

    by_id = {p.id: p for p in needs}
    assert len(result) <= k
    assert len({s.id for s in result}) == len(result)
    assert all(allowed(candidate, by_id[s.id]) for s in result)
    assert [s.score for s in result] == sorted((s.score for s in result), reverse=True)
