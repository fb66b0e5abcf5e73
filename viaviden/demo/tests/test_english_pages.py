"""Issue 14 acceptance: switching to English shows no Danish UI text on the dashboard, the match list, a company
page, a bourse run and the Vækstpilot list, rendered from the demo data.

How UI text is told from data, honestly: everything the pages show that is *stored in the database* as free
data (company names, municipalities, people, event and case titles, notes, programme names, organisation names)
is data and may be Danish; everything else — template text, choice labels, reference labels that have an English
name (levels, task areas, match types, size classes, industries), messages from code — is UI text and must be
English. The data values are collected from every text field of the project's models except fields with choices
and the `name_da` of bilingual reference rows (those are shown through their English label). A text node (or a
title/aria-label/placeholder/alt attribute) is Danish when, after the data values in it are taken out, it still
has æ/ø/å or a common Danish word. A few proper names are allowed and listed below."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from viaviden.companies.models import Company
from viaviden.events.bourse_services import bourse_run_create
from viaviden.events.models import BOURSE_TYPES, Event
from viaviden.organisations.models import User

pytestmark = pytest.mark.django_db

# Names of the project and its programmes, said the same way in English (as the English catalogue does).
PROPER_NAMES = ("Vækst Via Viden", "Nordjysk Vækstpilot", "Vækstpilots", "Vækstpilot", "Nordjylland", "Det Fælles Designsystem",
                "Dansk")  # the language switch names Danish in Danish
DANISH_WORDS = {
    "og", "ikke", "af", "på", "til", "med", "er", "der", "det", "den", "som", "eller", "alle", "ingen", "nye", "vis",
    "gem", "søg", "mere", "fra", "hvor", "hvad", "ja", "nej", "dato", "antal", "måned", "år", "uge", "samlet",
    "bevilget", "afvist", "registreret", "verificeret", "virksomhed", "virksomheder", "kommune", "kommuner",
    "behov", "kontakt", "kontakter", "henvisning", "henvisninger", "arrangement", "arrangementer", "fordeling",
    "deltager", "deltagere", "studerende", "ansøgning", "ansøgninger", "forløb", "børs", "mål", "måltal",
    "fremdrift", "oversigt", "overblik", "log", "ud", "ind", "næste", "forrige", "side", "for", "ved",
    "uden", "efter", "før", "mellem", "under", "over", "dag", "dage", "tilføj", "opret", "ret", "slet", "filtrér",
    "nulstil", "matchtype", "niveau", "uddannelse", "branche", "størrelse", "ansatte", "hjælp", "om",
}
# "for", "over", "under", "om" are also English words; they count only next to another Danish word.
AMBIGUOUS = {"for", "over", "under", "side", "log", "ind", "ud", "om"}
# Stored results of code (the solver's Danish texts, messages): what the page shows of them is UI text.
COMPUTED = {"BourseRun.result"}
WORD = re.compile(r"[A-Za-zÆØÅæøåÉé]+")
READ_ATTRS = ("title", "aria-label", "placeholder", "alt")


def _data_values() -> list[str]:
    """Every free-text value stored in the project's tables (longest first)."""
    values: set[str] = set()
    for model in apps.get_app_configs():
        if not model.name.startswith("viaviden."):
            continue
        for m in model.get_models():
            bilingual = {f.name for f in m._meta.fields} >= {"name_da", "name_en"}
            fields = [
                f.name for f in m._meta.fields
                if isinstance(f, (models.CharField, models.TextField, models.JSONField)) and not f.choices
                and not (bilingual and f.name == "name_da") and f"{m.__name__}.{f.name}" not in COMPUTED
            ]
            if not fields:
                continue
            for row in m.objects.values_list(*fields):
                for value in row:
                    _collect(value, values)
    for user in User.objects.all():
        values.update({user.get_full_name(), user.username, user.first_name, user.last_name})
    return sorted((v for v in values if len(v) >= 3), key=len, reverse=True)


