"""Reading the input folder (Danish errors with file, line, column) and writing the assignment."""

import csv

import pytest
from hypothesis import HealthCheck, given, settings

from viaviden.assignment import InputError, read_instance, solve, write_assignment, write_instance

from .helpers import instances

CASES = "case_id,capacity\nc1,2\nc2,1\n"
PREFS = "participant_id,size,rank,case_id\np1,1,1,c1\np1,1,2,c2\ng1,2,1,c2\ng1,2,2,c1\n"


def folder_with(tmp_path, **files):
    files = {"cases": CASES, "preferences": PREFS, **files}
    for name, text in files.items():
        if text is not None:
            (tmp_path / f"{name}.csv").write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return tmp_path


def errors(folder):
    with pytest.raises(InputError) as exc:
        read_instance(folder)
    return [(p.file, p.line, p.column, p.message) for p in exc.value.problems]


def test_a_good_folder_is_read_with_all_optional_files(tmp_path):
    folder = folder_with(
        tmp_path,
        company_preferences="case_id,rank,participant_id\nc1,2,p1\nc1,1,g1\n",
        vetoes="case_id,participant_id\nc2,p1\nc2,p1\n",
        locks="participant_id,case_id\ng1,c1\n",
    )

    instance = read_instance(folder)

    assert list(instance.cases) == ["c1", "c2"]
    assert {p.id: (p.size, p.ranking) for p in instance.participants.values()} == {
        "p1": (1, ("c1", "c2")),
        "g1": (2, ("c2", "c1")),
    }
    assert (instance.company_prefs, instance.vetoes, instance.locks) == (
        {"c1": ("g1", "p1")},
        frozenset({("c2", "p1")}),
        {"g1": "c1"},
    )


def test_excel_style_semicolons_bom_upper_case_headers_and_blank_lines_are_accepted(tmp_path):
    folder = folder_with(
        tmp_path,
        cases="\ufeffCase_ID;Capacity;levels\r\nc1;2;LVU|MVU\r\n\r\nc2;1;\r\n".encode(),
        preferences="participant_id;size;rank;case_id;level\r\np1;1;1;c1;lvu\r\np2;1;;;\r\n",
    )

    instance = read_instance(folder)

    assert instance.cases["c1"].levels == frozenset({"lvu", "mvu"})
    assert instance.cases["c2"].levels is None
    assert instance.participants["p1"].level == "lvu"
    assert instance.participants["p2"].ranking == ()


def test_missing_column_is_reported_on_the_header_line(tmp_path):
    folder = folder_with(tmp_path, preferences="participant_id,rank,case_id\np1,1,c1\n")

    assert errors(folder) == [
        (
            "preferences.csv",
            1,
            "size",
            "Den påkrævede kolonne mangler. Overskriften skal være participant_id,size,rank,case_id.",
        )
    ]


def test_non_integer_size_names_line_and_column(tmp_path):
    folder = folder_with(tmp_path, preferences="participant_id,size,rank,case_id\np1,1,1,c1\ng1,to,1,c2\n")

    assert errors(folder) == [
        (
            "preferences.csv",
            3,
            "size",
            "»to« er ikke en gyldig størrelse; skriv antal studerende som et helt tal ≥ 1.",
        )
    ]


def test_unknown_case_in_preferences(tmp_path):
    folder = folder_with(tmp_path, preferences=PREFS + "p1,1,3,c9\n")

    assert errors(folder) == [("preferences.csv", 6, "case_id", "Casen »c9« findes ikke i cases.csv.")]


def test_duplicate_rank_for_a_participant(tmp_path):
    folder = folder_with(tmp_path, preferences="participant_id,size,rank,case_id\np1,1,1,c1\np1,1,1,c2\n")

    assert errors(folder) == [
        (
            "preferences.csv",
            3,
            "rank",
            "Deltager »p1« har allerede rang 1 (linje 2); hver rang må kun bruges én gang pr. deltager.",
        )
    ]


