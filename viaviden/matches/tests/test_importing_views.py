"""The upload page for bulk import: permissions, result, the table of errors, organisation choice.

Until `path("import/", imports.match_import, name="match_import")` is in urls_registry.py, this module
serves as its own URLconf (the project's URLs plus the import page)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse

from viaviden.matches.models import ImportBatch, Match
from viaviden.matches.views.imports import match_import
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.tests.factories import UserFactory, login_verified

urlpatterns = [
    path("match/import/", match_import, name="match_import"),
    path("", include("config.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

EXAMPLES = Path(settings.BASE_DIR) / "data" / "examples"


def _upload(name):
    return SimpleUploadedFile(name, (EXAMPLES / name).read_bytes(), content_type="text/csv")


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("match_import"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_steering_group_sees_aggregates_only(client):
    login_verified(client, UserFactory(role=User.Role.STEERING_GROUP))
    assert client.get(reverse("match_import")).status_code == 403
    assert client.post(reverse("match_import"), {"file": _upload("matches_example.csv")}).status_code == 403
    assert Match.objects.count() == 0


def test_partner_staff_imports_for_own_organisation_only(client):
    user = UserFactory(organisation="jobcenter-hjoerring")
    login_verified(client, user)
    page = client.get(reverse("match_import"))
    assert page.status_code == 200 and 'name="organisation"' not in page.content.decode()

    response = client.post(reverse("match_import"), {"file": _upload("matches_example.csv"), "organisation": "1"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Filen er importeret" in html and "11 rækker: 11 match oprettet" in html
    assert set(Match.objects.values_list("registering_org__slug", flat=True)) == {"jobcenter-hjoerring"}
    assert ImportBatch.objects.get().created_by == user


def test_bad_file_shows_every_error_and_saves_nothing(client):
    login_verified(client, UserFactory(organisation="aau"))

    response = client.post(reverse("match_import"), {"file": _upload("matches_bad_example.csv")})

    html = response.content.decode()
    assert "Filen er ikke importeret" in html
    assert html.count('<tr><td class="num">') == 14
    assert '<tr><td class="num">3</td><td>cvr</td><td>CVR-nummeret 39991135 er ikke gyldigt' in html
    assert (Match.objects.count(), ImportBatch.objects.count()) == (0, 0)


def test_skip_invalid_imports_valid_rows_and_lists_the_skipped(client):
    login_verified(client, UserFactory(organisation="aau"))

    response = client.post(reverse("match_import"), {"file": _upload("matches_bad_example.csv"), "skip_invalid": "on"})

    html = response.content.decode()
    assert "Filen er importeret" in html and "Rækker, der blev sprunget over" in html
    assert Match.objects.count() == 2


def test_coordinator_chooses_the_organisation(client):
    login_verified(client, UserFactory(role=User.Role.COORDINATOR))
    ucn = Organisation.objects.get(slug="ucn")
    response = client.post(reverse("match_import"), {"file": _upload("matches_example.csv"), "organisation": ucn.pk})

    assert response.status_code == 200
    assert set(Match.objects.values_list("registering_org__slug", flat=True)) == {"ucn"}


def test_missing_file_is_a_form_error(client):
    login_verified(client, UserFactory(organisation="aau"))
    response = client.post(reverse("match_import"), {})
    assert "Vælg en fil." in response.content.decode()
    assert Match.objects.count() == 0
