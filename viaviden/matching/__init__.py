"""The matching engine: pure Python (numpy/scipy, PyStemmer), no Django. Used by the UI and the API.

Interface (details and the scoring rules in docs/matching.md):

    from viaviden.matching import CandidateDoc, CompetenceGuide, JobProfile, MatchingIndex, TravelTimes

    guide = CompetenceGuide.from_directory()     # data/reference/education/{study_programmes,task_areas}.json
    travel = TravelTimes.from_csv()              # data/reference/education/travel_times.csv
    index = MatchingIndex.build(candidates, guide, travel)     # candidates: iterable of CandidateDoc
    index.add(candidate)                         # new or changed candidate (same id replaces)
    index.remove(candidate_id)                   # at once, e.g. when consent is withdrawn
    index.rank_candidates(profile, k=20)         # -> list[Suggestion] for a need / job profile
    index.rank_profiles(candidate, profiles, k=20)   # -> list[Suggestion]: open needs and bourse cases
    index.rank_programmes(profile, k=10)         # -> list[Suggestion]: programmes (slugs) that fit a need

    Suggestion(id, score, reasons)               # reasons: plain Danish sentences

`CandidateDoc(id, programme_slug, level, text, match_types, available_from, home_municipality,
max_travel_minutes, willing_to_move)` and `JobProfile(id, text, match_types, levels, municipality,
earliest_start)` are frozen dataclasses. There is no field for age, gender, ethnicity, health or any other
protected characteristic, so the engine cannot use them.
"""

from .engine import CandidateDoc, JobProfile, MatchingIndex, Suggestion, format_date_da, rank_profiles
from .geography import TravelTimes, is_reachable
from .guides import LEVELS, CompetenceGuide, Programme, TaskArea, load_match_type_names
from .text import Analyzer, CompoundSplitter, normalise, tokenize

__all__ = [
    "LEVELS",
    "Analyzer",
    "CandidateDoc",
    "CompetenceGuide",
    "CompoundSplitter",
    "JobProfile",
    "MatchingIndex",
    "Programme",
    "Suggestion",
    "TaskArea",
    "TravelTimes",
    "format_date_da",
    "is_reachable",
    "load_match_type_names",
    "normalise",
    "rank_profiles",
    "tokenize",
]
