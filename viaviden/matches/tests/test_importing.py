"""Bulk import of matches from CSV/XLSX: validation, all-or-nothing, idempotency, duplicates, formats."""

import csv
import datetime as dt
import gc
import io
import threading
from pathlib import Path

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError, connection, connections, transaction

from viaviden.companies.models import Company
from viaviden.core.errors import Conflict, Forbidden
from viaviden.matches import importing, tallies
from viaviden.matches.importing import RowError, import_matches
from viaviden.matches.models import ImportBatch, Match, MatchContribution
from viaviden.matches.services import person_key_for
from viaviden.matches.tests.factories import CompanyFactory, make_match
from viaviden.organisations.models import Organisation, User
from viaviden.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES = Path(settings.BASE_DIR) / "data" / "examples"
GOOD = EXAMPLES / "matches_example.csv"
BAD = EXAMPLES / "matches_bad_example.csv"
HEADER = "cvr;virksomhed;kommune;matchtype;startdato;niveau;uddannelse;institution;person_id"


def _org(slug="jobcenter-hjoerring"):
    return Organisation.objects.get(slug=slug)


def _csv(*lines, header=HEADER, encoding="utf-8-sig"):
    return io.BytesIO(("\r\n".join([header, *lines]) + "\r\n").encode(encoding))


def _import(file, org="jobcenter-hjoerring", **kw):
    return import_matches(path_or_file=file, filename=kw.pop("filename", "test.csv"), organisation=_org(org), **kw)


def _counts():
    return (
        Match.objects.count(),
        MatchContribution.objects.count(),
        Company.objects.count(),
        ImportBatch.objects.count(),
    )


def test_good_example_imports_every_row_with_derived_fields():
    user = UserFactory(organisation=_org())
    result = import_matches(path_or_file=GOOD, filename="", organisation=user.organisation, user=user)

    assert (
        result.ok,
        result.committed,
        result.rows_total,
        result.created,
        result.merged,
        result.already_imported,
        result.rejected,
    ) == (True, True, 11, 11, 0, 0, 0)
    assert Match.objects.count() == 11 and Company.objects.filter(cvr__startswith="39991").count() == 11
    batch = ImportBatch.objects.get()
    assert (batch.filename, batch.rows_total, batch.rows_created, batch.created_by) == (
        "matches_example.csv",
        11,
        11,
        user,
    )
    aalborg = Match.objects.get(company__cvr="39991128")
    assert (aalborg.municipality_id, aalborg.outside_aalborg, aalborg.project_year, aalborg.half_year) == (
        "851",
        False,
        2021,
        "2021-H2",
    )
    assert (aalborg.partner.slug, aalborg.target_part, aalborg.registering_org.slug) == (
        "kommune-hjoerring",
        "municipal",
        "jobcenter-hjoerring",
    )
    assert (aalborg.match_type_id, aalborg.education_level_id, aalborg.activity, aalborg.education) == (
        "student_project",
        "LVU",
        "bourse",
        "Data Science",
    )
    assert (aalborg.import_batch, aalborg.created_by, aalborg.person_key, aalborg.programme.slug) == (
        batch,
        user,
        "",
        "vvv-2-0",
    )
    # postal code 9400 resolves to Aalborg; a CVR with a decimal comma from Excel is read as the number
    assert Match.objects.get(company__cvr="39991020").municipality_id == "851"
    assert Company.objects.get(cvr="39991071").name == "Jammerbugt Feriecenter ApS"
    thisted = Match.objects.get(company__cvr="39991012")
    assert (thisted.municipality_id, thisted.start_date, thisted.import_key) == (
        "787",
        dt.date(2022, 2, 15),
        "JH-2022-017",
    )
    assert Company.objects.get(cvr="39991012").industry_id == "J"
    # pseudonymous: the partner's person id is only kept as a keyed hash
    first = Match.objects.get(company__cvr="39991004")
    assert first.person_key == person_key_for("p-1001") and first.person_name == ""
    assert not Match.objects.filter(person_key="p-1001").exists()
    with_consent = Match.objects.get(company__cvr="39991047")
    assert (with_consent.person_name, with_consent.person_email) == ("Mette Syntetisk", "mette.syntetisk@example.org")
    assert with_consent.person_consent_at is not None
    assert set(MatchContribution.objects.values_list("organisation__slug", "role")) == {
        ("jobcenter-hjoerring", "registered")
    }
    assert MatchContribution.objects.count() == 11


