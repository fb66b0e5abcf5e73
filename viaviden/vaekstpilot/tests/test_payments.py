"""Monthly payments: min(share × reported wage, cap) per calendar month, part months pro rata, wage changes,
the grant as a ceiling, approval, payment lists (CSV for the finance system) and early termination."""

import datetime as dt

import pytest

from viaviden.core.errors import Forbidden, ValidationFailed
from viaviden.organisations.models import User
from viaviden.vaekstpilot import services
from viaviden.vaekstpilot.models import Application, PaymentList, PilotMonth
from viaviden.vaekstpilot.views import payment_list_csv_text

from .factories import lead_user, make_application, partner_user

pytestmark = pytest.mark.django_db


def report(app, month: PilotMonth, wage_ore: int, **kw) -> PilotMonth:
    return services.month_report(application=app, month_id=month.pk, wage_ore=wage_ore, employment_confirmed=True,
                                 by_company=True, **kw)


def months(app) -> list[PilotMonth]:
    return list(PilotMonth.objects.filter(application=app).order_by("month"))


def test_four_whole_months_at_a_wage_above_the_cap_pay_12500_each():
    app = make_application(monthly_wage_ore=3_000_000)

    subsidies = [report(app, m, 3_000_000).subsidy_ore for m in months(app)]

    assert subsidies == [1_250_000] * 4
    assert Application.objects.get(pk=app.pk).status == Application.Status.STARTED


def test_a_wage_below_the_cap_pays_half_the_wage():
    app = make_application(monthly_wage_ore=2_200_000)

    assert report(app, months(app)[0], 2_200_000).subsidy_ore == 1_100_000


def test_part_months_have_the_cap_pro_rata_and_the_total_is_the_grant():
    app = make_application(start_date=dt.date(2021, 3, 15))
    ms = months(app)
    assert [(m.period_start, m.period_end, m.days) for m in (ms[0], ms[-1])] == [
        (dt.date(2021, 3, 15), dt.date(2021, 3, 31), 17), (dt.date(2021, 7, 1), dt.date(2021, 7, 14), 14)]

    # The company pays 30.000 a month: 17/31 of it in March, 14/31 in July.
    wages = [1_645_161, 3_000_000, 3_000_000, 3_000_000, 1_354_839]
    subsidies = [report(app, m, w).subsidy_ore for m, w in zip(ms, wages, strict=True)]

    assert subsidies == [685_484, 1_250_000, 1_250_000, 1_250_000, 564_516]
    assert sum(subsidies) == app.granted_amount_ore == 5_000_000


def test_when_pro_rata_adds_up_to_more_than_the_grant_the_last_month_gets_what_is_left():
    # 30-10-2021 + 4 months ends 27-02-2022 (clamped): 2/31 + 3 whole months + 27/28 is more than 4 months.
    app = make_application(start_date=dt.date(2021, 10, 30), graduation_date=dt.date(2021, 9, 1),
                           unemployment_start=dt.date(2021, 10, 1))
    ms = months(app)
    wages = [193_548, 3_000_000, 3_000_000, 3_000_000, 2_892_857]

    subsidies = [report(app, m, w).subsidy_ore for m, w in zip(ms, wages, strict=True)]

    assert [m.days for m in ms] == [2, 30, 31, 31, 27]
    assert subsidies == [80_645, 1_250_000, 1_250_000, 1_250_000, 1_169_355]
    assert sum(subsidies) == app.granted_amount_ore == 5_000_000


def test_a_wage_change_changes_that_months_subsidy():
    app = make_application(monthly_wage_ore=2_000_000)  # grant 4 × 10.000 = 40.000
    ms = months(app)

    subsidies = [report(app, m, w).subsidy_ore for m, w in zip(ms, [2_000_000, 2_000_000, 2_200_000, 2_200_000],
                                                                 strict=True)]

    # The raise in month 3 lifts the subsidy, but the grant (40.000) is the ceiling: the last month gets the rest.
    assert subsidies == [1_000_000, 1_000_000, 1_100_000, 900_000]
    assert sum(subsidies) == app.granted_amount_ore


def test_a_report_can_be_corrected_until_approved():
    app = make_application()
    first = months(app)[0]
    report(app, first, 2_000_000)

    corrected = report(app, first, 2_400_000)

    assert (corrected.wage_ore, corrected.subsidy_ore) == (2_400_000, 1_200_000)
    services.month_approve(user=lead_user(), month=corrected)
    with pytest.raises(ValidationFailed) as exc:
        report(app, first, 3_000_000)
    assert exc.value.message == "Måneden er allerede godkendt og kan ikke ændres."


def test_a_month_is_reported_when_it_is_over_and_with_the_employment_confirmed():
    app = make_application()
    first = months(app)[0]

    with pytest.raises(ValidationFailed) as exc:
        report(app, first, 3_000_000, today=dt.date(2021, 3, 30))
    assert exc.value.message == "Lønnen for perioden 01-03-2021–31-03-2021 kan indberettes, når perioden er slut."
    with pytest.raises(ValidationFailed) as exc:
        services.month_report(application=app, month_id=first.pk, wage_ore=0, employment_confirmed=False,
                              by_company=True)
    assert exc.value.details == {
        "wage": ["Skriv den løn, der er udbetalt for perioden, i kroner."],
        "employment_confirmed": ["Bekræft, at personen har været ansat i hele perioden. Er ansættelsen ophørt, så "
                                 "kontakt jeres partner, så forløbet stoppes."],
    }
    first.refresh_from_db()
    assert (first.status, first.wage_ore, first.subsidy_ore) == (PilotMonth.Status.PENDING, None, None)
    assert Application.objects.get(pk=app.pk).status == Application.Status.GRANTED


