"""Synthetic demo cohorts for Jobcenter Aalborg and its Central Matching Unit, made through the services
so the effect page, the API and the reports have something real to compute from. Called by the demo
generator after the demo users exist. Everything is fictional and marked synthetic (Cohort.is_synthetic,
"(syntetisk)" in the title); participants are keys of made-up ids, never people."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from viaviden.matches.models import Programme
from viaviden.organisations.models import User

from .models import Cohort, Participant
from .selectors import window_end
from .services import cohort_create, participant_set_outcome

RUNNERS = ("aalborg.konsulent", "cme.konsulent")


def demo_cohorts_load(*, users: dict[str, User], rng: random.Random) -> int:
    """About a cohort every two months per runner over the current programme; ~55 % in work in time."""
    programme = Programme.objects.filter(is_current=True).first()
    runners = [users[u] for u in RUNNERS if u in users]
    if programme is None or not runners:
        return 0
    today = timezone.localdate()
    created = 0
    start = programme.start_date + dt.timedelta(days=14)
    team = 0
    while start + dt.timedelta(days=56) <= min(programme.end_date, today):
        for user in runners:
            team += 1
            begin = start + dt.timedelta(days=rng.randrange(0, 20))
            end = begin + dt.timedelta(weeks=rng.choice((4, 6, 8)))
            if end > min(programme.end_date, today):
                continue
            upskilling = team % 4 == 0
            cohort = cohort_create(
                user=user, organisation=user.organisation, start_date=begin, end_date=end, is_synthetic=True,
                activity=Cohort.Activity.UPSKILLING if upskilling else Cohort.Activity.JOB_SEARCH,
                title=(f"Opkvalificering, hold {team} (syntetisk)" if upskilling
                       else f"Jobsøgning for ledige akademikere, hold {team} (syntetisk)"),
                identifiers=[f"demo-{team}-{n}" for n in range(rng.randrange(12, 26))],
            )
            _outcomes(cohort, user=user, rng=rng, today=today)
            created += 1
        start += dt.timedelta(days=61)
    return created


def _outcomes(cohort: Cohort, *, user: User, rng: random.Random, today: dt.date) -> None:
    deadline = window_end(cohort.end_date)
    span = (deadline - cohort.start_date).days
    for participant in cohort.participants.all():
        roll = rng.random()
        day = cohort.start_date + dt.timedelta(days=rng.randrange(14, span + 40))
        if roll < 0.12 or day > today:  # not (yet) registered
            continue
        if roll < 0.55:
            outcome = Participant.Outcome.ORDINARY_JOB
        elif roll < 0.68:
            outcome = Participant.Outcome.SUBSIDISED_JOB
        elif roll < 0.78:
            outcome = Participant.Outcome.EDUCATION
        else:
            outcome, day = Participant.Outcome.NONE, None
        participant_set_outcome(user=user, participant=participant, outcome=outcome, outcome_date=day)


def demo_cohorts_delete() -> int:
    return Cohort.objects.filter(is_synthetic=True).delete()[0]
