"""Bulk import of companies from CSV/XLSX: all-or-nothing, --skip-invalid with rejects, idempotency,
the "fill only what is empty" rule for known CVR numbers, malformed rows, formats and the command."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from viaviden.companies.importing import import_companies
from viaviden.companies.models import Company, ProductionUnit
from viaviden.companies.services import company_merge
from viaviden.core.errors import Forbidden
from viaviden.core.tabular import RowError
from viaviden.matches.tests.factories import CompanyFactory, next_cvr
from viaviden.organisations.models import User
from viaviden.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "cvr;navn;kommune;postnr;adresse;by;pnummer;branche;stoerrelse;hoejtuddannede"
INVALID_CVR = "12345678"


def _csv(*lines, header=HEADER, encoding="utf-8-sig", sep=";"):
    text = "\r\n".join([header.replace(";", sep), *(line.replace(";", sep) for line in lines)]) + "\r\n"
    return io.BytesIO(text.encode(encoding))


def _import(file, **kw):
    return import_companies(path_or_file=file, filename=kw.pop("filename", "virksomheder.csv"), **kw)


def _state():
    return (
        sorted(
            Company.objects.values_list(
                "cvr", "name", "municipality_id", "industry_id", "size_class_id", "has_highly_educated_staff",
                "merged_into_id", "version",
            )
        ),
        sorted(ProductionUnit.objects.values_list("company__cvr", "p_number", "address", "postal_code", "city",
                                                  "municipality_id", "is_primary")),
    )


@pytest.fixture
def cvrs():
    return [next_cvr() for _ in range(4)]


def test_valid_file_creates_companies_and_units(cvrs):
    a, b, c, _d = cvrs
    user = UserFactory(organisation="jobcenter-hjoerring")
    file = _csv(
        f"{a};Syntetisk Smedie ApS;Hjørring;9800;Havnevej 1;Hjørring;1000000001;C;small;nej",
        f"{a};;;7700;Toldbodgade 2;Thisted;1000000002;;;",  # a second unit of the same company
        f"{b};Syntetisk Software A/S;851;;;;;j;Mellemstor virksomhed;ja",
        f"DK {c};Syntetisk Bageri;;9330;Bagervej 3;Sæby;;;;",  # ambiguous postal code with no kommune
    )

    result = _import(file, user=user)

    assert [str(e) for e in result.errors] == [
        "Række 5, kolonne postnr: Postnummeret 9330 ligger i flere kommuner (Brønderslev, Frederikshavn). "
        "Angiv kommunen i kolonnen kommune."
    ]
    assert (result.committed, Company.objects.count()) == (False, 0)

    file = _csv(
        f"{a};Syntetisk Smedie ApS;Hjørring;9800;Havnevej 1;Hjørring;1000000001;C;small;nej",
        f"{a};;;7700;Toldbodgade 2;Thisted;1000000002;;;",
        f"{b};Syntetisk Software A/S;851;;;;;j;Mellemstor virksomhed;ja",
        f"DK {c};Syntetisk Bageri;Frederikshavn;9330;Bagervej 3;Sæby;;;;",
    )
    result = _import(file, user=user)

    assert (result.ok, result.committed, result.rows_total, result.created, result.updated) == (True, True, 4, 3, 0)
    assert (result.units_created, result.unchanged, result.rejected) == (3, 0, 0)
    assert result.summary() == (
        "4 rækker: 3 virksomheder oprettet, 0 opdateret, 3 produktionsenheder tilføjet, 0 uændrede, 0 afvist."
    )
    companies, units = _state()
    assert companies == sorted(
        [
            (a, "Syntetisk Smedie ApS", "860", "C", "small", False, None, 1),
            (b, "Syntetisk Software A/S", "851", "J", "medium", True, None, 1),
            (c, "Syntetisk Bageri", "813", None, None, None, None, 1),
        ]
    )
    assert units == sorted(
        [
            (a, "1000000001", "Havnevej 1", "9800", "Hjørring", "860", True),
            (a, "1000000002", "Toldbodgade 2", "7700", "Thisted", "787", False),
            (c, "", "Bagervej 3", "9330", "Sæby", "813", True),
        ]
    )
    created = Company.objects.get(cvr=a)
    assert LogEntry.objects.get_for_object(created).get().actor == user


def test_same_file_twice_changes_nothing_the_second_time(cvrs):
    a, b, *_ = cvrs
    lines = (
        f"{a};Syntetisk Smedie ApS;Hjørring;9800;Havnevej 1;Hjørring;1000000001;C;small;nej",
        f"{b};Syntetisk Software A/S;851;9000;Boulevarden 1;Aalborg;;J;;",
    )
    _import(_csv(*lines))
    before = _state()
    log_entries = LogEntry.objects.count()

    again = _import(_csv(*lines))

    assert (again.committed, again.created, again.updated, again.units_created, again.unchanged) == (True, 0, 0, 0, 2)
    assert _state() == before
    assert LogEntry.objects.count() == log_entries


def test_known_cvr_only_gets_its_empty_fields_filled():
    known = CompanyFactory(name="Registrets navn ApS", municipality_id="787", industry_id="C")
    cvr = known.cvr

    result = _import(_csv(f"{cvr};Filens navn;Hjørring;9800;Havnevej 1;;;J;small;ja"))

    known.refresh_from_db()
    assert (result.created, result.updated, result.units_created) == (0, 1, 1)
    # name, municipality and the recorded industry are kept; size class and staff were empty
    assert (known.name, known.municipality_id, known.industry_id, known.size_class_id) == (
        "Registrets navn ApS",
        "787",
        "C",
        "small",
    )
    assert (known.has_highly_educated_staff, known.version) == (True, 2)
    assert list(known.units.values_list("address", "municipality_id")) == [("Havnevej 1", "860")]


def test_unit_with_known_p_number_gets_only_missing_city():
    company = CompanyFactory()
    ProductionUnit.objects.create(
        company=company, p_number="1000000009", address="Vej 1", postal_code="9800", municipality_id="860"
    )

    result = _import(_csv(f"{company.cvr};;;9800;Anden adresse 2;Hjørring;1000000009;;;"))

    assert (result.units_created, result.updated) == (0, 1)
    assert list(company.units.values_list("address", "city")) == [("Vej 1", "Hjørring")]


def test_merged_record_cvr_updates_the_survivor():
    lead = UserFactory(organisation="jobcenter-hjoerring", role=User.Role.PARTNER_LEAD)
    survivor, merged = CompanyFactory(), CompanyFactory()
    company_merge(user=lead, survivor=survivor, merged=merged)

    result = _import(_csv(f"{merged.cvr};;;;;;;F;;"))

    assert (result.created, result.updated) == (0, 1)
    assert Company.objects.get(pk=survivor.pk).industry_id == "F"
    assert Company.objects.get(pk=merged.pk).industry_id is None


def test_malformed_rows_give_danish_reasons_and_nothing_is_saved(cvrs):
    a, b, c, d = cvrs
    file = _csv(
        f"{a};Gyldig ApS;Hjørring;;;;;;;",
        f"{INVALID_CVR};Forkert CVR ApS;Hjørring;;;;;;;",
        f"{b};Ukendt postnummer ApS;;8000;Vej 1;Aarhus;;;;",
        f"{c};Forkert branche ApS;Thisted;;;;;Z;;",
        f"{d};;;;;;12345;;kæmpe;måske",
        ";Ingen CVR;Thisted;;;;;;;",
    )

    result = _import(file)

    assert [str(e) for e in result.errors] == [
        "Række 3, kolonne cvr: CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke).",
        "Række 4, kolonne postnr: Ukendt postnummer 8000. Det findes ikke i referencedata for de nordjyske kommuner.",
        "Række 5, kolonne branche: Ukendt branche 'Z'. Angiv en DB07-hovedbranche (A–U).",
        "Række 6, kolonne pnummer: Ugyldigt P-nummer '12345'. Et P-nummer har 10 cifre.",
        "Række 6, kolonne stoerrelse: Ukendt størrelse 'kæmpe'. Angiv en af: micro, small, medium, large.",
        "Række 6, kolonne hoejtuddannede: Ugyldig værdi 'måske'. Skriv ja, nej eller lad feltet stå tomt.",
        f"Række 6, kolonne navn: Virksomheden med CVR-nummer {d} findes ikke i registret; angiv dens navn, "
        "så den kan oprettes.",
        f"Række 6, kolonne kommune: Virksomheden med CVR-nummer {d} findes ikke i registret; angiv kommune eller "
        "postnummer, så den kan oprettes.",
        "Række 7, kolonne cvr: Skal udfyldes.",
    ]
    assert (result.committed, result.rows_total, result.rejected) == (False, 6, 5)
    assert result.summary().endswith("Intet er importeret.")
    assert (Company.objects.count(), ProductionUnit.objects.count()) == (0, 0)


def test_skip_invalid_imports_good_rows_and_writes_rejects(cvrs, tmp_path):
    a, b, *_ = cvrs
    rejects = tmp_path / "afviste.csv"
    file = _csv(
        f"{a};Gyldig ApS;Hjørring;;;;;;;",
        f"{INVALID_CVR};Forkert CVR ApS;Hjørring;;;;;;;",
        f"{b};Forkert branche ApS;Thisted;;;;;Z;;",
    )

    result = _import(file, skip_invalid=True, rejects_path=rejects)

    assert (result.committed, result.created, result.rejected) == (True, 1, 2)
    assert list(Company.objects.values_list("cvr", flat=True)) == [a]
    with open(rejects, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0] == [*HEADER.split(";"), "fejl"]
    assert [(r[0], r[-1]) for r in rows[1:]] == [
        (INVALID_CVR, "cvr: CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke)."),
        (b, "branche: Ukendt branche 'Z'. Angiv en DB07-hovedbranche (A–U)."),
    ]


def test_address_and_postal_code_rules(cvrs):
    a, b, c, _ = cvrs

    result = _import(
        _csv(
            f"{a};Adresse uden postnr;Hjørring;;Vej 1;;;;;",
            f"{b};P-nummer uden adresse;Hjørring;9800;;;1000000001;;;",
            f"{c};Forkert kommune;Aalborg;9800;Vej 1;;;;;",
        )
    )

    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "postnr", "Angiv postnummeret for adressen."),
        (3, "adresse", "Angiv produktionsenhedens adresse (P-nummeret står alene)."),
        (4, "postnr", "Postnummeret 9800 ligger ikke i Aalborg Kommune, men i: Hjørring."),
    ]
    assert Company.objects.count() == 0


def test_header_problems_reject_the_whole_file():
    result = _import(_csv(f"{next_cvr()};X;Hjørring;ekstra", header="navn;kommune;farve;"))

    assert result.errors == [
        RowError(1, "farve", result.errors[0].message),
        RowError(1, "kolonne 4", "Kolonnen har data, men ingen overskrift."),
        RowError(1, "cvr", "Den påkrævede kolonne mangler."),
    ]
    assert result.errors[0].message.startswith("Ukendt kolonne. Tilladte kolonner: cvr, navn, kommune, postnr")
    assert Company.objects.count() == 0


def test_row_with_too_many_fields_is_rejected():
    result = _import(_csv(f"{next_cvr()};Ekstra felt ApS;Hjørring;;;;;;;;overskud"))

    assert [str(e) for e in result.errors] == [
        "Række 2, kolonne kolonne 11: Rækken har flere felter end overskriften. Tjek skilletegn og anførselstegn."
    ]
    assert Company.objects.count() == 0


def test_danish_excel_cp1252_semicolon_csv_with_english_headers():
    cvr = next_cvr()
    file = _csv(
        f"{cvr};Søby Træ & Ål ApS;Brønderslev;9700;Ørstedsvej 4;Brønderslev;;C;;",
        header="CVR-nummer;Company_name;Municipality;Postal code;Address;City;P_number;Industry;Size;Highly educated",
        encoding="cp1252",
    )

    result = _import(file)

    assert (result.committed, result.created) == (True, 1)
    company = Company.objects.get(cvr=cvr)
    assert (company.name, company.municipality_id) == ("Søby Træ & Ål ApS", "810")
    assert list(company.units.values_list("address", "city")) == [("Ørstedsvej 4", "Brønderslev")]


def test_comma_separated_utf8_csv():
    cvr = next_cvr()

    result = _import(_csv(f"{cvr};Komma ApS;Læsø;9940;Havnevej 2;Læsø;;;;", sep=","))

    assert (result.committed, Company.objects.get(cvr=cvr).municipality_id) == (True, "825")


def test_xlsx_with_excel_numbers():
    cvr = next_cvr()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["cvr", "navn", "kommune", "postnr", "adresse", "pnummer", "branche", "hoejtuddannede"])
    sheet.append([float(cvr), "Excel ApS", 860, 9800, "Havnevej 7", 1000000077, "c", "Ja"])
    sheet.append([int(INVALID_CVR), "Forkert ApS", 860, None, None, None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    rejected = _import(io.BytesIO(buffer.getvalue()), filename="virksomheder.xlsx")
    assert [str(e) for e in rejected.errors] == [
        "Række 3, kolonne cvr: CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke)."
    ]
    assert Company.objects.count() == 0

    result = _import(io.BytesIO(buffer.getvalue()), filename="virksomheder.xlsx", skip_invalid=True)

    company = Company.objects.get(cvr=cvr)
    assert (result.created, company.municipality_id, company.industry_id, company.has_highly_educated_staff) == (
        1,
        "860",
        "C",
        True,
    )
    assert list(company.units.values_list("p_number", "postal_code")) == [("1000000077", "9800")]


def test_unreadable_files_are_refused():
    assert [str(e) for e in _import(io.BytesIO(b""), filename="tom.csv").errors] == ["Filen er tom."]
    old_excel = _import(io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"), filename="gammel.xls")
    assert [str(e) for e in old_excel.errors] == [
        "Det gamle Excel-format (.xls) understøttes ikke. Gem filen som .xlsx eller CSV."
    ]


def test_steering_group_may_not_import():
    steering = UserFactory(organisation="kkr-nordjylland", role=User.Role.STEERING_GROUP)

    with pytest.raises(Forbidden):
        _import(_csv(f"{next_cvr()};X;Hjørring;;;;;;;"), user=steering)
    assert Company.objects.count() == 0


# --- The management command ---------------------------------------------------------------------------


def test_command_imports_and_prints_summary(tmp_path, capsys):
    path = tmp_path / "virksomheder.csv"
    path.write_bytes(_csv(f"{next_cvr()};Kommando ApS;Thisted;;;;;;;").getvalue())

    call_command("import_companies", str(path))

    assert capsys.readouterr().out.strip() == (
        "1 rækker: 1 virksomheder oprettet, 0 opdateret, 0 produktionsenheder tilføjet, 0 uændrede, 0 afvist."
    )
    assert Company.objects.count() == 1


def test_command_rejects_a_bad_file_and_lists_the_rows(tmp_path, capsys):
    path = tmp_path / "virksomheder.csv"
    path.write_bytes(_csv(f"{next_cvr()};God ApS;Thisted;;;;;;;", f"{INVALID_CVR};Dårlig ApS;Thisted;;;;;;;").getvalue())

    with pytest.raises(CommandError) as exc:
        call_command("import_companies", str(path))

    assert str(exc.value) == "Filen blev afvist: 1 af 2 rækker har fejl. Intet er importeret."
    assert capsys.readouterr().err.strip() == (
        "Række 3, kolonne cvr: CVR-nummeret 12345678 er ikke gyldigt (kontrolcifferet passer ikke)."
    )
    assert Company.objects.count() == 0


def test_command_skip_invalid_with_rejects_and_user(tmp_path, capsys):
    user = UserFactory(username="importoer", organisation="jobcenter-thisted")
    path, rejects = tmp_path / "virksomheder.csv", tmp_path / "afviste.csv"
    path.write_bytes(_csv(f"{next_cvr()};God ApS;Thisted;;;;;;;", f"{INVALID_CVR};Dårlig ApS;Thisted;;;;;;;").getvalue())

    call_command("import_companies", str(path), "--skip-invalid", "--rejects", str(rejects), "--user", "importoer")

    out = capsys.readouterr().out
    assert f"Afviste rækker er skrevet til {rejects}." in out
    assert Company.objects.count() == 1
    assert LogEntry.objects.get_for_object(Company.objects.get()).get().actor == user
    assert rejects.read_text(encoding="utf-8-sig").splitlines()[1].startswith(f"{INVALID_CVR};Dårlig ApS")


def test_command_unknown_user_is_an_error(tmp_path):
    path = tmp_path / "virksomheder.csv"
    path.write_bytes(_csv(f"{next_cvr()};God ApS;Thisted;;;;;;;").getvalue())

    with pytest.raises(CommandError) as exc:
        call_command("import_companies", str(path), "--user", "ingen")

    assert str(exc.value) == "Ukendt bruger: ingen"
    assert Company.objects.count() == 0
