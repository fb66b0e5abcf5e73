"""The synthetic demo cohorts: made through the services, marked synthetic, and the effect is computed."""

import datetime as dt
import random

from viaviden.cohorts.demo import demo_cohorts_delete, demo_cohorts_load
from viaviden.cohorts.models import Cohort, Participant
from viaviden.cohorts.selectors import effect_figures
from viaviden.organisations.models import User


def test_demo_cohorts_load_and_delete(user_factory, programme):
    users = {"aalborg.konsulent": user_factory(role=User.Role.PARTNER_STAFF, organisation="jobcenter-aalborg"),
             "cme.konsulent": user_factory(role=User.Role.PARTNER_STAFF, organisation="central-matchningsenhed")}
    created = demo_cohorts_load(users=users, rng=random.Random(7))
    assert created >= 20 and Cohort.objects.filter(is_synthetic=True).count() == created
    assert all("(syntetisk)" in t for t in Cohort.objects.values_list("title", flat=True))
    figures = effect_figures(programme=programme, organisation="jobcenter-aalborg", as_of=dt.date(2023, 6, 30))
    assert figures["closed"] > 0 and 35 < figures["share"] < 80
    assert demo_cohorts_delete() > 0
    assert Participant.objects.count() == 0
