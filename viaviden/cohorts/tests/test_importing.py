"""Import of cohorts, participants and outcomes: all or nothing, idempotent, Danish errors per row."""

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from viaviden.cohorts.importing import import_cohorts
from viaviden.cohorts.models import Cohort, Participant
from viaviden.core.errors import Forbidden
from viaviden.organisations.models import Organisation, User

HEADER = "forloeb;forloeb_id;aktivitet;startdato;slutdato;person_id;niveau;udfald;udfaldsdato\n"
GOOD = HEADER + (
    "Jobsøgning hold 1;JS-1;jobsøgning;04-01-2021;26-02-2021;sag-101;LVU;ordinært job;15-03-2021\n"
    "Jobsøgning hold 1;JS-1;jobsøgning;04-01-2021;26-02-2021;sag-102;MVU;løntilskud;2021-05-01\n"
    "Jobsøgning hold 1;JS-1;jobsøgning;04-01-2021;26-02-2021;sag-103;;;\n"
    "Opkvalificering IT;;opkvalificering;01-03-2021;30-04-2021;sag-104;KVU;uddannelse;01-08-2021\n"
)


def _file(text: str) -> io.BytesIO:
    f = io.BytesIO(text.encode("utf-8"))
    f.name = "forloeb.csv"
    return f


@pytest.fixture
def jca(db):
    return Organisation.objects.get(slug="jobcenter-aalborg")


def test_import_creates_cohorts_participants_and_outcomes_and_twice_changes_nothing(jca):
    result = import_cohorts(path_or_file=_file(GOOD), organisation=jca)
    assert result.committed and not result.errors
    assert (result.cohorts_created, result.participants_created, result.outcomes_set) == (2, 4, 3)
    cohort = Cohort.objects.get(external_id="JS-1")
    assert (cohort.start_date, cohort.end_date, cohort.activity, cohort.programme.slug) == (
        dt.date(2021, 1, 4), dt.date(2021, 2, 26), "job_search", "vvv-2-0")
    assert list(cohort.participants.values_list("number", "outcome", "outcome_date", "education_level_id")) == [
        (1, "ordinary_job", dt.date(2021, 3, 15), "LVU"), (2, "subsidised_job", dt.date(2021, 5, 1), "MVU"),
        (3, "", None, None)]
    # nothing but the HMAC key of the identifier is stored
    assert not Participant.objects.filter(person_key__contains="sag-").exists()

    again = import_cohorts(path_or_file=_file(GOOD), organisation=jca)
    assert (again.cohorts_created, again.participants_created, again.outcomes_set, again.unchanged) == (0, 0, 0, 4)
    assert Participant.objects.count() == 4


def test_a_later_file_registers_and_corrects_outcomes_and_keeps_unmentioned_ones(jca):
    import_cohorts(path_or_file=_file(GOOD), organisation=jca)
    later = HEADER + (
        "Jobsøgning hold 1;JS-1;;04-01-2021;26-02-2021;sag-103;;ingen;\n"
        "Jobsøgning hold 1;JS-1;;04-01-2021;26-02-2021;sag-102;;ordinært job;01-04-2021\n"
        "Jobsøgning hold 1;JS-1;;04-01-2021;26-02-2021;sag-101;;;\n"
    )
    result = import_cohorts(path_or_file=_file(later), organisation=jca)
    assert (result.outcomes_set, result.unchanged, result.participants_created) == (2, 1, 0)
    cohort = Cohort.objects.get(external_id="JS-1")
    assert list(cohort.participants.values_list("outcome", "outcome_date")) == [
        ("ordinary_job", dt.date(2021, 3, 15)), ("ordinary_job", dt.date(2021, 4, 1)), ("none", None)]


