"""First come, first served: grant while the project year has funded places and money, wait in arrival order
otherwise, release on withdrawal or rejection, promote the next in line; exceptions; quotas."""

import datetime as dt

import pytest
from django.core import mail

from viaviden.core.errors import Conflict, Forbidden, ValidationFailed
from viaviden.matches.models import Programme
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory
from viaviden.vaekstpilot import services
from viaviden.vaekstpilot.models import Application, ApplicationEvent, Quota

from .factories import lead_user, make_application, partner_user, set_quota

pytestmark = pytest.mark.django_db

S = Application.Status


def statuses(*apps) -> list[str]:
    return [Application.objects.get(pk=a.pk).status for a in apps]


def test_applications_are_granted_in_arrival_order_until_the_year_is_full_then_wait():
    set_quota(funded_pilots=2)

    first, second, third, fourth = (make_application() for _ in range(4))

    assert statuses(first, second, third, fourth) == [S.GRANTED, S.GRANTED, S.WAITING, S.WAITING]
    assert [Application.objects.get(pk=a.pk).sequence for a in (first, second, third, fourth)] == [1, 2, 3, 4]
    assert first.granted_amount_ore == first.reserved_amount_ore == 5_000_000
    assert first.months.count() == 4
    assert third.months.count() == 0
    assert services_queue_positions(third, fourth) == [1, 2]


def services_queue_positions(*apps):
    from viaviden.vaekstpilot.selectors import queue_position

    return [queue_position(Application.objects.get(pk=a.pk)) for a in apps]


def test_the_quota_defaults_to_the_rules_pilots_per_year():
    make_application()

    quota = Quota.objects.get(project_year=2020)

    assert (quota.funded_pilots, quota.funded_amount_ore, quota.last_sequence) == (50, 50 * 5_000_000, 1)


def test_each_project_year_has_its_own_quota():
    set_quota(project_year=2020, funded_pilots=1)
    make_application()

    later = make_application(start_date=dt.date(2021, 9, 1), graduation_date=dt.date(2021, 6, 20),
                             unemployment_start=dt.date(2021, 7, 1))

    assert (later.status, later.project_year, later.sequence) == (S.GRANTED, 2021, 1)


def test_withdrawing_a_grant_releases_the_place_to_the_first_in_line(django_capture_on_commit_callbacks):
    set_quota(funded_pilots=1)
    granted, waiting1, waiting2 = (make_application() for _ in range(3))
    staff = partner_user()

    with django_capture_on_commit_callbacks(execute=True):
        services.application_withdraw(user=staff, application=granted, reason="Ansat andetsteds", version=None)

    assert statuses(granted, waiting1, waiting2) == [S.WITHDRAWN, S.GRANTED, S.WAITING]
    granted.refresh_from_db()
    assert (granted.reserved_amount_ore, granted.months.count()) == (0, 0)
    promoted = Application.objects.get(pk=waiting1.pk)
    assert promoted.months.count() == 4
    assert ApplicationEvent.objects.filter(application=promoted, kind="granted").get().text.startswith(
        "Der er blevet en plads fri.")
    assert [m.subject for m in mail.outbox] == [f"Vækstpilot bevilget: {promoted.reference}"]


def test_rejecting_a_grant_releases_the_place():
    set_quota(funded_pilots=1)
    granted, waiting = make_application(), make_application()

    services.application_reject(user=lead_user(), application=granted, reason="Virksomheden er offentlig ejet",
                                version=None)

    assert statuses(granted, waiting) == [S.REJECTED, S.GRANTED]
    assert Application.objects.get(pk=granted.pk).decision_note == "Virksomheden er offentlig ejet"


def test_withdrawing_from_the_waiting_list_moves_nobody_up():
    set_quota(funded_pilots=1)
    granted, waiting1, waiting2 = (make_application() for _ in range(3))

    services.application_withdraw(user=partner_user(), application=waiting1, version=None)

    assert statuses(granted, waiting1, waiting2) == [S.GRANTED, S.WITHDRAWN, S.WAITING]
    assert services_queue_positions(waiting2) == [1]


def test_money_counts_too_and_nobody_overtakes_the_first_in_line():
    # Two places but money for one full grant (50.000) and one of 40.000.
    set_quota(funded_pilots=3, funded_amount_ore=9_000_000)
    big = make_application()  # 30.000 kr./month → 4 × 12.500 = 50.000
    bigger = make_application(monthly_wage_ore=4_000_000)  # also 50.000: does not fit the 40.000 left
    small = make_application(monthly_wage_ore=1_000_000)  # 4 × 5.000 = 20.000 would fit, but must wait its turn

    assert statuses(big, bigger, small) == [S.GRANTED, S.WAITING, S.WAITING]


