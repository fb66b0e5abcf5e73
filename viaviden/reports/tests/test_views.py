"""/rapporter/ and /api/reports: the permission matrix (anonymous, other organisation, own organisation,
coordinator, steering group), issuing and reprinting."""

import datetime as dt
import hashlib
import io

import pytest
from openpyxl import load_workbook

from viaviden.api.tests.conftest import ApiClient, client_for
from viaviden.matches.tests.factories import make_match
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory
from viaviden.reports.models import IssuedReport
from viaviden.reports.services import report_issue

pytestmark = pytest.mark.django_db

YEARLY = {"kind": "yearly", "as_of": "2021-12-31", "language": "da"}
AAU_SHEET = {"kind": "partner", "subject": "aau", "as_of": "2021-12-31", "language": "da"}
THISTED_SHEET = {"kind": "municipality", "subject": "787", "as_of": "2021-12-31", "language": "da"}


@pytest.fixture
def users(db):
    return {
        "coordinator": UserFactory(role=User.Role.COORDINATOR),
        "steering": UserFactory(role=User.Role.STEERING_GROUP),
        "aau": UserFactory(role=User.Role.PARTNER_STAFF, organisation="aau"),
        "thisted": UserFactory(role=User.Role.PARTNER_LEAD, organisation="jobcenter-thisted"),
        "other": UserFactory(role=User.Role.PARTNER_STAFF, organisation="jobcenter-hjoerring"),
    }


@pytest.fixture
def matches(programme):
    make_match(organisation="aau", municipality="851", start_date=dt.date(2021, 3, 1))
    make_match(organisation="jobcenter-thisted", municipality="787", start_date=dt.date(2021, 4, 1))


def test_anonymous_goes_to_login(client, matches):
    for url in ("/rapporter/", "/rapporter/hent/?format=pdf&kind=yearly&as_of=2021-12-31&language=da"):
        response = client.get(url, {"kind": "yearly", "as_of": "2021-12-31"} if url == "/rapporter/" else None)
        assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("who, params, status", [
    ("coordinator", YEARLY, 200), ("steering", YEARLY, 200), ("aau", YEARLY, 403), ("other", YEARLY, 403),
    ("coordinator", AAU_SHEET, 200), ("steering", AAU_SHEET, 200), ("aau", AAU_SHEET, 200),
    ("other", AAU_SHEET, 403), ("thisted", AAU_SHEET, 403),
    ("thisted", THISTED_SHEET, 200), ("aau", THISTED_SHEET, 403), ("other", THISTED_SHEET, 403),
])
def test_permission_matrix_page_and_download(staff_client, users, matches, who, params, status):
    client = staff_client(users[who])
    assert client.get("/rapporter/", params).status_code == status
    assert client.get("/rapporter/hent/", {**params, "format": "json"}).status_code == status


def test_coordinator_follows_numbers_to_registrations_steering_group_sees_aggregates(staff_client, users, matches):
    page = staff_client(users["coordinator"]).get("/rapporter/", YEARLY).content.decode()
    assert "start_date_to=2021-12-31" in page and 'data-testid="issue"' in page

    page = staff_client(users["steering"]).get("/rapporter/", YEARLY).content.decode()
    assert 'data-testid="status-report"' in page
    assert "start_date_to" not in page and "/match/?" not in page
    assert 'data-testid="issue"' not in page


def test_partner_starts_on_its_own_sheet(staff_client, users, matches):
    page = staff_client(users["aau"]).get("/rapporter/").content.decode()
    assert '<option value="partner" selected>' in page
    assert '<option value="aau" selected>' in page


def test_coordinator_issues_and_reprints(staff_client, users, matches):
    client = staff_client(users["coordinator"])
    response = client.post("/rapporter/udsted/", YEARLY)
    issued = IssuedReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rapporter/{issued.pk}/"
    assert issued.issued_by == users["coordinator"] and issued.kind == "yearly"

    make_match(organisation="aau", municipality="851", start_date=dt.date(2021, 5, 1))
    reprint = client.get(f"/rapporter/{issued.pk}/json/")
    assert hashlib.sha256(reprint.content).hexdigest() == issued.sha256 == reprint["X-Report-SHA256"]
    wb = load_workbook(io.BytesIO(client.get(f"/rapporter/{issued.pk}/xlsx/").content))
    assert "partners" in wb.sheetnames
    assert client.get(f"/rapporter/{issued.pk}/pdf/").content.startswith(b"%PDF")
    assert client.get(f"/rapporter/{issued.pk}/").status_code == 200
    assert client.get(f"/rapporter/{issued.pk}/doc/").status_code == 404