def test_bad_file_imports_nothing_and_lists_every_bad_row():
    CompanyFactory(cvr="39991004")  # known company: the row fails on its match type and level only
    before = _counts()

    result = _import(BAD)

    assert (result.committed, result.rows_total, result.rejected, result.created) == (False, 11, 9, 0)
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "cvr"),
        (4, "virksomhed"),
        (4, "kommune"),
        (5, "startdato"),
        (6, "startdato"),
        (7, "matchtype"),
        (7, "niveau"),
        (8, "postnr"),
        (9, "kommune"),
        (9, "navn"),
        (10, "aktivitet"),
        (10, "samtykke"),
        (10, "email"),
        (12, "ekstern_id"),
    ]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(3, "cvr")] == "CVR-nummeret 39991135 er ikke gyldigt (kontrolcifferet passer ikke)."
    assert messages[(5, "startdato")] == "Ugyldig dato '31-02-2021'. Skriv datoen som dd-mm-åååå (fx 01-09-2021)."
    assert messages[(6, "startdato")] == "Startdatoen 01-01-2019 ligger uden for alle programperioder."
    assert messages[(8, "postnr")] == (
        "Postnummeret 9330 ligger i flere kommuner (Brønderslev, Frederikshavn). Angiv kommunen i kolonnen kommune."
    )
    assert messages[(12, "ekstern_id")] == "Ekstern id 'X-1' står også i række 11."
    assert _counts() == before


def test_row_numbers_are_spreadsheet_rows_and_blank_rows_are_skipped():
    result = _import(_csv("", ";;;;;;;;", "12345674;Smedie ApS;Thisted;Studiejob;01-13-2021;KVU;;;"))
    assert result.rows_total == 1
    assert result.errors == [
        RowError(4, "startdato", "Ugyldig dato '01-13-2021'. Skriv datoen som dd-mm-åååå (fx 01-09-2021).")
    ]


def test_skip_invalid_imports_good_rows_and_writes_rejects(tmp_path):
    rejects = tmp_path / "afviste.csv"
    result = _import(BAD, org="aau", skip_invalid=True, rejects_path=rejects)

    assert (result.committed, result.created, result.rejected, len(result.errors)) == (True, 2, 9, 14)
    assert set(Match.objects.values_list("company__cvr", flat=True)) == {"39991136", "39991047"}
    assert ImportBatch.objects.get().rows_rejected == 9
    raw = rejects.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-2:] == ["ekstern_id", "fejl"] and len(rows) == 10
    assert rows[1][0] == "39991135"
    assert rows[1][-1] == "cvr: CVR-nummeret 39991135 er ikke gyldigt (kontrolcifferet passer ikke)."
    assert rows[1][:-1] == BAD.read_text(encoding="utf-8-sig").splitlines()[2].split(";")


def test_same_file_twice_adds_nothing():
    first = _import(GOOD)
    after_first = _counts()

    second = _import(GOOD)

    assert (first.created, second.created, second.merged, second.already_imported) == (11, 0, 0, 11)
    assert second.batch is None and _counts() == after_first


def test_already_imported_rows_are_found_whether_the_file_or_the_registry_is_larger():
    # The import reads the organisation's existing keys whole when it has fewer imported matches than the
    # file has rows, else looks the file's keys up: both ways must find the same rows.
    lines = GOOD.read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0], lines[1:]
    small, large = rows[:3], rows[:7]
    # Another organisation imported one of the rows (no person key: flagged as possible duplicate, not merged);
    # its import key must not count as this organisation's.
    other = _import(_csv(rows[6], header=header), org="aau")

    first = _import(_csv(*small, header=header))
    grown = _import(_csv(*large, header=header))  # 3 imported < 7 rows: all keys read
    shrunk = _import(_csv(*rows[1:4], header=header))  # 7 imported >= 3 rows: the file's keys looked up

    assert other.created == 1
    assert (first.created, grown.created, grown.already_imported) == (3, 4, 3)
    assert (shrunk.created, shrunk.already_imported) == (0, 3)
    assert Match.objects.filter(registering_org=_org()).count() == 7


