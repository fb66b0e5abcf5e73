"""Test data for cohorts, made through the services so every rule applies.

    make_cohort(organisation="jobcenter-aalborg", start=..., end=..., people=["a", "b"])
    set_outcome(cohort, "a", "ordinary_job", dt.date(2021, 3, 15))
"""

from __future__ import annotations

import datetime as dt

from viaviden.cohorts.models import Cohort, Participant
from viaviden.cohorts.services import cohort_create, participant_key, participant_set_outcome
from viaviden.organisations.models import Organisation


def make_cohort(*, organisation: str = "jobcenter-aalborg", title: str = "Jobsøgning for akademikere",
                start: dt.date = dt.date(2021, 1, 4), end: dt.date = dt.date(2021, 2, 26),
                people: list[str] | tuple[str, ...] = (), activity: str = "job_search") -> Cohort:
    return cohort_create(user=None, organisation=Organisation.objects.get(slug=organisation), title=title,
                         start_date=start, end_date=end, activity=activity, identifiers=people)


def participant(cohort: Cohort, identifier: str) -> Participant:
    return cohort.participants.get(person_key=participant_key(identifier))


def set_outcome(cohort: Cohort, identifier: str, outcome: str, day: dt.date | None = None) -> Participant:
    return participant_set_outcome(user=None, participant=participant(cohort, identifier), outcome=outcome,
                                   outcome_date=day)
