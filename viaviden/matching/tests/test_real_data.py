"""The engine on the real reference data (data/reference/education/); skipped where the files are missing."""

import pytest

from viaviden.matching import CandidateDoc, CompetenceGuide, JobProfile, MatchingIndex, TravelTimes
from viaviden.matching.guides import EDUCATION_DIR

pytestmark = pytest.mark.skipif(
    not all((EDUCATION_DIR / f).exists() for f in ("study_programmes.json", "task_areas.json", "travel_times.csv")),
    reason="data/reference/education/ is not there",
)
AALBORG, THISTED, FREDERIKSHAVN, LAESOE = "851", "787", "813", "825"
SUPPORT_NEED = (
    "Vi mangler en til den daglige IT-support: hjælpe medarbejderne med pc'er, printere og netværk og holde "
    "styr på opdateringer"
)
SUPPORT_TEXT = "Erfaring med IT-support og netværk fra studiejob"


@pytest.fixture(scope="module")
def guide():
    return CompetenceGuide.from_directory()


@pytest.fixture(scope="module")
def travel():
    return TravelTimes.from_csv()


def test_reference_data_loads_and_travel_times_are_symmetric(guide, travel):
    assert {"datamatiker-ucn", "datalogi-aau"} <= set(guide.programmes)
    assert "it-drift" in guide.task_areas
    assert len(travel.codes) == 11
    assert all(travel.minutes(a, b) == travel.minutes(b, a) for a in travel.codes for b in travel.codes)
    assert all(travel.minutes(a, a) == 0 for a in travel.codes)


def test_datamatiker_ranks_at_least_as_high_as_datalog_for_operational_it_support(guide, travel):
    # given a datalog (LVU) and a datamatiker (KVU) equal in every other signal, the datalog indexed first
    same = {"text": SUPPORT_TEXT, "home_municipality": AALBORG, "max_travel_minutes": 90}
    index = MatchingIndex.build(
        [
            CandidateDoc(id="datalog", programme_slug="datalogi-aau", level=None, **same),
            CandidateDoc(id="datamatiker", programme_slug="datamatiker-ucn", level=None, **same),
        ],
        guide,
        travel,
    )

    # when an operational IT-support need that accepts any level is ranked
    result = index.rank_candidates(JobProfile(id="need", text=SUPPORT_NEED, municipality=AALBORG))

    # then
    assert [s.id for s in result] == ["datamatiker", "datalog"]
    assert result[0].score >= result[1].score
    assert result[0].reasons[0] == (
        "Matcher opgaveområdet 'IT-drift og support' via uddannelsen Datamatiker og kandidatens egne kompetencer"
    )


def test_thisted_company_is_reachable_for_aalborg_student_who_accepts_90_minutes(guide, travel):
    index = MatchingIndex.build(
        [
            CandidateDoc("90", "datamatiker-ucn", None, SUPPORT_TEXT, home_municipality=AALBORG, max_travel_minutes=90),
            CandidateDoc("30", "datamatiker-ucn", None, SUPPORT_TEXT, home_municipality=AALBORG, max_travel_minutes=30),
            CandidateDoc(
                "30-moves",
                "datamatiker-ucn",
                None,
                SUPPORT_TEXT,
                home_municipality=AALBORG,
                max_travel_minutes=30,
                willing_to_move=True,
            ),
        ],
        guide,
        travel,
    )

    result = {s.id: s for s in index.rank_candidates(JobProfile(id="need", text=SUPPORT_NEED, municipality=THISTED))}

    assert sorted(result) == ["30-moves", "90"]
    assert result["90"].score == result["30-moves"].score
    minutes = round(travel.minutes(AALBORG, THISTED))
    assert result["90"].reasons[-1] == f"Rejsetid ca. {minutes} min (inden for kandidatens 90 min)"


def test_laesoe_is_far_from_aalborg_because_of_the_ferry(travel):
    assert travel.minutes(AALBORG, LAESOE) > travel.minutes(AALBORG, FREDERIKSHAVN) + 60


def test_rank_programmes_puts_operational_programmes_first_for_it_support(guide):
    index = MatchingIndex.build([], guide)

    ranking = [s.id for s in index.rank_programmes(JobProfile(id="need", text=SUPPORT_NEED), k=5)]

    assert {"it-teknolog-ucn", "datamatiker-ucn"} <= set(ranking[:3])
    assert "datalogi-aau" not in ranking