def test_xlsx_with_english_headers_and_real_excel_values():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "CVR",
            "Company_name",
            "Municipality",
            "Match_type",
            "Start_date",
            "Level",
            "Education",
            "External_ID",
            "Consent",
        ]
    )
    sheet.append(
        [12345674, "Smedie ApS", 787, "ordinary_job", dt.datetime(2021, 9, 1), "kvu", "Datamatiker", 1001, None]
    )
    sheet.append([12345674.0, "Smedie ApS", "Thisted", "Løntilskud", "15-10-2021", "MVU", "", "1002", False])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = _import(buffer, filename="match.xlsx")

    assert (result.ok, result.created) == (True, 2)
    assert list(
        Match.objects.order_by("start_date").values_list(
            "company__cvr", "municipality_id", "match_type_id", "start_date", "education_level_id", "import_key"
        )
    ) == [
        ("12345674", "787", "ordinary_job", dt.date(2021, 9, 1), "KVU", "1001"),
        ("12345674", "787", "wage_subsidy", dt.date(2021, 10, 15), "MVU", "1002"),
    ]


def test_danish_excel_csv_with_bom_dd_mm_yyyy_and_decimal_comma():
    data = (
        "\ufeffCVR;Virksomhed;Kommune;Matchtype;Startdato;Niveau;Uddannelse\r\n"
        "12345674,0;Smedie ApS;0787;Ordinært job;01-09-2021;LVU;Cand.polyt.\r\n"
        "12345674;Smedie ApS;Thisted Kommune;Studiejob;2022-01-31;MVU;Bygningskonstruktør\r\n"
    ).encode()

    result = _import(io.BytesIO(data))

    assert (result.ok, result.created) == (True, 2)
    assert set(Match.objects.values_list("start_date", "municipality_id")) == {
        (dt.date(2021, 9, 1), "787"),
        (dt.date(2022, 1, 31), "787"),
    }


def test_cp1252_csv_with_commas_is_read():
    data = (
        "cvr,virksomhed,kommune,matchtype,startdato,niveau\r\n"
        "12345674,Smørrebrød ApS,Hjørring,Løntilskud,01.09.2021,KVU\r\n"
    ).encode("cp1252")

    result = _import(io.BytesIO(data))

    assert (result.ok, result.created) == (True, 1)
    match = Match.objects.get()
    assert (match.company.name, match.municipality_id, match.match_type_id) == ("Smørrebrød ApS", "860", "wage_subsidy")


def test_duplicate_of_existing_match_merges_and_adds_contributor():
    company = CompanyFactory(cvr="12345674")
    existing = make_match(
        organisation="central-matchningsenhed",
        company=company,
        match_type="ordinary_job",
        start_date=dt.date(2021, 3, 1),
        person_identifier="p-77",
    )
    row = "12345674;;;Ordinært job;10-03-2021;MVU;;;P-77"

    result = _import(_csv(row))

    assert (result.created, result.merged, result.already_imported) == (0, 1, 0)
    assert Match.objects.count() == 1
    assert set(existing.contributions.values_list("organisation__slug", "role")) == {
        ("central-matchningsenhed", "registered"),
        ("jobcenter-hjoerring", "duplicate"),
    }
    again = _import(_csv(row))
    assert (again.created, again.merged, again.already_imported) == (0, 0, 1)
    assert existing.contributions.count() == 2


def test_same_person_twice_in_a_file_is_one_match():
    rows = [
        "12345674;Smedie ApS;Thisted;Studiejob;01-09-2021;LVU;;;s-1",
        "12345674;Smedie ApS;Thisted;Studiejob;20-09-2021;LVU;;;s-1",
    ]
    result = _import(_csv(*rows))
    assert (result.created, result.merged) == (1, 1)
    assert MatchContribution.objects.count() == 1