def test_raising_the_quota_promotes_in_arrival_order():
    set_quota(funded_pilots=1)
    granted, waiting1, waiting2 = (make_application() for _ in range(3))
    quota = Quota.objects.get(project_year=2020)

    services.quota_update(user=lead_user(), programme=Programme.objects.get(is_current=True), project_year=2020,
                          funded_pilots=2, funded_amount_ore=2 * 5_000_000, version=quota.version)

    assert statuses(granted, waiting1, waiting2) == [S.GRANTED, S.GRANTED, S.WAITING]


def test_the_quota_cannot_go_below_what_is_granted_and_nothing_changes():
    set_quota(funded_pilots=2)
    make_application(), make_application()
    quota = Quota.objects.get(project_year=2020)

    with pytest.raises(ValidationFailed) as exc:
        services.quota_update(user=lead_user(), programme=Programme.objects.get(is_current=True), project_year=2020,
                              funded_pilots=1, funded_amount_ore=0, version=quota.version)

    assert exc.value.details == {"funded_pilots": ["Der er allerede bevilget 2 vækstpiloter i projektåret."],
                                 "funded_amount": ["Der er allerede bevilget 100.000,00 kr. i projektåret."]}
    quota.refresh_from_db()
    assert (quota.funded_pilots, quota.funded_amount_ore) == (2, 10_000_000)


def test_only_coordinators_and_the_lead_partners_leads_change_quotas():
    set_quota(funded_pilots=2)
    programme = Programme.objects.get(is_current=True)
    for user in (partner_user(), lead_user(role=User.Role.PARTNER_STAFF)):
        with pytest.raises(Forbidden):
            services.quota_update(user=user, programme=programme, project_year=2020, funded_pilots=9,
                                  funded_amount_ore=9, version=None)
    coordinator = UserFactory(role=User.Role.COORDINATOR)

    services.quota_update(user=coordinator, programme=programme, project_year=2020, funded_pilots=9,
                          funded_amount_ore=9 * 5_000_000, version=None)

    assert Quota.objects.get(project_year=2020).funded_pilots == 9


def test_a_terminated_pilot_keeps_its_place():
    set_quota(funded_pilots=1)
    granted, waiting = make_application(), make_application()
    staff = partner_user()

    services.application_terminate(user=staff, application=granted, last_day=dt.date(2021, 4, 10),
                                   reason="Fratrådt", version=None)

    assert statuses(granted, waiting) == [S.TERMINATED, S.WAITING]


def test_a_stale_version_is_refused_and_nothing_changes():
    app = make_application()

    with pytest.raises(Conflict):
        services.application_withdraw(user=partner_user(), application=app, version=app.version - 1)

    assert statuses(app) == [S.GRANTED]


def test_another_partner_cannot_withdraw():
    app = make_application()

    with pytest.raises(Forbidden):
        services.application_withdraw(user=UserFactory(organisation="aau"), application=app, version=None)

    assert statuses(app) == [S.GRANTED]


def test_a_started_pilot_cannot_be_withdrawn_or_rejected():
    app = make_application()
    services.application_start(user=partner_user(), application=app, version=None)

    with pytest.raises(ValidationFailed):
        services.application_withdraw(user=partner_user(), application=app, version=None)
    with pytest.raises(ValidationFailed):
        services.application_reject(user=lead_user(), application=app, reason="x", version=None)

    assert statuses(app) == [S.STARTED]


def test_rejection_needs_a_reason_and_the_lead_partners_lead():
    app = make_application()

    with pytest.raises(ValidationFailed) as exc:
        services.application_reject(user=lead_user(), application=app, reason="  ", version=None)
    assert exc.value.details == {"reason": ["Begrund afvisningen."]}
    with pytest.raises(Forbidden):
        services.application_reject(user=partner_user(role=User.Role.PARTNER_LEAD), application=app, reason="x",
                                    version=None)

    assert statuses(app) == [S.GRANTED]


# --- Exceptions ----------------------------------------------------------------------------------------------


def test_an_approved_exception_joins_the_queue_when_approved(django_capture_on_commit_callbacks):
    set_quota(funded_pilots=2)
    staff = partner_user()
    lead = lead_user(email="leder@erhvervshus.example")
    ineligible = make_application(user=staff, unemployment_start=dt.date(2020, 8, 1))
    on_time = make_application()

    with django_capture_on_commit_callbacks(execute=True):
        services.application_request_exception(user=staff, application=ineligible, version=ineligible.version,
                                               justification="Ledigheden skyldtes barsel; ingen ret til løntilskud.")
    assert statuses(ineligible) == [S.EXCEPTION_REQUESTED]
    assert [m.to for m in mail.outbox] == [["leder@erhvervshus.example"]]

    app = Application.objects.get(pk=ineligible.pk)
    services.application_decide_exception(user=lead, application=app, approve=True, version=app.version)

    app.refresh_from_db()
    assert (app.status, app.exception_approved, app.exception_decided_by, app.sequence) == (S.GRANTED, True, lead, 2)
    assert Application.objects.get(pk=on_time.pk).sequence == 1


