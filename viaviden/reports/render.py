"""Rendering a report structure (content.py) to JSON, HTML, XLSX and PDF — from the structure only.

The PDF is WeasyPrint's rendering of the same HTML with the print stylesheet, written as PDF/UA-1: a
tagged PDF (structure tree, MarkInfo Marked true, document language and title) with real text, so the
headline figures can be read, searched and spoken. Each chart is an SVG drawn from its table's own
columns, labelled as an image whose text alternative is the data table printed right after it.
"""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

FORMATS = ("html", "pdf", "xlsx", "json")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}

SERIES_COLOURS = {"actual": "#0059b3", "registered": "#5c9ad6", "verified": "#0059b3", "expected": "#8a6d00",
                  "target": "#3d3d3d", "projection": "#6f2da8", "events": "#0059b3", "participants": "#8a6d00"}


def canonical_json(report: dict[str, Any]) -> bytes:
    """The report's JSON in one canonical form: sorted keys, no insignificant whitespace, UTF-8."""
    return json.dumps(report, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def fmt_number(value: Any, kind: str = "int") -> str:
    """Danish number style (1.234 and 12,5) in Danish, 1,234 and 12.5 in English; '–' for none."""
    if value is None or value == "":
        return "–"
    if kind == "bool":
        return _("ja") if value else _("nej")
    if kind in ("text", "date"):
        return str(value)
    if not isinstance(value, int | float):
        return str(value)
    english = (translation.get_language() or "da")[:2] == "en"
    if kind in ("pct", "decimal") or isinstance(value, float):
        text = f"{value:,.1f}"
    else:
        text = f"{value:,d}"
    if not english:
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    if kind == "pct":
        return f"{text} %"
    if kind == "dkk":
        return f"{text} kr." if not english else f"DKK {text}"
    return text


def file_name(report: dict[str, Any], fmt: str) -> str:
    subject = f"-{report['subject']['code']}" if report.get("subject") else ""
    return f"statusrapport-{report['kind']}{subject}-{report['as_of']}.{fmt}"


# --- HTML ------------------------------------------------------------------------------------------------


def _link(row: dict[str, Any], status: str) -> str | None:
    if row.get("filter") is None:
        return None
    return f"{reverse('match_list')}?{urlencode({**row['filter'], 'status': status})}"


def _chart_svg(table: dict[str, Any]) -> SafeString:
    """A horizontal bar chart of the table's series, one group of bars per row."""
    chart, rows = table["chart"], table["rows"]
    series = chart["series"]
    labels = {c["key"]: c["label"] for c in table["columns"]}
    values = [[r["values"].get(s) or 0 for s in series] for r in rows]
    top = max([v for vs in values for v in vs] + [1])
    bar, gap, left, width = 9, 8, 190, 620
    group = bar * len(series) + gap
    legend_h = 24
    height = legend_h + group * len(rows) + 10
    title_id = f"chart-{table['key']}-title"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-labelledby="{title_id}" '
        f'aria-describedby="table-{table["key"]}">',
        f'<title id="{title_id}">{escape(_("Diagram: %(t)s. Tallene står i tabellen herunder.") % {"t": table["title"]})}'
        "</title>",
    ]
    x = left
    for s in series:
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{SERIES_COLOURS.get(s, "#0059b3")}"/>')
        parts.append(f'<text x="{x + 14}" y="15" font-size="10">{escape(labels.get(s, s))}</text>')
        x += 14 + 7 * len(labels.get(s, s)) + 16
    for i, (r, vs) in enumerate(zip(rows, values, strict=True)):
        y0 = legend_h + i * group
        label = str(r["values"].get(chart["label"], ""))[:32]
        parts.append(f'<text x="{left - 6}" y="{y0 + group / 2}" font-size="9" text-anchor="end">{escape(label)}'
                     "</text>")
        for j, (s, v) in enumerate(zip(series, vs, strict=True)):
            w = max(0.0, (width - left - 60) * v / top)
            y = y0 + j * bar
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 1}" '
                         f'fill="{SERIES_COLOURS.get(s, "#0059b3")}"/>')
            parts.append(f'<text x="{left + w + 3:.1f}" y="{y + bar - 2}" font-size="8">{escape(fmt_number(v))}'
                         "</text>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text inside was escaped above


def _prepare(report: dict[str, Any], *, links: bool) -> list[dict[str, Any]]:
    """Sections with every cell formatted (and linked when the viewer follows numbers to registrations)."""
    out = []
    for section in report["sections"]:
        tables = []
        for t in section["tables"]:
            rows = []
            for r in t["rows"]:
                cells = []
                for c in t["columns"]:
                    v = r["values"].get(c["key"])
                    cells.append({
                        "text": fmt_number(v, c["kind"]),
                        "numeric": c["kind"] not in ("text", "date", "bool"),
                        "href": _link(r, c["link"]) if links and c["link"] and v not in (None, "") else None,
                    })
                rows.append(cells)
            tables.append({**t, "cells": rows, "svg": _chart_svg(t) if t.get("chart") and t["rows"] else None})
        figures = [{**f, "text": fmt_number(f["value"], f["unit"])} for f in section["figures"]]
        out.append({**section, "tables": tables, "figures": figures})
    return out


def render_html(report: dict[str, Any], *, links: bool = False, standalone: bool = True, issued: Any = None) -> str:
    """The report as an HTML document (standalone: with its own print stylesheet, for printing and PDF),
    or the body alone for the reports page."""
    with translation.override(report["language"]):
        context = {"report": report, "sections": _prepare(report, links=links), "links": links, "issued": issued}
        template = "reports/report_document.html" if standalone else "reports/_report_body.html"
        return render_to_string(template, context)


# --- JSON, XLSX, PDF -------------------------------------------------------------------------------------


def render_json(report: dict[str, Any]) -> bytes:
    return canonical_json(report)


def render_xlsx(report: dict[str, Any]) -> bytes:
    """One sheet with every headline figure, then one sheet per table (named by the table's key)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with translation.override(report["language"]):
        wb = Workbook()
        ws = wb.active
        ws.title = "figures"
        ws.append([_("Afsnit"), _("Tal"), _("Værdi"), _("Enhed")])
        for section in report["sections"]:
            for f in section["figures"]:
                ws.append([section["title"], f["label"], f["value"], f["unit"]])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for section in report["sections"]:
            for t in section["tables"]:
                sheet = wb.create_sheet(t["key"][:31])
                sheet.append([c["label"] for c in t["columns"]])
                for cell in sheet[1]:
                    cell.font = Font(bold=True)
                for r in t["rows"]:
                    sheet.append([_xlsx_cell(r["values"].get(c["key"]), c["kind"]) for c in t["columns"]])
        wb.properties.title = report["title"]
        wb.properties.language = report["language"]
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()


def _xlsx_cell(value: Any, kind: str) -> Any:
    if kind == "bool" and value is not None:
        return _("ja") if value else _("nej")
    return value


def render_pdf(report: dict[str, Any], *, issued: Any = None) -> bytes:
    """PDF/UA-1 (tagged, with language and title) from the standalone HTML and its print stylesheet."""
    from weasyprint import HTML

    html = render_html(report, links=False, standalone=True, issued=issued)
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def render(report: dict[str, Any], fmt: str, *, links: bool = False, issued: Any = None) -> bytes:
    """The report in one format. The JSON of an issued report's stored figures is its stored text, byte for
    byte (canonical JSON reads back and writes out unchanged)."""
    if fmt == "json":
        return render_json(report)
    if fmt == "html":
        return render_html(report, links=links, issued=issued).encode("utf-8")
    if fmt == "xlsx":
        return render_xlsx(report)
    if fmt == "pdf":
        return render_pdf(report, issued=issued)
    raise ValueError(fmt)