def _collect(value, out: set[str]) -> None:
    if isinstance(value, str):
        out.add(value.strip())
        out.update(line.strip() for line in value.splitlines())
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect(v, out)
    elif isinstance(value, dict):
        for k, v in value.items():
            _collect(k, out)
            _collect(v, out)


class _Text(HTMLParser):
    """Text nodes and read attributes, without scripts, styles and elements marked lang="da"."""

    SKIP = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # lang="da" inside the page marks Danish data; on <html> it is the page's own language.
        skip = tag in self.SKIP or (tag != "html" and (attrs.get("lang") or "").startswith("da"))
        if not skip and not self._skipping():
            self.found.extend(attrs[a] for a in READ_ATTRS if attrs.get(a))
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.found.append(attrs["value"])
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if data.strip() and not self._skipping():
            self.found.append(" ".join(data.split()))


def danish_leftovers(html: str, data: list[str]) -> list[str]:
    """The UI texts of `html` that are still Danish once the data values are taken out."""
    parser = _Text()
    parser.feed(html)
    removable = sorted({*data, *PROPER_NAMES}, key=len, reverse=True)
    leftovers = []
    for text in parser.found:
        if not _looks_danish(text):
            continue
        rest = text
        # Longest first, data and proper names together ("… (som Vækst Via Viden 2.0)" before "Viden"); whole
        # words only, so a short value does not hide a Danish word.
        for value in removable:
            if value in rest:
                rest = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", rest)
        if _looks_danish(rest):
            leftovers.append(text)
    return sorted(set(leftovers))


def _looks_danish(text: str) -> bool:
    if re.search(r"[æøåÆØÅ]", text):
        return True
    words = [w.lower() for w in WORD.findall(text)]
    hits = [w for w in words if w in DANISH_WORDS]
    return any(w not in AMBIGUOUS for w in hits) or len(hits) >= 2 and len(hits) == len(words)


def test_the_detector_finds_danish_ui_text_and_lets_data_pass():
    data = ["Brønderslev Tømrer ApS", "Hjørring"]
    html = ("<main><h1>Companies</h1><p>Brønderslev Tømrer ApS · Hjørring</p><p title='Vis mere'>x</p>"
            "<p>Ingen matches</p><p lang='da'>Dansk tekst på dansk</p><script>var å = 1;</script>"
            "<p>Vækst Via Viden 2.0 for companies</p><input type=submit value='Gem'></main>")
    assert danish_leftovers(html, data) == ["Gem", "Ingen matches", "Vis mere"]


def test_the_main_pages_in_english_show_no_danish_ui_text(staff_client):
    call_command("load_demo_data", "--matches", "200", "--companies", "40", stdout=StringIO(), stderr=StringIO())
    client = staff_client(User.objects.get(username="koordinator"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    company = Company.objects.order_by("pk").first()
    bourse = Event.objects.filter(is_synthetic=True, type__in=BOURSE_TYPES, status=Event.Status.PUBLISHED).first()
    run = bourse_run_create(user=User.objects.get(username="koordinator"), event=bourse, mode="optimal",
                            time_limit=5)
    pages = [reverse("dashboard"), reverse("match_list"), reverse("company_detail", args=[company.pk]),
             reverse("vaekstpilot_list"), reverse("bourse_run_detail", args=[run.pk])]
    data = _data_values()

    found = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Language"] == "en", url
        leftovers = danish_leftovers(response.content.decode(), data)
        if leftovers:
            found[url] = leftovers
    assert "unassigned" in response.context  # the run page was the last one looked at
    # The detector bites on these very pages: in Danish, each has plenty of Danish UI text.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    for url in pages:
        assert len(danish_leftovers(client.get(url).content.decode(), data)) >= 10, url
    assert found == {}, "\n".join(f"{url}: {texts}" for url, texts in found.items())