def test_identical_pseudonymous_rows_are_two_matches_flagged_as_possible_duplicates():
    row = "12345674;Smedie ApS;Thisted;Studiejob;01-09-2021;LVU;Software;AAU;"
    result = _import(_csv(row, row))
    first, second = Match.objects.order_by("id")
    assert (result.created, first.possible_duplicate_of, second.possible_duplicate_of) == (2, None, first)
    assert first.import_key != second.import_key
    assert _import(_csv(row, row)).already_imported == 2


def test_person_name_without_consent_is_rejected():
    header = HEADER + ";navn;email"
    result = _import(_csv("12345674;Smedie ApS;Thisted;Studiejob;01-09-2021;LVU;;;;Jens Hansen;", header=header))
    assert result.errors == [
        RowError(
            2, "navn", "Navn og kontaktoplysninger må kun registreres, når personen har givet samtykke (samtykke = ja)."
        )
    ]
    assert _counts() == (0, 0, 0, 0)


def test_unknown_and_missing_columns_reject_the_file():
    result = _import(_csv("12345674;Thisted;01-09-2021;x", header="CVR;Kommune;Startdato;Farve"))
    assert [(e.row, e.column) for e in result.errors] == [(1, "Farve"), (1, "matchtype"), (1, "niveau")]
    assert result.errors[0].message.startswith("Ukendt kolonne. Tilladte kolonner: cvr, virksomhed")
    assert result.errors[1].message == "Den påkrævede kolonne mangler."
    assert (result.committed, _counts()) == (False, (0, 0, 0, 0))


def test_unknown_company_needs_name_and_municipality():
    result = _import(_csv("12345674;;;Studiejob;01-09-2021;LVU;;;"))
    assert [(e.row, e.column) for e in result.errors] == [(2, "virksomhed"), (2, "kommune")]


def test_not_a_spreadsheet_is_a_file_error():
    result = _import(io.BytesIO(b"PK\x03\x04not really a zip"), filename="x.xlsx")
    assert len(result.errors) == 1 and result.errors[0].row == 0
    assert result.errors[0].message.startswith("Filen kunne ikke læses som XLSX")


def test_user_of_another_organisation_may_not_import():
    user = UserFactory(organisation=_org("jobcenter-aalborg"))
    with pytest.raises(Forbidden):
        import_matches(path_or_file=GOOD, organisation=_org("jobcenter-hjoerring"), user=user)
    assert _counts() == (0, 0, 0, 0)


def test_a_failure_while_writing_leaves_nothing_behind(monkeypatch):
    original = importing.bulk_insert

    def failing(model, rows, **kw):
        if model is MatchContribution:
            raise RuntimeError("disk full")
        return original(model, rows, **kw)

    monkeypatch.setattr(importing, "bulk_insert", failing)
    with pytest.raises(RuntimeError):
        _import(GOOD)
    assert _counts() == (0, 0, 0, 0)


def test_the_import_runs_with_the_collector_paused_and_switches_it_back_on(monkeypatch):
    seen = []
    original = importing._write

    def write(*args, **kwargs):
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(importing, "_write", write)
    gc.enable()
    assert import_matches(path_or_file=GOOD, organisation=_org()).committed
    assert seen == [False] and gc.isenabled()
    # Also after a file that imports nothing.
    assert not import_matches(path_or_file=BAD, organisation=_org()).committed
    assert gc.isenabled()


def test_one_audit_entry_for_the_batch_attributed_to_the_user():
    user = UserFactory(organisation=_org(), role=User.Role.PARTNER_LEAD)
    result = import_matches(path_or_file=GOOD, organisation=user.organisation, user=user)
    entries = LogEntry.objects.filter(content_type__model="importbatch")
    assert [(e.object_pk, e.actor) for e in entries] == [(str(result.batch.pk), user)]
    assert not LogEntry.objects.filter(content_type__model="match").exists()


