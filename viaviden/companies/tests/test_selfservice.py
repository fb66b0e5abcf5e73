"""Company self-service: the public form, e-mail confirmation, routing to the business office of the
workplace's municipality, the private status page, spam protection and the purge of unconfirmed needs."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from viaviden.companies import selfservice
from viaviden.companies.answer_promise import answer_due_for
from viaviden.companies.models import Company, Need, NeedEvent
from viaviden.companies.timeline import need_log_event
from viaviden.matches.tests.factories import CompanyFactory, next_cvr
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FORM_URL = "/virksomhed/behov/"
INVALID_CVR = "12345678"  # weighted sum 114, not divisible by 11


def human_token() -> str:
    """A form token rendered ten seconds ago, as if a person filled the form in."""
    return selfservice.form_token_issue(at=time.time() - 10)


def form_data(**overrides) -> dict:
    data = {
        "cvr": next_cvr(),
        "company_name": "Syntetisk Smedje ApS",
        "postal_code": "7700",
        "tasks": "Vi vil gerne automatisere vores lager\nog have hjælp til en ny hjemmeside.",
        "match_types": ["student_project", "student_job"],
        "education_levels": ["KVU", "MVU"],
        "education_wish": "datamatiker",
        "time_frame": "fra september",
        "submitter_name": "Hanne Testesen",
        "submitter_email": "hanne@smedje.example.dk",
        "submitter_phone": "12 34 56 78",
        "consent": "on",
        "website": "",
        "form_token": human_token(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit(client: Client, capture, **overrides):
    with capture(execute=True):
        return client.post(FORM_URL, form_data(**overrides))


def links_in(body: str) -> list[str]:
    # Links in e-mails are built from the configured site URL, never from the request's Host header.
    return re.findall(re.escape(settings.SITE_URL) + r"(/\S+)", body)


@pytest.fixture
def thisted_office_users():
    return [
        UserFactory(organisation="erhvervskontor-thisted", email="a@thisted.example.dk"),
        UserFactory(organisation="erhvervskontor-thisted", email="b@thisted.example.dk"),
    ]


# --- The whole flow ----------------------------------------------------------------------------------


def test_full_public_flow_submit_confirm_and_follow(client, django_capture_on_commit_callbacks, thisted_office_users):
    UserFactory(organisation="erhvervskontor-thisted", email="gone@thisted.example.dk", is_active=False)
    UserFactory(organisation="erhvervskontor-morsoe", email="other@morsoe.example.dk")
    cvr = next_cvr()

    # Given a company owner in Thisted fills in the form
    page = client.get(FORM_URL)
    assert page.status_code == 200
    assert 'name="form_token"' in page.content.decode()

    # When they submit
    response = submit(client, django_capture_on_commit_callbacks, cvr=cvr)

    # Then the need is saved unconfirmed with the business office of Thisted as owner
    assert response.status_code == 302
    assert response["Location"] == reverse("need_public_sent")
    need = Need.objects.get(company__cvr=cvr)
    assert need.status == Need.Status.UNCONFIRMED
    assert need.source == Need.Source.SELF_SERVICE
    assert need.owner_organisation.slug == "erhvervskontor-thisted"
    assert need.company.name == "Syntetisk Smedje ApS"
    assert need.company.municipality_id == "787"
    assert need.place_municipality_id == "787"
    assert need.title == "Vi vil gerne automatisere vores lager"
    assert sorted(need.match_types.values_list("code", flat=True)) == ["student_job", "student_project"]
    assert sorted(need.education_levels.values_list("code", flat=True)) == ["KVU", "MVU"]
    assert need.level_unknown is False
    assert (need.submitter_name, need.submitter_email, need.submitter_phone) == (
        "Hanne Testesen", "hanne@smedje.example.dk", "12 34 56 78")
    assert need.requested_at is None and need.answer_due is None
    assert list(need.events.values_list("kind", "public")) == [(NeedEvent.Kind.SUBMITTED, True)]
    # and one e-mail with the confirmation link and the status link goes to the submitter
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hanne@smedje.example.dk"]
    confirm_path, status_path = links_in(mail.outbox[0].body)
    assert confirm_path.startswith("/virksomhed/behov/bekraeft/")
    assert status_path == reverse("need_public_status", args=[need.public_token])

    # When they open the confirmation link, a button asks them to confirm
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert "Bekræft og send henvendelsen" in page.content.decode()
    assert Need.objects.get(pk=need.pk).status == Need.Status.UNCONFIRMED
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_path)

    # Then the need is NEW with a deadline, and the active users of the owner are told
    assert response.status_code == 302
    assert response["Location"] == status_path
    need.refresh_from_db()
    assert need.status == Need.Status.NEW
    assert need.email_confirmed_at is not None
    assert need.requested_at == need.email_confirmed_at
    assert need.answer_due == answer_due_for(need.requested_at)
    assert need.version == 2
    assert list(need.events.values_list("kind", flat=True)) == [NeedEvent.Kind.SUBMITTED, NeedEvent.Kind.CONFIRMED]
    assert sorted(m.to[0] for m in mail.outbox) == ["a@thisted.example.dk", "b@thisted.example.dk"]
    assert "Syntetisk Smedje ApS" in mail.outbox[0].subject

    # and the status page shows each step
    page = client.get(status_path)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Modtaget – venter på at blive behandlet" in body
    assert need.answer_due.strftime("%d-%m-%Y") in body
    assert "Henvendelsen er modtaget" in body
    assert (
        f"E-mailadressen er bekræftet, og henvendelsen er sendt til Erhvervskontor Thisted. "
        f"I får svar senest {need.answer_due:%d-%m-%Y}." in body
    )


def test_confirming_twice_is_harmless(client, django_capture_on_commit_callbacks, thisted_office_users):
    submit(client, django_capture_on_commit_callbacks)
    confirm_path = links_in(mail.outbox[0].body)[0]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_path)
    need = Need.objects.get()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(confirm_path)
    again = client.get(confirm_path)

    assert second.status_code == 302
    assert again.status_code == 302 and again["Location"] == reverse("need_public_status", args=[need.public_token])
    refreshed = Need.objects.get(pk=need.pk)
    assert (refreshed.version, refreshed.requested_at) == (need.version, need.requested_at)
    assert need.events.filter(kind=NeedEvent.Kind.CONFIRMED).count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize("token", ["not-a-token", "eyJuIjoiYWJjIn0:1tXyZ:forged"])
def test_invalid_confirmation_link_is_404_and_changes_nothing(client, token):
    response = client.post(reverse("need_public_confirm", args=[token]))

    assert response.status_code == 404
    assert "Linket er ugyldigt eller udløbet" in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"


def test_expired_confirmation_link_is_refused(client, django_capture_on_commit_callbacks, monkeypatch):
    submit(client, django_capture_on_commit_callbacks)
    confirm_path = links_in(mail.outbox[0].body)[0]
    later = time.time() + (selfservice.CONFIRM_DAYS + 1) * 86400
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    response = client.post(confirm_path)

    assert response.status_code == 404
    assert Need.objects.get().status == Need.Status.UNCONFIRMED


# --- Routing -----------------------------------------------------------------------------------------


def test_postal_code_in_several_municipalities_asks_for_the_municipality(client, django_capture_on_commit_callbacks):
    response = submit(client, django_capture_on_commit_callbacks, postal_code="9240")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Postnummeret 9240 ligger i flere kommuner (Aalborg, Rebild, Vesthimmerland)" in body
    assert 'name="municipality" value="840"' in body
    assert Need.objects.count() == 0 and mail.outbox == []

    response = submit(client, django_capture_on_commit_callbacks, postal_code="9240", municipality="840")

    assert response.status_code == 302
    need = Need.objects.get()
    assert need.owner_organisation.slug == "erhvervskontor-rebild"
    assert need.company.municipality_id == "840"


def test_existing_company_is_reused_and_its_name_kept(client, django_capture_on_commit_callbacks):
    company = CompanyFactory(name="Rigtigt Navn A/S", municipality_id="851")

    submit(client, django_capture_on_commit_callbacks, cvr=company.cvr, company_name="Andet Navn")

    need = Need.objects.get()
    assert need.company_id == company.pk
    assert Company.objects.get(pk=company.pk).name == "Rigtigt Navn A/S"
    # The workplace named in the form decides who answers.
    assert need.owner_organisation.slug == "erhvervskontor-thisted"


def test_merged_company_record_routes_the_need_to_the_survivor(client, django_capture_on_commit_callbacks):
    survivor = CompanyFactory()
    tombstone = CompanyFactory(merged_into=survivor)

    submit(client, django_capture_on_commit_callbacks, cvr=tombstone.cvr)

    assert Need.objects.get().company_id == survivor.pk


def test_municipality_without_business_office_goes_to_the_coordination_group(client, django_capture_on_commit_callbacks):
    Organisation.objects.filter(slug="erhvervskontor-laesoe").update(active=False)

    submit(client, django_capture_on_commit_callbacks, postal_code="9940")

    assert Need.objects.get().owner_organisation.slug == "koordinationsgruppen"


def test_ved_ikke_gives_no_match_types_and_level_unknown(client, django_capture_on_commit_callbacks):
    submit(client, django_capture_on_commit_callbacks, match_types=["unknown"], education_levels=["unknown"])

    need = Need.objects.get()
    assert list(need.match_types.all()) == []
    assert list(need.education_levels.all()) == []
    assert need.level_unknown is True


# --- Bad input: a clear Danish message, nothing saved, no mail ---------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cvr": INVALID_CVR}, "CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke)."),
        ({"cvr": "1234"}, "CVR-nummeret skal bestå af 8 cifre."),
        ({"postal_code": "9999"}, "Postnummeret 9999 findes ikke blandt de nordjyske postnumre."),
        ({"postal_code": "77a0"}, "Postnummeret skal bestå af 4 cifre."),
        ({"consent": None}, "Du skal give samtykke til, at vi gemmer dine kontaktoplysninger."),
        ({"submitter_email": "hanne@"}, "Skriv en gyldig e-mailadresse, f.eks. navn@firma.dk."),
        ({"tasks": ""}, "Beskriv kort, hvilke opgaver I gerne vil have løst."),
        ({"match_types": None}, "Vælg mindst én slags samarbejde, eller vælg &quot;Ved ikke&quot;."),
        ({"match_types": ["teleportation"]}, "Marker en gyldig valgmulighed."),
    ],
)
def test_bad_input_gives_danish_error_and_saves_nothing(client, django_capture_on_commit_callbacks, overrides, message):
    companies_before = Company.objects.count()

    response = submit(client, django_capture_on_commit_callbacks, **overrides)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'id="error-summary"' in response.content.decode()
    assert Need.objects.count() == 0
    assert Company.objects.count() == companies_before
    assert mail.outbox == []


def test_service_rejects_missing_consent_directly():
    from viaviden.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        selfservice.need_submit_public(
            cvr=next_cvr(), company_name="X ApS", postal_code="9999", tasks="Noget", submitter_name="A",
            submitter_email="a@example.dk", consent=False, base_url="http://testserver/",
        )

    assert set(exc.value.details) == {"consent", "postal_code"}
    assert Need.objects.count() == 0


# --- Spam protection: a neutral message, nothing saved -----------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"website": "http://spam.example.com"},  # honeypot filled
        {"form_token": None},  # no render time
        {"form_token": "forged:token"},
    ],
)
def test_spam_signals_are_refused(client, django_capture_on_commit_callbacks, overrides):
    response = submit(client, django_capture_on_commit_callbacks, **overrides)

    assert response.status_code == 200
    assert "Vi kunne ikke modtage formularen" in response.content.decode()
    assert Need.objects.count() == 0 and mail.outbox == []


def test_too_fast_submission_is_refused(client, django_capture_on_commit_callbacks):
    response = submit(client, django_capture_on_commit_callbacks, form_token=selfservice.form_token_issue())

    assert "Vi kunne ikke modtage formularen" in response.content.decode()
    assert Need.objects.count() == 0 and mail.outbox == []


def test_form_older_than_two_hours_is_refused_and_can_be_sent_again(client, django_capture_on_commit_callbacks):
    old = selfservice.form_token_issue(at=time.time() - 2 * 3600 - 60)

    response = submit(client, django_capture_on_commit_callbacks, form_token=old)

    body = response.content.decode()
    assert "Vi kunne ikke modtage formularen" in body
    assert "Syntetisk Smedje ApS" in body  # what was typed is kept
    assert Need.objects.count() == 0 and mail.outbox == []


def test_rate_limit_per_ip_address(client, django_capture_on_commit_callbacks):
    for _i in range(selfservice.RATE_LIMIT):
        assert submit(client, django_capture_on_commit_callbacks).status_code == 302
    mail.outbox.clear()

    response = submit(client, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "Der er sendt mange henvendelser fra din internetforbindelse" in response.content.decode()
    assert Need.objects.count() == selfservice.RATE_LIMIT
    assert mail.outbox == []
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.0.0.7")
    assert submit(other, django_capture_on_commit_callbacks).status_code == 302


def test_form_has_honeypot_off_screen_and_no_inline_style(client):
    body = client.get(FORM_URL).content.decode()

    assert '<div class="vv-hp" aria-hidden="true">' in body
    assert 'name="website"' in body and 'tabindex="-1"' in body
    assert "style=" not in body
    assert "css/selfservice.css" in body


# --- Status page -------------------------------------------------------------------------------------


def test_status_page_shows_public_events_only_and_no_people(client, django_capture_on_commit_callbacks):
    submit(client, django_capture_on_commit_callbacks)
    need = Need.objects.get()
    staff = UserFactory(organisation="erhvervskontor-thisted", first_name="Bodil", last_name="Sagsbehandler")
    need_log_event(need=need, kind=NeedEvent.Kind.UPDATED, user=staff, public=False,
                   text="Intern note: ring til Hanne om lageret")
    need_log_event(need=need, kind=NeedEvent.Kind.REFERRED, user=staff, public=True,
                   text="Behovet er henvist til AAU's faste kontaktpunkt.")

    response = client.get(reverse("need_public_status", args=[need.public_token]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Syntetisk Smedje ApS" in body
    assert "Behovet er henvist til AAU&#x27;s faste kontaktpunkt." in body
    assert "Venter på, at du bekræfter din e-mailadresse" in body
    assert "Intern note" not in body
    for private in ("Bodil", "Sagsbehandler", "Hanne Testesen", "hanne@smedje.example.dk", "12 34 56 78"):
        assert private not in body
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_status_page_of_unknown_token_is_404(client):
    response = client.get(reverse("need_public_status", args=["does-not-exist"]))

    assert response.status_code == 404


def test_status_page_query_count(client, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    submit(client, django_capture_on_commit_callbacks)
    need = Need.objects.get()
    for i in range(5):
        need_log_event(need=need, kind=NeedEvent.Kind.STATUS, text=f"Trin {i}")

    with django_assert_max_num_queries(3):
        response = Client().get(reverse("need_public_status", args=[need.public_token]))

    assert response.status_code == 200


def test_public_pages_need_no_login_and_work_for_logged_in_staff_too(client, staff_client):
    steering = UserFactory(role=User.Role.STEERING_GROUP)
    for c in (client, staff_client(steering)):
        assert c.get(FORM_URL).status_code == 200
        assert c.get(reverse("need_public_sent")).status_code == 200
        assert c.get(reverse("services_public")).status_code == 200


# --- Purge of unconfirmed submissions ----------------------------------------------------------------


def test_purge_deletes_old_unconfirmed_needs_and_companies_only_they_created(client, django_capture_on_commit_callbacks):
    known = CompanyFactory()
    submit(client, django_capture_on_commit_callbacks, cvr=known.cvr)  # old, known company: company stays
    submit(client, django_capture_on_commit_callbacks, company_name="Spam ApS")  # old, new company: both go
    submit(client, django_capture_on_commit_callbacks, company_name="Ny ApS")  # recent: stays
    submit(client, django_capture_on_commit_callbacks, company_name="Bekræftet ApS")  # old but confirmed: stays
    old_known, old_spam, recent, confirmed = Need.objects.order_by("id")
    Need.objects.filter(pk=confirmed.pk).update(status=Need.Status.NEW)
    eight_days_ago = timezone.now() - dt.timedelta(days=8)
    Need.objects.filter(pk__in=[old_known.pk, old_spam.pk, confirmed.pk]).update(created_at=eight_days_ago)
    Company.objects.filter(pk=old_spam.company_id).update(created_at=eight_days_ago)

    call_command("purge_unconfirmed_needs")

    assert set(Need.objects.values_list("pk", flat=True)) == {recent.pk, confirmed.pk}
    assert Company.objects.filter(pk=known.pk).exists()
    assert not Company.objects.filter(name="Spam ApS").exists()
    assert NeedEvent.objects.filter(need_id=old_spam.pk).count() == 0


def test_unconfirmed_needs_are_counted_by_purge_result():
    assert selfservice.unconfirmed_needs_purge() == (0, 0)