def test_one_bad_row_imports_nothing_and_every_error_names_row_and_column(jca):
    bad = GOOD + (
        "Jobsøgning hold 2;;jobsøgning;04-01-2021;26-02-2020;sag-105;;;\n"
        "Jobsøgning hold 3;;;04-01-2021;26-02-2021;0101901234;;ordinært job;\n"
        "Jobsøgning hold 3;;;04-01-2021;26-02-2021;sag-106;PHD;ansat;\n"
        "Jobsøgning hold 3;;;04-01-2021;26-02-2021;sag-107;;ordinært job;01-12-2020\n"
    )
    result = import_cohorts(path_or_file=_file(bad), organisation=jca)
    assert not result.committed and result.rejected == 4
    assert [str(e) for e in result.errors] == [
        "Række 6, kolonne slutdato: Slutdatoen kan ikke ligge før startdatoen.",
        "Række 7, kolonne person_id: Brug ikke CPR-numre som deltager-id. Platformen gemmer aldrig CPR-numre.",
        "Række 7, kolonne udfaldsdato: Angiv startdatoen for jobbet eller uddannelsen.",
        "Række 8, kolonne niveau: Ukendt uddannelsesniveau 'PHD'. Angiv KVU, MVU eller LVU.",
        "Række 8, kolonne udfald: Ukendt udfald 'ansat'. Angiv ordinært job, løntilskud, uddannelse eller ingen.",
        "Række 9, kolonne udfaldsdato: Startdatoen kan ikke ligge før forløbets start (04-01-2021).",
    ]
    assert Cohort.objects.count() == 0 and Participant.objects.count() == 0
    assert not LogEntry.objects.filter(content_type__app_label="cohorts").exists()


def test_skip_invalid_imports_the_good_rows_and_writes_rejects(jca, tmp_path):
    bad = GOOD + "Jobsøgning hold 1;JS-1;jobsøgning;04-01-2021;26-02-2021;sag-101;;;\n"
    rejects = tmp_path / "afviste.csv"
    result = import_cohorts(path_or_file=_file(bad), organisation=jca, skip_invalid=True, rejects_path=rejects)
    assert result.committed and result.rejected == 1 and result.participants_created == 4
    assert "Deltageren står også i række 2 for samme forløb." in rejects.read_text(encoding="utf-8-sig")


def test_rows_of_one_cohort_must_agree_on_its_dates(jca):
    text = HEADER + (
        "Hold A;A;;04-01-2021;26-02-2021;x1;;;\n"
        "Hold A;A;;04-01-2021;27-02-2021;x2;;;\n"
    )
    result = import_cohorts(path_or_file=_file(text), organisation=jca)
    assert [str(e) for e in result.errors] == [
        "Række 3, kolonne forloeb: Forløbet står også i række 2 med en anden titel, aktivitet eller andre datoer."]


def test_partner_staff_cannot_import_for_another_organisation(jca):
    from viaviden.organisations.tests.factories import UserFactory

    other = UserFactory(role=User.Role.PARTNER_STAFF, organisation="jobcenter-hjoerring")
    with pytest.raises(Forbidden):
        import_cohorts(path_or_file=_file(GOOD), organisation=jca, user=other)
    assert Cohort.objects.count() == 0


def test_import_cohort_command(jca, tmp_path, capsys):
    path = tmp_path / "forloeb.csv"
    path.write_text(GOOD, encoding="utf-8")
    call_command("import_cohort", str(path), "--organisation", "jobcenter-aalborg")
    assert "2 forløb oprettet, 4 deltagere tilføjet" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Hold;;;xx;26-02-2021;a;;;\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 af 1 rækker har fejl"):
        call_command("import_cohort", str(bad), "--organisation", "jobcenter-aalborg")
    assert "Række 2, kolonne startdato: Ugyldig dato 'xx'" in capsys.readouterr().err


def test_import_reads_xlsx(jca):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Forløb", "Startdato", "Slutdato", "Person_id", "Udfald", "Jobstart"])
    ws.append(["Hold X", dt.date(2021, 1, 4), dt.date(2021, 2, 26), 4711, "Ordinært job", dt.date(2021, 3, 1)])
    buf = io.BytesIO()
    wb.save(buf)
    buf.name = "forloeb.xlsx"
    result = import_cohorts(path_or_file=buf, organisation=jca)
    assert result.committed, result.errors
    assert Participant.objects.get().outcome_date == dt.date(2021, 3, 1)
