"""Issue 13: every free-text field has a length limit, in the model (full_clean) and in the API schema,
with a clear message; a file with a NUL byte is refused for what it is."""

import json

import pytest
from django.apps import apps
from django.core.validators import MaxLengthValidator
from django.db import models
from django.test import Client

from viaviden.api.tests.conftest import client_for
from viaviden.companies.models import ContactEntry
from viaviden.core.models import NOTE_MAX_LENGTH
from viaviden.core.tabular import FileUnreadable, read_csv
from viaviden.matches.tests.factories import CompanyFactory
from viaviden.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# Text the platform writes itself and no person or client types in.
WRITTEN_BY_THE_PLATFORM = {
    "reports.IssuedReport.figures",  # the canonical JSON of an issued report, frozen byte for byte
    # the case-search index: derived from a published case's (limited) texts by cases.search
    "cases.CaseIndex.terms",
    "cases.CaseIndex.weights",
    "cases.CaseIndex.facets",
}


def test_every_text_field_of_our_models_is_limited():
    unlimited = []
    for model in apps.get_models():
        if not model.__module__.startswith("viaviden."):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.TextField):
                if not any(isinstance(v, MaxLengthValidator) for v in field.validators) or not field.max_length:
                    unlimited.append(f"{model._meta.label}.{field.name}")
    assert sorted(set(unlimited) - WRITTEN_BY_THE_PLATFORM) == []


def test_a_contact_note_of_2_4_mb_is_refused_by_the_api_and_nothing_is_saved():
    api = client_for(UserFactory(username="aau-lim", organisation="aau"))
    company = CompanyFactory()
    response = api.post("/api/contacts", {"company_cvr": company.cvr, "topic": "Møde", "note": "x" * 2_400_000})
    assert response.status_code in (413, 422)
    assert ContactEntry.objects.count() == 0
    response = api.post("/api/contacts", {"company_cvr": company.cvr, "topic": "Møde",
                                          "note": "x" * (NOTE_MAX_LENGTH + 1)})
    assert response.status_code == 422
    assert response.json()["details"] == {"note": [f"Højst {NOTE_MAX_LENGTH} tegn."]}
    assert ContactEntry.objects.count() == 0


def test_a_note_at_the_limit_is_stored():
    api = client_for(UserFactory(username="aau-lim2", organisation="aau"))
    company = CompanyFactory()
    response = api.post("/api/contacts", {"company_cvr": company.cvr, "topic": "Møde", "note": "x" * NOTE_MAX_LENGTH})
    assert response.status_code == 201, response.content
    assert len(ContactEntry.objects.get().note) == NOTE_MAX_LENGTH


def test_the_model_refuses_a_long_note_with_a_danish_message():
    from django.core.exceptions import ValidationError

    entry = ContactEntry(note="x" * (NOTE_MAX_LENGTH + 1))
    with pytest.raises(ValidationError) as caught:
        entry.full_clean(exclude=[f.name for f in ContactEntry._meta.fields if f.name != "note"])
    assert "højst" in caught.value.message_dict["note"][0].lower()


def test_the_api_schema_publishes_the_limit():
    schema = json.loads(Client().get("/api/openapi.json").content)
    note = schema["components"]["schemas"]["ContactIn"]["properties"]["note"]
    assert note["maxLength"] == NOTE_MAX_LENGTH


def test_a_file_with_a_nul_byte_is_refused_for_what_it_is():
    with pytest.raises(FileUnreadable) as caught:
        read_csv(b"cvr;navn\r\n12345674;Firma\x00 ApS\r\n")
    message = str(caught.value)
    assert "NUL-tegn" in message and "linje 2" in message
    assert "hverken CSV eller XLSX" not in message


def test_the_company_import_page_shows_the_nul_message():
    from django.urls import reverse

    from viaviden.organisations.models import User
    from viaviden.organisations.tests.factories import login_verified

    client = login_verified(Client(), UserFactory(organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF))
    upload = __import__("io").BytesIO(b"cvr;navn;kommune\r\n12345674;Firma\x00;Thisted\r\n")
    upload.name = "virksomheder.csv"
    response = client.post(reverse("company_import"), {"file": upload})
    assert "NUL-tegn" in response.content.decode()
