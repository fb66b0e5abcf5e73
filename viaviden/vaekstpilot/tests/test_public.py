"""The company's own pages: the public form (spam protection, Danish errors, nothing saved on bad input), the
e-mail confirmation that queues the application, and the private status link (wages, follow-up, withdraw)."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from viaviden.companies import selfservice
from viaviden.companies.models import Company
from viaviden.matches.tests.factories import next_cvr
from viaviden.vaekstpilot import services
from viaviden.vaekstpilot.models import Application, ApplicationEvent, FollowUp, PilotMonth

from .factories import make_application, partner_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_fill_timer(monkeypatch):
    monkeypatch.setattr(selfservice, "MIN_FILL_SECONDS", 0)


def public_data(**overrides) -> dict:
    data = {
        "form_token": selfservice.form_token_issue(), "website": "",
        "cvr": next_cvr(), "company_name": "Syntetisk Hanstholm Fisk ApS", "postal_code": "7730",
        "company_is_private": "on", "growth_task": "Eksport af fiskeprodukter til Tyskland",
        "contact_name": "Syntetisk Ejer", "contact_email": "ejer@fisk.example", "education": "Cand.merc.",
        "education_level": "LVU", "graduation_date": "2021-01-20", "unemployment_start": "2021-02-01",
        "monthly_wage": "35.000", "start_date": "2021-03-01", "consent": "on",
    }
    data.update(overrides)
    return data


def link(pattern: str) -> str:
    for message in mail.outbox:
        found = re.search(pattern, message.body)
        if found:
            return found.group(0)
    raise AssertionError(f"no mail with {pattern}")


def test_the_form_is_public():
    response = Client().get(reverse("vaekstpilot_public_form"))

    assert response.status_code == 200
    assert "højst 12.500 kr. pr. måned, i 4 måneder" in response.content.decode()


def test_a_company_applies_confirms_and_is_granted(django_capture_on_commit_callbacks):
    office = partner_user(email="thisted@example.dk")
    client = Client()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("vaekstpilot_public_form"), public_data())
    assert response.status_code == 302 and response["Location"] == reverse("vaekstpilot_public_sent")
    app = Application.objects.get()
    assert (app.status, app.sequence, app.source, app.partner_organisation.slug) == (
        Application.Status.UNCONFIRMED, None, "self_service", "erhvervskontor-thisted")
    assert [m.to for m in mail.outbox] == [["ejer@fisk.example"]]

    confirm = link(r"/vaekstpilot/ansoeg/bekraeft/[^/\s]+/").split("testserver")[-1]
    assert "Bekræft og send ansøgningen" in client.get(confirm).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm)

    app.refresh_from_db()
    assert response["Location"] == reverse("vaekstpilot_public_status", args=[app.public_token])
    assert (app.status, app.sequence, app.granted_amount_ore) == (Application.Status.GRANTED, 1, 5_000_000)
    assert {tuple(m.to) for m in mail.outbox[1:]} == {("ejer@fisk.example",), (office.email,)}
    status = client.get(response["Location"])
    assert status["Cache-Control"] == "no-store, private" and status["X-Robots-Tag"] == "noindex, nofollow"
    html = status.content.decode()
    assert "Bevilget" in html and "50.000,00 kr." in html
    # Confirming again changes nothing.
    client.post(confirm)
    assert Application.objects.get().sequence == 1


def test_bad_input_shows_danish_errors_and_saves_nothing():
    response = Client().post(reverse("vaekstpilot_public_form"), public_data(
        cvr="1234", contact_email="ikke-en-mail", consent="", start_date=""))

    html = response.content.decode()
    assert response.status_code == 200
    for message in ("CVR-nummeret skal bestå af 8 cifre.", "Skriv en gyldig e-mailadresse, f.eks. navn@firma.dk.",
                    "Du skal give samtykke til, at vi gemmer dine kontaktoplysninger.", "Angiv datoen."):
        assert message in html
    assert (Application.objects.count(), Company.objects.filter(name__startswith="Syntetisk Hanstholm").count(),
            mail.outbox) == (0, 0, [])


@pytest.mark.parametrize("spam", [{"website": "http://spam.example"}, {"form_token": "forfalsket"}])
def test_spam_is_refused_without_saving(spam):
    response = Client().post(reverse("vaekstpilot_public_form"), public_data(**spam))

    assert "Vi kunne ikke modtage formularen." in response.content.decode()
    assert (Application.objects.count(), mail.outbox) == (0, [])


def test_the_rate_limit_applies(monkeypatch):
    monkeypatch.setattr(selfservice, "RATE_LIMIT", 1)
    Client().post(reverse("vaekstpilot_public_form"), public_data())

    response = Client().post(reverse("vaekstpilot_public_form"), public_data())

    assert "Der er sendt mange henvendelser" in response.content.decode()
    assert Application.objects.count() == 1


def test_an_unconfirmed_application_takes_no_place_in_the_queue():
    Client().post(reverse("vaekstpilot_public_form"), public_data())
    staff_app = make_application()

    assert staff_app.sequence == 1
    assert Application.objects.get(source="self_service").sequence is None


def test_an_invalid_confirmation_link_is_404():
    response = Client().get(reverse("vaekstpilot_public_confirm", args=["forkert"]))

    assert response.status_code == 404
    assert "Linket virker ikke" in response.content.decode()


def test_an_unknown_status_link_is_404():
    assert Client().get(reverse("vaekstpilot_public_status", args=["ukendt"])).status_code == 404


def test_the_company_reports_wages_and_answers_the_follow_up_on_its_status_link():
    app = make_application()
    url = reverse("vaekstpilot_public_status", args=[app.public_token])
    client = Client()
    months = list(app.months.order_by("month"))

    no_confirm = client.post(url, {"action": "report", "month": months[0].pk, "wage": "30.000"})
    assert no_confirm.status_code == 422
    assert "Bekræft, at personen har været ansat i hele perioden." in no_confirm.content.decode()
    assert PilotMonth.objects.get(pk=months[0].pk).status == PilotMonth.Status.PENDING
    for month in months:
        response = client.post(url, {"action": "report", "month": month.pk, "wage": "30.000",
                                     "employment_confirmed": "on"})
        assert response.status_code == 302
    end = FollowUp.objects.get(application=app, kind="end")
    client.post(url, {"action": "follow_up", "follow_up": end.pk, "outcome": "same_company"})

    app.refresh_from_db()
    end.refresh_from_db()
    assert app.status == Application.Status.STARTED
    assert list(app.months.values_list("subsidy_ore", flat=True)) == [1_250_000] * 4
    assert (end.outcome, end.answered_by_company) == ("same_company", True)
    html = client.get(url).content.decode()
    assert "50.000,00 kr." in html and "Ordinært ansat i samme virksomhed" in html


def test_the_status_page_never_shows_people():
    staff = partner_user(first_name="Konsulent", last_name="Hemmelig")
    app = make_application(user=staff, person_name="Syntetisk Pilotnavn", person_consent=True)
    services.application_start(user=staff, application=app, version=None)

    html = Client().get(reverse("vaekstpilot_public_status", args=[app.public_token])).content.decode()

    assert "Syntetisk Pilotnavn" not in html and "Hemmelig" not in html
    assert ApplicationEvent.objects.filter(application=app, public=True).exists()


def test_the_company_withdraws_on_its_status_link():
    app = make_application()

    Client().post(reverse("vaekstpilot_public_status", args=[app.public_token]), {"action": "withdraw"})

    assert Application.objects.get(pk=app.pk).status == Application.Status.WITHDRAWN


def test_an_unknown_action_is_404():
    app = make_application()

    response = Client().post(reverse("vaekstpilot_public_status", args=[app.public_token]), {"action": "slet"})

    assert response.status_code == 404
    assert Application.objects.get(pk=app.pk).status == Application.Status.GRANTED
