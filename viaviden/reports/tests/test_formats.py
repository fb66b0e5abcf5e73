"""PDF (text layer, tagged PDF/UA), XLSX (one sheet per table), HTML (charts with their tables)."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from viaviden.matches.tests.factories import make_match
from viaviden.reports.render import render, render_html
from viaviden.reports.services import report_build

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2021, 12, 31)


@pytest.fixture
def report(programme):
    for i in range(7):
        make_match(start_date=dt.date(2021, 1, 1) + dt.timedelta(days=30 * i))
    make_match(organisation="aau", municipality="851", match_type="student_job", level="LVU",
               start_date=dt.date(2021, 9, 1))
    return report_build(kind="yearly", as_of=AS_OF)


def test_pdf_is_tagged_and_its_text_layer_holds_the_headline_figures(report):
    pdf = PdfReader(io.BytesIO(render(report, "pdf")))

    root = pdf.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 — a pypdf BooleanObject
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "da"
    assert "Årlig status" in pdf.metadata.title
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Årlig status til KKR Nordjylland og BRN" in text
    assert "Match i alt pr. opgørelsesdato" in text
    assert "2.000" in text  # the target, Danish thousands separator
    assert "87,5 %" in text  # outside-Aalborg share: 7 of 8
    assert "Aalborg Universitet" in text


def test_english_pdf(programme):
    make_match(start_date=dt.date(2021, 3, 1))
    pdf = PdfReader(io.BytesIO(render(report_build(kind="yearly", as_of=AS_OF, language="en"), "pdf")))
    assert pdf.trailer["/Root"]["/Lang"] == "en"
    text = pdf.pages[0].extract_text()
    assert "Yearly status to KKR Nordjylland and BRN" in text
    assert "2,000" in text


def test_xlsx_has_the_figures_and_one_sheet_per_table(report):
    wb = load_workbook(io.BytesIO(render(report, "xlsx")))

    tables = [t for s in report["sections"] for t in s["tables"]]
    assert wb.sheetnames == ["figures", *[t["key"] for t in tables]]
    partners = wb["partners"]
    header = [c.value for c in partners[1]]
    assert header[:2] == ["Navn", "Måltal"]
    names = [r[0] for r in partners.iter_rows(min_row=2, values_only=True)]
    assert "Aalborg Universitet" in names
    figures = {r[1]: r[2] for r in wb["figures"].iter_rows(min_row=2, values_only=True)}
    assert figures["Match i alt pr. opgørelsesdato"] == 8


def test_charts_have_their_data_tables_as_text_alternative(report):
    html = render_html(report, standalone=True)

    assert '<html lang="da">' in html
    assert 'aria-describedby="table-partners"' in html
    assert 'id="table-partners"' in html
    assert "Tallene står i tabellen herunder" in html
    assert "@page" in html  # the print stylesheet
    assert "<a href" not in html  # nobody's registrations linked in the standalone document


def test_links_to_the_registrations_as_of_the_cut_off(report):
    html = render_html(report, links=True, standalone=False)
    assert "start_date_to=2021-12-31" in html
    assert "/match/?programme=" in html
