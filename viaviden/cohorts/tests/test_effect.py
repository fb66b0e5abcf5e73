"""The measured effect: share in work within 4 months of the course end, open participants apart."""

import datetime as dt

import pytest

from viaviden.cohorts.selectors import effect_by_organisation, effect_figures, window_end

from .factories import make_cohort, set_outcome

D = dt.date


@pytest.fixture
def cohorts(db):
    a = make_cohort(people=["p1", "p2", "p3", "p4", "p5", "p6"])  # ends 26-02-2021, window to 26-06-2021
    set_outcome(a, "p1", "ordinary_job", D(2021, 3, 15))
    set_outcome(a, "p2", "subsidised_job", D(2021, 6, 26))  # the window's last day still counts
    set_outcome(a, "p3", "ordinary_job", D(2021, 6, 27))  # one day late
    set_outcome(a, "p4", "education", D(2021, 4, 1))
    set_outcome(a, "p5", "none")
    # p6: no outcome registered
    b = make_cohort(organisation="central-matchningsenhed", start=D(2021, 5, 3), end=D(2021, 5, 28),
                    people=["q1", "q2"])  # window to 28-09-2021
    set_outcome(b, "q1", "ordinary_job", D(2021, 6, 1))
    c = make_cohort(organisation="jobcenter-hjoerring", people=["r1"])
    set_outcome(c, "r1", "ordinary_job", D(2021, 3, 1))
    make_cohort(start=D(2021, 8, 2), end=D(2021, 9, 24), people=["s1", "s2", "s3"])  # not started by 01-07
    return a, b, c


def test_window_end_is_four_calendar_months_after_the_end():
    assert window_end(D(2021, 2, 26)) == D(2021, 6, 26)
    assert window_end(D(2021, 10, 31)) == D(2022, 2, 28)


def test_effect_for_jobcenter_aalborg_counts_its_unit_and_keeps_open_apart(cohorts, programme):
    figures = effect_figures(programme=programme, organisation="jobcenter-aalborg", as_of=D(2021, 7, 1))
    assert {k: figures[k] for k in ("in_work", "closed", "open", "share", "offered", "cohorts", "open_in_work",
                                    "ordinary_job", "subsidised_job", "education", "none", "unregistered",
                                    "late_job")} == {
        "in_work": 2, "closed": 6, "open": 2, "share": 33.3, "offered": 8, "cohorts": 2, "open_in_work": 1,
        "ordinary_job": 1, "subsidised_job": 1, "education": 1, "none": 1, "unregistered": 1, "late_job": 1,
    }


def test_effect_when_every_window_has_closed(cohorts, programme):
    figures = effect_figures(programme=programme, organisation="jobcenter-aalborg", as_of=D(2021, 9, 28))
    # the cohort that started 02-08 is counted as offered, and open until 24-01-2022
    assert (figures["in_work"], figures["closed"], figures["open"], figures["share"]) == (3, 8, 3, 37.5)
    later = effect_figures(programme=programme, organisation="jobcenter-aalborg", as_of=D(2022, 1, 24))
    assert (later["closed"], later["open"], later["offered"], later["share"]) == (11, 0, 11, 27.3)


def test_effect_for_the_whole_programme_and_per_organisation(cohorts, programme):
    figures = effect_figures(programme=programme, as_of=D(2021, 7, 1))
    assert (figures["in_work"], figures["closed"], figures["open"], figures["share"]) == (3, 7, 2, 42.9)
    rows = effect_by_organisation(programme=programme, as_of=D(2021, 7, 1))
    assert [(r["slug"], r["closed"], r["in_work"], r["open"], r["share"]) for r in rows] == [
        ("central-matchningsenhed", 0, 0, 2, None),
        ("jobcenter-aalborg", 6, 2, 0, 33.3),
        ("jobcenter-hjoerring", 1, 1, 0, 100.0),
    ]


def test_effect_with_nothing_closed_has_no_share(cohorts, programme):
    figures = effect_figures(programme=programme, organisation="jobcenter-aalborg", as_of=D(2021, 2, 1))
    assert (figures["closed"], figures["open"], figures["share"], figures["offered"]) == (0, 6, None, 6)
    assert effect_figures(programme=programme, organisation="aau", as_of=D(2023, 6, 30))["share"] is None


def test_effect_reads_in_a_fixed_number_of_queries(cohorts, programme, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        effect_figures(programme=programme, organisation="jobcenter-aalborg", as_of=D(2021, 7, 1))
