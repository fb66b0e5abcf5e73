"""A match of the type "ordinary job with Vækstpilot" must point to its granted application: the form, the API,
the import and the services refuse one that does not, with a clear message; nothing is saved."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse

from viaviden.api.tests.conftest import client_for as api_client_for
from viaviden.core.errors import ValidationFailed
from viaviden.matches.importing import import_matches
from viaviden.matches.models import Match
from viaviden.matches.services import match_update
from viaviden.matches.tests.factories import CompanyFactory, make_match
from viaviden.organisations.models import Organisation
from viaviden.organisations.tests.factories import login_verified
from viaviden.reference.models import MatchType
from viaviden.vaekstpilot import services
from viaviden.vaekstpilot.models import Application

from .factories import make_application, partner_user

pytestmark = pytest.mark.django_db

VP = "ordinary_job_vaekstpilot"


def _form(app: Application | None, cvr: str, **overrides) -> dict:
    data = {
        "cvr": cvr, "match_type": VP, "start_date": "2021-03-01", "education_level": "MVU",
        "education": "Markedsføringsøkonom", "institution": "UCN", "activity": "vaekstpilot", "activity_note": "",
        "person_identifier": "", "person_name": "", "person_email": "",
        "reference": app.reference if app else "",
    }
    data.update(overrides)
    return data


def test_service_refuses_a_vaekstpilot_match_without_a_granted_application():
    with pytest.raises(ValidationFailed) as exc:
        make_match(organisation="erhvervskontor-thisted", match_type=VP)
    assert exc.value.code == "vaekstpilot_application_required"
    assert "bevilget Vækstpilot-ansøgning" in str(exc.value.message)
    assert Match.objects.count() == 0


def test_service_links_the_application_and_the_start_keeps_that_match():
    staff = partner_user()
    app = make_application(user=staff)
    match = make_match(organisation="erhvervskontor-thisted", match_type=VP, company=app.company,
                       reference=app.reference)
    app.refresh_from_db()
    assert app.match == match
    services.application_start(user=staff, application=app, version=app.version, today=dt.date(2021, 3, 1))
    app.refresh_from_db()
    assert app.match == match and Match.objects.count() == 1  # not registered twice
    with pytest.raises(ValidationFailed) as exc:  # an application is a match once
        make_match(organisation="erhvervskontor-thisted", match_type=VP, company=app.company, reference=app.reference)
    assert exc.value.code == "vaekstpilot_application_taken"


def test_service_refuses_another_company_s_or_an_ungranted_application():
    app = make_application()
    with pytest.raises(ValidationFailed) as exc:
        make_match(organisation="erhvervskontor-thisted", match_type=VP, reference=app.reference)
    assert exc.value.code == "vaekstpilot_application_other_company"
    Application.objects.filter(pk=app.pk).update(status=Application.Status.WAITING)
    with pytest.raises(ValidationFailed) as exc:
        make_match(organisation="erhvervskontor-thisted", match_type=VP, company=app.company, reference=app.reference)
    assert exc.value.code == "vaekstpilot_application_not_granted"
    with pytest.raises(ValidationFailed) as exc:
        make_match(organisation="erhvervskontor-thisted", match_type=VP, company=app.company, reference="VP-99999")
    assert exc.value.code == "vaekstpilot_application_unknown"
    assert Match.objects.count() == 0


def test_form_refuses_without_reference_and_registers_with_it():
    staff = partner_user()
    app = make_application(user=staff)
    client = login_verified(Client(), staff)
    response = client.post(reverse("match_create"), _form(None, app.company.cvr))
    assert response.status_code in (200, 422)
    assert "skal pege på en bevilget Vækstpilot-ansøgning" in response.content.decode()
    assert Match.objects.count() == 0
    response = client.post(reverse("match_create"), _form(app, app.company.cvr))
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.match is not None and app.match.match_type_id == VP


def test_editing_a_match_into_the_vaekstpilot_type_is_refused():
    staff = partner_user()
    match = make_match(organisation="erhvervskontor-thisted", user=staff)
    with pytest.raises(ValidationFailed) as exc:
        match_update(user=staff, match=match, version=match.version, changes={"match_type": MatchType.objects.get(pk=VP)})
    assert exc.value.code == "type_reference_required"
    match.refresh_from_db()
    assert match.match_type_id == "ordinary_job"


def test_api_refuses_without_reference_in_danish_and_english_and_accepts_with_it():
    staff = partner_user()
    app = make_application(user=staff)
    api = api_client_for(staff)
    payload = {"company": {"cvr": app.company.cvr}, "match_type": VP, "start_date": "2021-03-01",
               "education_level": "MVU"}
    response = api.post("/api/matches", payload)
    assert response.status_code == 422
    assert response.json()["code"] == "vaekstpilot_application_required"
    assert "Vækstpilot-ansøgning" in response.json()["message"]
    english = api.post("/api/matches", payload, headers={"Accept-Language": "en"})
    assert "granted Vækstpilot application" in english.json()["message"]
    assert Match.objects.count() == 0
    response = api.post("/api/matches", {**payload, "reference": app.reference})
    assert response.status_code == 201
    app.refresh_from_db()
    assert app.match_id == response.json()["match"]["id"]


def test_import_refuses_the_whole_file_and_links_with_references():
    staff = partner_user()
    app = make_application(user=staff)
    other = CompanyFactory()
    header = "cvr;matchtype;startdato;niveau;reference"
    bad = f"{header}\r\n{app.company.cvr};{VP};01-03-2021;MVU;\r\n{other.cvr};ordinary_job;01-03-2021;MVU;\r\n"
    result = import_matches(path_or_file=io.BytesIO(bad.encode()), filename="x.csv",
                            organisation=Organisation.objects.get(slug="erhvervskontor-thisted"), user=staff)
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(2, "reference")]
    assert "bevilget Vækstpilot-ansøgning" in result.errors[0].message
    assert Match.objects.count() == 0
    twice = (f"{header}\r\n{app.company.cvr};{VP};01-03-2021;MVU;{app.reference}\r\n"
             f"{app.company.cvr};{VP};02-03-2021;MVU;{app.reference}\r\n")
    result = import_matches(path_or_file=io.BytesIO(twice.encode()), filename="y.csv",
                            organisation=Organisation.objects.get(slug="erhvervskontor-thisted"), user=staff)
    assert [(e.row, e.column) for e in result.errors] == [(3, "reference")]
    assert Match.objects.count() == 0
    good = f"{header}\r\n{app.company.cvr};{VP};01-03-2021;MVU;{app.reference}\r\n"
    result = import_matches(path_or_file=io.BytesIO(good.encode()), filename="z.csv",
                            organisation=Organisation.objects.get(slug="erhvervskontor-thisted"), user=staff)
    assert result.ok and result.created == 1
    app.refresh_from_db()
    assert app.match.match_type_id == VP