def test_many_errors_are_reported_together_across_files(tmp_path):
    folder = folder_with(
        tmp_path,
        cases="case_id,capacity,colour\n",
        preferences="participant_id,size,rank,case_id\np1,1,2,c1\np1,2,3,c2\np2,0,1,c1\n,1,1,c1\n",
        company_preferences="case_id,rank,participant_id\nc1,x,p1\nc1,1,p9\n",
        vetoes="case_id,participant_id\nc7,p1\n",
    )

    assert errors(folder) == [
        ("cases.csv", 1, "colour", "Ukendt kolonne. Tilladte kolonner: case_id, capacity, levels, programmes."),
        (
            "preferences.csv",
            3,
            "size",
            "Deltager »p1« har størrelse 1 på linje 2, men 2 her; størrelsen skal være den samme på alle "
            "deltagerens linjer.",
        ),
        ("preferences.csv", 4, "size", "»0« er ikke en gyldig størrelse; skriv antal studerende som et helt tal ≥ 1."),
        ("preferences.csv", 5, "participant_id", "Feltet er tomt; angiv deltagerens id."),
        ("preferences.csv", 2, "rank", "Deltager »p1«: rangerne skal være 1, 2, 3, … uden huller; rang 1 mangler."),
        ("company_preferences.csv", 2, "rank", "»x« er ikke en gyldig rang; skriv et helt tal ≥ 1."),
        ("company_preferences.csv", 3, "participant_id", "Deltageren »p9« findes ikke i preferences.csv."),
    ]


def test_unknown_case_in_vetoes_and_duplicate_company_rank(tmp_path):
    folder = folder_with(
        tmp_path,
        company_preferences="case_id,rank,participant_id\nc1,1,p1\nc1,1,g1\n",
        vetoes="case_id,participant_id\nc7,p1\n",
    )

    assert errors(folder) == [
        (
            "company_preferences.csv",
            3,
            "rank",
            "Casen »c1« har allerede rang 1 (linje 2); hver rang må kun bruges én gang pr. case.",
        ),
        ("vetoes.csv", 2, "case_id", "Casen »c7« findes ikke i cases.csv."),
    ]


def test_empty_file_and_bad_encoding(tmp_path):
    folder = folder_with(
        tmp_path, cases="", preferences="participant_id,size,rank,case_id\np1,1,1,kø\n".encode("cp1252")
    )

    assert errors(folder) == [
        ("cases.csv", 0, None, "Filen er tom; første linje skal være overskriften case_id,capacity."),
        (
            "preferences.csv",
            2,
            None,
            "Filen er ikke gyldig UTF-8 (måske gemt som ANSI/Windows-1252). Gem den som »CSV UTF-8«.",
        ),
    ]


def test_too_many_fields_on_a_line(tmp_path):
    folder = folder_with(
        tmp_path, cases="case_id,capacity\nc1,2\nc2,1,9\n", preferences="participant_id,size,rank,case_id\np1,1,1,c1\n"
    )

    assert errors(folder) == [
        (
            "cases.csv",
            3,
            None,
            "Linjen har 3 felter, men overskriften har 2. Står der et ',' i et felt, skal feltet i anførselstegn.",
        )
    ]


def test_missing_required_file_and_missing_folder(tmp_path):
    (tmp_path / "cases.csv").write_text(CASES)

    assert errors(tmp_path) == [("preferences.csv", 0, None, f"Filen mangler i mappen {tmp_path}.")]
    assert errors(tmp_path / "nope") == [(str(tmp_path / "nope"), 0, None, "Mappen findes ikke.")]


def test_a_lock_that_breaks_a_veto_is_reported_on_its_line(tmp_path):
    folder = folder_with(
        tmp_path, vetoes="case_id,participant_id\nc1,p1\n", locks="participant_id,case_id\ng1,c2\np1,c1\n"
    )

    assert errors(folder) == [
        ("locks.csv", 3, None, "Deltager p1 kan ikke låses til c1: casen har fravalgt deltageren."),
        ("locks.csv", 0, None, "Case c2: de låste deltagere fylder 2 pladser, men casen har kun 1."),
    ]


def test_error_text_has_file_line_and_column():
    from viaviden.assignment import InputProblem

    error = InputError(
        [InputProblem("preferences.csv", 4, "size", "»to« er ikke …"), InputProblem("x.csv", 0, None, "Y")]
    )

    assert error.text() == (
        "Inputtet har 2 fejl, og der er ikke lavet nogen fordeling:\n"
        "  preferences.csv, linje 4, kolonne size: »to« er ikke …\n"
        "  x.csv: Y"
    )


def test_write_assignment_has_one_line_per_participant_with_empty_case_when_unassigned(tmp_path):
    folder = folder_with(tmp_path, preferences=PREFS + "p10,1,1,c2\np2,3,1,c1\n")
    result = solve(read_instance(folder), "stable")

    write_assignment(tmp_path / "out.csv", result)

    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [
        ["participant_id", "case_id", "rank"],
        ["g1", "c1", "2"],
        ["p1", "c2", "2"],
        ["p2", "", ""],
        ["p10", "", ""],
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instances())
def test_write_instance_then_read_instance_gives_the_same_bourse(tmp_path, instance):
    write_instance(tmp_path, instance)

    assert read_instance(tmp_path) == instance