def test_a_refused_exception_rejects_the_application_with_the_leads_note():
    staff = partner_user()
    app = make_application(user=staff, company_is_private=False)
    app = services.application_request_exception(user=staff, application=app, justification="Selvejende institution",
                                                  version=app.version)

    with pytest.raises(ValidationFailed):
        services.application_decide_exception(user=lead_user(), application=app, approve=False, note="",
                                              version=app.version)
    services.application_decide_exception(user=lead_user(), application=app, approve=False,
                                          note="Ordningen er for private virksomheder.", version=app.version)

    app.refresh_from_db()
    assert (app.status, app.exception_approved, app.decision_note) == (
        S.REJECTED, False, "Ordningen er for private virksomheder.")


def test_only_the_lead_partners_leads_and_coordinators_decide_exceptions():
    staff = partner_user()
    app = make_application(user=staff, company_is_private=False)
    app = services.application_request_exception(user=staff, application=app, justification="Begrundelse",
                                                  version=app.version)

    for user in (staff, partner_user(role=User.Role.PARTNER_LEAD), lead_user(role=User.Role.PARTNER_STAFF)):
        with pytest.raises(Forbidden):
            services.application_decide_exception(user=user, application=app, approve=True, version=None)
    services.application_decide_exception(user=UserFactory(role=User.Role.COORDINATOR), application=app,
                                          approve=True, version=None)

    assert statuses(app) == [S.GRANTED]


def test_an_exception_needs_a_justification_and_an_ineligible_application():
    staff = partner_user()
    ineligible = make_application(user=staff, company_is_private=False)
    eligible = make_application(user=staff)

    with pytest.raises(ValidationFailed) as exc:
        services.application_request_exception(user=staff, application=ineligible, justification=" ", version=None)
    assert exc.value.details == {"justification": ["Begrund, hvorfor der bør gøres en undtagelse."]}
    with pytest.raises(ValidationFailed):
        services.application_request_exception(user=staff, application=eligible, justification="x", version=None)

    assert statuses(ineligible, eligible) == [S.INELIGIBLE, S.GRANTED]


# --- Bad input --------------------------------------------------------------------------------------------


def test_bad_input_saves_nothing_and_says_what_is_wrong_in_danish():
    from .factories import application_data

    before = (Application.objects.count(), Quota.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        services.application_create(user=partner_user(), data=application_data(
            growth_task=" ", monthly_wage_ore=0, person_name="Syntetisk Person", person_consent=False,
            start_date=dt.date(2024, 3, 1), internship_start=dt.date(2021, 2, 1)))

    assert exc.value.details == {
        "growth_task": ["Beskriv den vækstopgave, vækstpiloten skal løse."],
        "monthly_wage": ["Månedslønnen skal være større end 0 kr."],
        "person_name": ["Personens navn må kun registreres, når personen har givet samtykke."],
        "internship_start": ["Angiv både første og sidste dag i praktikken, eller ingen af dem."],
        "start_date": ["Nordjysk Vækstpilot gælder ikke på startdatoen 01-03-2024. Ordningen gælder fra 01-07-2020 "
                       "til 30-06-2023."],
    }
    assert (Application.objects.count(), Quota.objects.count()) == before


def test_a_cpr_number_is_never_stored():
    from .factories import application_data

    with pytest.raises(ValidationFailed) as exc:
        services.application_create(user=partner_user(), data=application_data(
            person_name="Syntetisk Person 010190-1234", person_consent=True))

    assert exc.value.details == {"person_name": ["Skriv ikke CPR-numre. Platformen gemmer aldrig CPR-numre."]}
    assert Application.objects.count() == 0


def test_a_new_company_is_registered_with_the_application_and_not_without_it():
    from viaviden.companies.models import Company
    from viaviden.matches.tests.factories import next_cvr

    from .factories import application_data

    cvr = next_cvr()
    with pytest.raises(ValidationFailed):
        services.application_create(user=partner_user(), data=application_data(
            company=None, cvr=cvr, company_name="Syntetisk Ny ApS", growth_task=""))
    assert not Company.objects.filter(cvr=cvr).exists()

    app = services.application_create(user=partner_user(), data=application_data(
        company=None, cvr=cvr, company_name="Syntetisk Ny ApS"))

    assert (app.company.cvr, app.company.name, app.company.municipality_id) == (cvr, "Syntetisk Ny ApS", "787")


def test_the_steering_group_cannot_apply():
    from .factories import application_data

    with pytest.raises(Forbidden):
        services.application_create(user=UserFactory(role=User.Role.STEERING_GROUP), data=application_data())
