import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command

from viaviden.matches.tests.factories import make_match
from viaviden.reports.models import IssuedReport

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("status_report", *args, stdout=out)
    return out.getvalue()


def test_issue_prints_id_and_sha_and_reprint_is_byte_identical(programme, tmp_path):
    make_match(start_date=dt.date(2021, 3, 1))
    first = tmp_path / "status.json"

    line = run("--kind", "yearly", "--as-of", "2021-12-31", "--format", "json", "--output", str(first), "--issue")

    issued = IssuedReport.objects.get()
    assert line.strip() == f"issued {issued.pk} sha256 {issued.sha256}"
    assert hashlib.sha256(first.read_bytes()).hexdigest() == issued.sha256
    make_match(start_date=dt.date(2021, 6, 1))  # a late registration
    again = tmp_path / "again.json"
    assert run("--reprint", str(issued.pk), "--format", "json", "--output", str(again)) == ""
    assert again.read_bytes() == first.read_bytes()
    fresh = tmp_path / "fresh.json"
    run("--kind", "yearly", "--as-of", "2021-12-31", "--format", "json", "--output", str(fresh))
    assert json.loads(fresh.read_bytes())["sections"][0]["figures"][0]["value"] == 2


def test_formats_and_sheets(programme, tmp_path):
    make_match(organisation="aau", municipality="851", start_date=dt.date(2021, 3, 1))
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("html", b"<!DOCTYPE html>")):
        out = tmp_path / f"r.{fmt}"
        run("--kind", "partner", "--subject", "aau", "--as-of", "2021-12-31", "--format", fmt, "--output", str(out),
            "--language", "en")
        assert out.read_bytes().startswith(magic)
    assert not IssuedReport.objects.exists()


@pytest.mark.parametrize("args, message", [
    (["--kind", "yearly", "--as-of", "31-12-2021"], "Ugyldig dato"),
    (["--kind", "municipality", "--as-of", "2021-12-31"], "kommunekode eller partner"),
    (["--kind", "municipality", "--subject", "999", "--as-of", "2021-12-31"], "Ukendt kommune"),
    (["--reprint", "999"], "findes ikke"),
    (["--as-of", "2021-12-31"], "Angiv --kind"),
])
def test_bad_input_is_a_clear_error_and_writes_nothing(programme, tmp_path, args, message):
    out = tmp_path / "x.json"
    with pytest.raises(CommandError, match=message):
        run(*args, "--format", "json", "--output", str(out), "--issue" if "--kind" in args else "--format=json")
    assert not out.exists()
    assert not IssuedReport.objects.exists()