def test_command_prints_summary_and_imports(capsys):
    call_command("import_matches", str(GOOD), "--organisation", "jobcenter-hjoerring")
    assert capsys.readouterr().out.strip() == (
        "11 rækker: 11 match oprettet, 0 lagt sammen med eksisterende match, 0 allerede importeret, 0 afvist."
    )
    assert Match.objects.count() == 11


def test_command_lists_bad_rows_and_exits_with_status_1(capsys):
    with pytest.raises(CommandError) as exc:
        call_command("import_matches", str(BAD), "--organisation", "jobcenter-hjoerring")
    assert exc.value.returncode == 1
    assert str(exc.value) == "Filen blev afvist: 9 af 11 rækker har fejl. Intet er importeret."
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 14
    assert err[0] == "Række 3, kolonne cvr: CVR-nummeret 39991135 er ikke gyldigt (kontrolcifferet passer ikke)."
    assert Match.objects.count() == 0


def test_command_skip_invalid_writes_rejects(tmp_path, capsys):
    rejects = tmp_path / "r.csv"
    call_command("import_matches", str(BAD), "--organisation", "aau", "--skip-invalid", "--rejects", str(rejects))
    out = capsys.readouterr().out
    assert "2 match oprettet" in out and "9 afvist" in out and str(rejects) in out
    assert len(rejects.read_text(encoding="utf-8-sig").splitlines()) == 10


def test_command_unknown_organisation():
    with pytest.raises(CommandError, match="Ukendt organisation: nope"):
        call_command("import_matches", str(GOOD), "--organisation", "nope")


def test_excel_unicode_text_export_is_read():
    data = "cvr\tvirksomhed\tkommune\tmatchtype\tstartdato\tniveau\r\n12345674\tSmedie ApS\tMorsø\tStudiejob\t01-09-2021\tMVU\r\n"

    result = _import(io.BytesIO(data.encode("utf-16")), filename="export.txt")

    assert (result.ok, result.created, Match.objects.get().municipality_id) == (True, 1, "773")


def test_command_refuses_a_user_of_another_organisation():
    UserFactory(username="hanne", organisation="jobcenter-aalborg")
    with pytest.raises(CommandError, match="Du kan kun importere match for din egen organisation."):
        call_command("import_matches", str(GOOD), "--organisation", "jobcenter-hjoerring", "--user", "hanne")
    assert Match.objects.count() == 0


def test_a_merged_company_s_old_cvr_imports_onto_the_surviving_company():
    survivor, merged = CompanyFactory(), CompanyFactory()
    Company.objects.filter(pk=merged.pk).update(merged_into=survivor)

    result = _import(_csv(f"{merged.cvr};;Thisted;ordinary_job;01-03-2021;KVU;Datamatiker;UCN;p-77"))

    assert (result.created, result.errors) == (1, [])
    assert Match.objects.get().company == survivor


# PostgreSQL: the import checks its rows' foreign keys set-wise (one query per key, rows locked FOR KEY SHARE)
# with the per-row checks switched off for its inserts (importing._references_checked_set_wise).
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's set-wise key check")


def _replication_role():
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


@postgresql_only
def test_the_test_database_checks_keys_set_wise_and_switches_the_row_checks_back_on():
    assert importing._references_checked_set_wise()
    result = _import(GOOD)
    assert result.created > 0
    assert _replication_role() == "origin"


@postgresql_only
def test_a_key_missing_at_the_set_wise_check_is_a_conflict_and_nothing_is_saved(monkeypatch):
    """A reference that vanished before the write (e.g. an organisation deleted meanwhile) fails the import
    as a foreign-key violation would: a clear message, nothing partial, the row checks back on."""
    original = importing.derived_fields

    def gone_partner(**kw):
        return {**original(**kw), "partner": Organisation(pk=987654)}

    monkeypatch.setattr(importing, "derived_fields", gone_partner)
    before = _counts()
    with pytest.raises(Conflict) as exc:
        _import(GOOD)
    assert exc.value.code == "import_conflict"
    assert "Intet er importeret" in str(exc.value.message)
    assert _counts() == before
    assert _replication_role() == "origin"