def test_approving_needs_the_lead_partner_and_a_reported_month():
    app = make_application()
    first = months(app)[0]

    with pytest.raises(ValidationFailed):
        services.month_approve(user=lead_user(), month=first)
    report(app, first, 3_000_000)
    with pytest.raises(Forbidden):
        services.month_approve(user=partner_user(role=User.Role.PARTNER_LEAD), month=first)

    approved = services.month_approve(user=lead_user(role=User.Role.PARTNER_STAFF), month=first)

    assert approved.status == PilotMonth.Status.APPROVED


def test_the_pilot_is_completed_when_every_month_is_approved():
    app = make_application()
    lead = lead_user()
    for m in months(app):
        services.month_approve(user=lead, month=report(app, m, 3_000_000))

    app.refresh_from_db()
    assert (app.status, app.reserved_amount_ore) == (Application.Status.COMPLETED, 5_000_000)


def test_a_payment_list_takes_every_approved_month_once_and_exports_danish_csv():
    app = make_application(start_date=dt.date(2021, 3, 15))
    lead = lead_user()
    ms = months(app)
    services.month_approve(user=lead, month=report(app, ms[0], 1_645_161))
    services.month_approve(user=lead, month=report(app, ms[1], 3_000_000))
    report(app, ms[2], 3_000_000)  # reported, not approved: not on the list

    plist = services.payment_list_create(user=lead)

    assert (plist.months_count, plist.total_ore) == (2, 1_935_484)
    assert list(PilotMonth.objects.filter(payment_list=plist).values_list("status", flat=True)) == ["listed"] * 2
    lines = payment_list_csv_text(plist).splitlines()
    assert lines[0] == ("Udbetalingsliste;Ansøgning;CVR-nummer;Virksomhed;Måned;Periode fra;Periode til;Dage;"
                        "Indberettet løn (kr.);Tilskud (kr.);Godkendt")
    cvr, name = app.company.cvr, app.company.name
    assert lines[1].startswith(f"{plist.pk};{app.reference};{cvr};{name};03-2021;15-03-2021;31-03-2021;17;"
                               "16451,61;6854,84;")
    assert lines[2].startswith(f"{plist.pk};{app.reference};{cvr};{name};04-2021;01-04-2021;30-04-2021;30;"
                               "30000,00;12500,00;")
    assert len(lines) == 3
    with pytest.raises(ValidationFailed) as exc:
        services.payment_list_create(user=lead)
    assert exc.value.message == "Der er ingen godkendte måneder, der venter på udbetaling."
    assert PaymentList.objects.count() == 1


def test_only_the_lead_partner_and_coordinators_make_payment_lists():
    with pytest.raises(Forbidden):
        services.payment_list_create(user=partner_user())


def test_early_termination_stops_the_later_months_and_cuts_the_month_it_falls_in():
    app = make_application()  # 01-03-2021 – 30-06-2021
    ms = months(app)
    report(app, ms[0], 3_000_000)

    services.application_terminate(user=partner_user(), application=app, last_day=dt.date(2021, 4, 15),
                                   reason="Personen sagde op", version=None)

    ms = months(app)
    assert [(m.status, m.period_end) for m in ms] == [
        (PilotMonth.Status.REPORTED, dt.date(2021, 3, 31)), (PilotMonth.Status.PENDING, dt.date(2021, 4, 15)),
        (PilotMonth.Status.CANCELLED, dt.date(2021, 5, 31)), (PilotMonth.Status.CANCELLED, dt.date(2021, 6, 30))]
    # April, 15 of 30 days: the cap is 6.250.
    assert report(app, ms[1], 1_500_000).subsidy_ore == 625_000
    with pytest.raises(ValidationFailed):
        report(app, ms[2], 3_000_000)
    app.refresh_from_db()
    assert (app.status, app.terminated_on, app.reserved_amount_ore) == (
        Application.Status.TERMINATED, dt.date(2021, 4, 15), 1_250_000 + 625_000)
    assert app.follow_ups.get(kind="end").due_date == dt.date(2021, 4, 15)


def test_termination_needs_a_last_day_inside_the_pilot_and_a_reason():
    app = make_application()
    staff = partner_user()

    with pytest.raises(ValidationFailed) as exc:
        services.application_terminate(user=staff, application=app, last_day=dt.date(2021, 2, 1), reason="x",
                                       version=None)
    assert exc.value.details == {"last_day": ["Datoen ligger uden for forløbet."]}
    with pytest.raises(ValidationFailed):
        services.application_terminate(user=staff, application=app, last_day=dt.date(2021, 4, 1), reason=" ",
                                       version=None)

    assert Application.objects.get(pk=app.pk).status == Application.Status.GRANTED
    assert not PilotMonth.objects.filter(application=app, status="cancelled").exists()