def test_only_coordinators_issue(staff_client, users, matches):
    for who in ("steering", "aau"):
        assert staff_client(users[who]).post("/rapporter/udsted/", AAU_SHEET).status_code == 403
    assert not IssuedReport.objects.exists()


def test_bad_form_input_is_an_error_and_issues_nothing(staff_client, users, matches):
    client = staff_client(users["coordinator"])
    page = client.get("/rapporter/", {"kind": "municipality", "as_of": "2021-12-31", "language": "da"})
    assert "Vælg en kommune eller partner" in page.content.decode()
    client.post("/rapporter/udsted/", {"kind": "municipality", "as_of": "nonsense", "language": "da"})
    assert not IssuedReport.objects.exists()


def test_issued_reports_of_other_partners_are_hidden(staff_client, users, matches):
    aau = report_issue(user=None, kind="partner", subject="aau", as_of=dt.date(2021, 12, 31))
    thisted = report_issue(user=None, kind="municipality", subject="787", as_of=dt.date(2021, 12, 31))
    client = staff_client(users["aau"])
    assert client.get(f"/rapporter/{aau.pk}/").status_code == 200
    assert client.get(f"/rapporter/{thisted.pk}/").status_code == 403
    assert client.get(f"/rapporter/{thisted.pk}/json/").status_code == 403
    assert staff_client(users["other"]).get(f"/rapporter/{aau.pk}/pdf/").status_code == 403
    assert staff_client(users["steering"]).get(f"/rapporter/{thisted.pk}/").status_code == 200
    assert staff_client(users["coordinator"]).get("/rapporter/999/").status_code == 404


# --- API ---------------------------------------------------------------------------------------------------


def test_api_permission_matrix(users, matches):
    issued = report_issue(user=None, kind="yearly", as_of=dt.date(2021, 12, 31))
    sheet = report_issue(user=None, kind="partner", subject="aau", as_of=dt.date(2021, 12, 31))

    assert ApiClient().get("/api/reports/issued").status_code == 401
    assert ApiClient().get("/api/reports/yearly", {"as_of": "2021-12-31"}).status_code == 401

    coordinator = client_for(users["coordinator"])
    assert coordinator.get("/api/reports/issued").json()["count"] == 2
    body = coordinator.get(f"/api/reports/issued/{issued.pk}")
    assert body.status_code == 200 and body.content == issued.figures.encode()
    assert coordinator.get("/api/reports/yearly", {"as_of": "2021-12-31"}).json()["kind"] == "yearly"
    assert coordinator.get("/api/reports/yearly", {"as_of": "2021-12-31", "language": "xx"}).status_code == 422
    assert coordinator.get("/api/reports/monthly", {"as_of": "2021-12-31"}).status_code == 422

    steering = client_for(users["steering"])
    assert steering.get("/api/reports/steering", {"as_of": "2021-12-31"}).status_code == 200
    assert steering.get(f"/api/reports/issued/{sheet.pk}").status_code == 200

    aau = client_for(users["aau"])
    assert [r["id"] for r in aau.get("/api/reports/issued").json()["items"]] == [sheet.pk]
    assert aau.get(f"/api/reports/issued/{issued.pk}").status_code == 403
    assert aau.get("/api/reports/yearly", {"as_of": "2021-12-31"}).status_code == 403
    assert aau.get("/api/reports/partner", {"as_of": "2021-12-31", "subject": "aau"}).status_code == 200

    other = client_for(users["other"])
    assert other.get("/api/reports/partner", {"as_of": "2021-12-31", "subject": "aau"}).status_code == 403
    assert other.get(f"/api/reports/issued/{sheet.pk}").status_code == 403


def test_openapi_declares_the_report_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/reports/issued", "/api/reports/issued/{report_id}", "/api/reports/{kind}"} <= set(paths)


def test_steering_group_sees_the_changes_as_counts_only(staff_client, users, matches):
    issued = report_issue(user=None, kind="yearly", as_of=dt.date(2021, 12, 31))
    make_match(organisation="aau", municipality="851", start_date=dt.date(2021, 6, 1))  # late

    steering = staff_client(users["steering"]).get("/rapporter/", YEARLY).content.decode()
    assert 'data-testid="table-changes"' in steering
    assert 'data-testid="table-changes_detail"' not in steering
    coordinator = staff_client(users["coordinator"]).get("/rapporter/", YEARLY).content.decode()
    assert 'data-testid="table-changes_detail"' in coordinator
    assert f"nr. {issued.pk}" in coordinator