@postgresql_only
def test_a_missing_existing_match_of_a_merge_is_caught_too(monkeypatch):
    """The contributions' keys are checked as well (a merge into an existing match)."""
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            importing._check_references(
                MatchContribution, [{"match_id": 987654, "organisation_id": _org().pk, "role": "duplicate",
                                     "created_at": dt.datetime(2021, 1, 1, tzinfo=dt.UTC)}])
    importing._check_references(  # a match this import has just written needs no check
        MatchContribution, [{"match_id": 987654, "organisation_id": _org().pk, "role": "duplicate",
                             "created_at": dt.datetime(2021, 1, 1, tzinfo=dt.UTC)}], known={"match_id": {987654}})


@postgresql_only
def test_set_wise_and_row_by_row_checks_write_the_same_and_keep_the_tallies(monkeypatch):
    def snapshot():
        ids = ("id", "company_id", "possible_duplicate_of_id", "import_batch_id")  # new ids after the rollback
        stamps = ("created_at", "updated_at", "person_consent_at")
        fields = [f.attname for f in Match._meta.concrete_fields if f.attname not in (*ids, *stamps)]
        fields += ["company__cvr", "possible_duplicate_of__import_key", "import_batch__filename"]
        return sorted(Match.objects.values_list(*fields)), sorted(
            MatchContribution.objects.values_list("match__import_key", "organisation_id", "role"))

    with transaction.atomic():
        _import(GOOD)
        _import(_csv("12345674;Smedie ApS;Thisted;Studiejob;01-09-2021;LVU;;;s-1"), org="ucn")
        set_wise = snapshot()
        assert tallies.differences() == {}  # the tally triggers count the set-wise inserts (ENABLE ALWAYS)
        transaction.set_rollback(True)
    monkeypatch.setattr(importing, "_references_checked_set_wise", lambda: False)
    _import(GOOD)
    _import(_csv("12345674;Smedie ApS;Thisted;Studiejob;01-09-2021;LVU;;;s-1"), org="ucn")
    assert snapshot() == set_wise
    assert tallies.differences() == {}


@postgresql_only
def test_while_an_import_writes_readers_see_nothing_of_it_and_its_references_cannot_be_deleted(monkeypatch):
    """Two connections (so PostgreSQL only; the import's thread commits and what it wrote is deleted at the end):
    paused after its set-wise key check, the import holds FOR KEY SHARE locks on what its rows reference, so a
    concurrent delete of the match type waits (here: times out), and a reader sees no match of it yet; after the
    commit the reader sees all of it."""
    checked, go, seen, errors = threading.Event(), threading.Event(), {}, []
    original = importing._check_references

    def pausing(model, rows, **kw):
        original(model, rows, **kw)
        if model is MatchContribution:
            checked.set()
            go.wait(20)

    monkeypatch.setattr(importing, "_check_references", pausing)

    def in_thread(fn):
        def run():
            try:
                fn()
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                connections.close_all()
        t = threading.Thread(target=run)
        t.start()
        return t

    def reader():
        seen["during"] = Match.objects.count()
        with transaction.atomic():
            with connections["default"].cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
                try:
                    cursor.execute("DELETE FROM reference_matchtype WHERE code = 'student_job'")
                    seen["delete"] = "went through"
                except OperationalError as exc:
                    seen["delete"] = type(exc.__cause__).__name__
            transaction.set_rollback(True)

    importer = in_thread(lambda: seen.setdefault("result", _import(
        _csv("12345674;Smedie ApS;Thisted;Studiejob;01-09-2021;LVU;;;s-1"))))
    try:
        assert checked.wait(60)
        in_thread(reader).join()
    finally:
        go.set()
        importer.join()

    def after():
        seen["after"] = Match.objects.count()
        batch = seen["result"].batch
        MatchContribution.objects.filter(match__import_batch=batch).delete()
        Match.objects.filter(import_batch=batch).delete()
        Company.objects.filter(cvr="12345674").delete()
        batch.delete()

    in_thread(after).join()
    assert errors == []
    assert (seen["during"], seen["delete"], seen["result"].created, seen["after"]) == (0, "LockNotAvailable", 1, 1)
