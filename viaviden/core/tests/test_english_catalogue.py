"""The English catalogue is complete: every string marked for translation in a template or Python module has
an English entry, and the catalogue has no fuzzy or empty entries.

The strings are extracted with Django's own makemessages into a temporary copy of the source, so the real
catalogue is never rewritten by the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from viaviden.core.pofile import parse_po

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = ROOT / "viaviden" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _describe(entries) -> str:
    return "\n".join(f"  {e.msgctxt + ' | ' if e.msgctxt else ''}{e.msgid[:100]!r}" for e in entries[:40])


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> list:
    work = tmp_path_factory.mktemp("messages")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "locale", "vendor", "*.svg", "*.png", "*.woff*")
    shutil.copytree(ROOT / "viaviden", work / "viaviden", ignore=ignore)
    shutil.copytree(ROOT / "config", work / "config", ignore=ignore)
    shutil.copy(ROOT / "manage.py", work / "manage.py")
    (work / "viaviden" / "locale").mkdir()
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-wrap", "-v0"],
        cwd=work, capture_output=True, text=True, env={"DJANGO_SETTINGS_MODULE": "config.settings.test",
                                                       "PATH": "/usr/bin:/bin", "SECRET_KEY": "x"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return parse_po(work / "viaviden" / "locale" / "en" / "LC_MESSAGES" / "django.po")


def test_the_extraction_finds_the_strings_of_templates_and_python(extracted):
    msgids = {e.msgid for e in extracted}
    assert "Log ind" in msgids  # a template
    assert "Engangskode" in msgids  # a Python form label
    assert len(extracted) > 1000


def test_every_string_marked_for_translation_has_an_english_entry(extracted):
    catalogue = {e.key for e in parse_po(CATALOGUE) if not e.obsolete}
    missing = [e for e in extracted if e.key not in catalogue]
    assert not missing, f"{len(missing)} strings have no English entry in {CATALOGUE}:\n{_describe(missing)}"


def test_the_english_catalogue_has_no_fuzzy_or_empty_entries():
    entries = [e for e in parse_po(CATALOGUE) if not e.obsolete]
    fuzzy = [e for e in entries if "fuzzy" in e.flags]
    empty = [e for e in entries if not e.translated]
    assert not fuzzy, f"fuzzy entries:\n{_describe(fuzzy)}"
    assert not empty, f"empty entries:\n{_describe(empty)}"


def test_the_catalogue_reader_sees_fuzzy_empty_and_plural_entries(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "A"\nmsgstr "B"\n\n'
        'msgctxt "ctx"\nmsgid ""\n"Long "\n"text"\nmsgstr ""\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "one"\nmsgstr[1] ""\n\n'
        '#~ msgid "old"\n#~ msgstr "gammel"\n',
        encoding="utf-8",
    )
    a, long_text, plural, old = parse_po(po)
    assert a.flags >= {"fuzzy", "python-format"} and a.translated
    assert long_text.key == ("ctx", "Long text") and not long_text.translated
    assert plural.msgid_plural == "many" and not plural.translated
    assert old.obsolete
