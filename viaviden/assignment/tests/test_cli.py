"""The command line entry `main(argv)` end to end on a temporary folder."""

import io
import json

from viaviden.assignment.cli import main


def bourse(folder):
    (folder / "cases.csv").write_text("case_id,capacity\nA,3\nB,1\n", encoding="utf-8")
    (folder / "preferences.csv").write_text(
        "participant_id,size,rank,case_id\na,1,1,A\na,1,2,B\nb,1,1,B\nb,1,2,A\ng,3,1,A\nh,2,,\n", encoding="utf-8"
    )
    (folder / "company_preferences.csv").write_text(
        "case_id,rank,participant_id\nA,1,b\nA,2,g\nB,1,a\n", encoding="utf-8"
    )
    return folder


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_stable_mode_writes_the_file_and_prints_a_danish_summary(tmp_path):
    output = tmp_path / "out.csv"

    code, out, err = run("--input", str(bourse(tmp_path)), "--mode", "stable", "--output", str(output))

    assert (code, err) == (0, "")
    assert output.read_text(encoding="utf-8") == "participant_id,case_id,rank\na,B,2\nb,A,2\ng,,\nh,,\n"
    assert out.splitlines() == [
        "Børsfordeling: stabil (deltagerforeslået udskudt accept)",
        "Cases: 2 med 4 pladser i alt. Deltagere: 4 (2 enkeltpersoner, 2 grupper), 7 studerende.",
        "Placeret: 2 af 4 deltagere, 2 af 7 studerende.",
        "Samlet rang: 4 (gennemsnit 2,00 pr. placeret studerende; 1 er bedst).",
        out.splitlines()[4],  # the time taken
        "Rangfordeling:",
        "  1. prioritet: 0 deltagere (0 studerende)",
        "  2. prioritet: 2 deltagere (2 studerende)",
        "Ikke placeret (2):",
        "  g (gruppe på 3): Der var ikke 3 ledige pladser på nogen af deltagerens acceptable cases (A: 2 ledige).",
        "  h (gruppe på 2): Deltageren har ikke prioriteret nogen cases.",
        "Verifikation: Gyldig fordeling, men ikke stabil: 1 blokerende par.",
        "  Blokerende par: Deltager a foretrækker case A (nr. 1) frem for sin case B (nr. 2), og case A har 2 "
        "ledige pladser.",
        f"Fordelingen er skrevet til {output}.",
    ]
    assert out.splitlines()[4].startswith("Beregning: udskudt accept, ")


def test_optimal_mode_with_json(tmp_path):
    output = tmp_path / "out.csv"

    code, out, _ = run("--input", str(bourse(tmp_path)), "--mode", "optimal", "--output", str(output), "--json")

    data = json.loads(out)
    assert code == 0
    assert (data["ok"], data["placement"], data["seated_students"], data["total_rank"]) == (
        True,
        {"b": "B", "g": "A"},
        4,
        4,
    )
    assert (data["proven_optimal"], data["verdict"]["feasible"], data["rank_distribution"]) == (True, True, [2])
    assert [u["reason"] for u in data["unassigned"]] == ["no_room", "no_preferences"]
    assert output.read_text(encoding="utf-8") == "participant_id,case_id,rank\na,,\nb,B,1\ng,A,1\nh,,\n"


def test_bad_input_exits_2_with_danish_errors_and_writes_nothing(tmp_path):
    folder = bourse(tmp_path)
    (folder / "preferences.csv").write_text("participant_id,size,rank,case_id\na,to,1,A\na,1,1,B\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    output_before = list(tmp_path.iterdir())

    code, out, err = run("--input", str(folder), "--mode", "stable", "--output", str(output))

    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "Inputtet har 4 fejl, og der er ikke lavet nogen fordeling:",
        "  preferences.csv, linje 2, kolonne size: »to« er ikke en gyldig størrelse; skriv antal studerende som et "
        "helt tal ≥ 1.",
        "  preferences.csv, linje 3, kolonne rank: Deltager »a« har allerede rang 1 (linje 2); hver rang må kun "
        "bruges én gang pr. deltager.",
        "  company_preferences.csv, linje 2, kolonne participant_id: Deltageren »b« findes ikke i preferences.csv.",
        "  company_preferences.csv, linje 3, kolonne participant_id: Deltageren »g« findes ikke i preferences.csv.",
    ]
    assert list(tmp_path.iterdir()) == output_before


def test_bad_input_with_json_lists_the_errors(tmp_path):
    folder = bourse(tmp_path)
    (folder / "cases.csv").write_text("case_id\nA\n", encoding="utf-8")

    code, out, _ = run("--input", str(folder), "--mode", "optimal", "--output", str(tmp_path / "o.csv"), "--json")

    assert code == 2
    assert json.loads(out)["errors"][0] == {
        "file": "cases.csv",
        "line": 1,
        "column": "capacity",
        "message": "Den påkrævede kolonne mangler. Overskriften skal være case_id,capacity.",
    }
    assert not (tmp_path / "o.csv").exists()


def test_output_folder_must_exist_and_mode_must_be_known(tmp_path):
    folder = bourse(tmp_path)

    code, _, err = run("--input", str(folder), "--mode", "stable", "--output", str(tmp_path / "no" / "out.csv"))
    assert (code, err.strip()) == (2, f"Mappen til outputfilen findes ikke: {tmp_path / 'no'}")

    assert run("--input", str(folder), "--mode", "best", "--output", str(tmp_path / "o.csv"))[0] == 2
    assert not (tmp_path / "o.csv").exists()


def test_locks_file_is_honoured(tmp_path):
    folder = bourse(tmp_path)
    (folder / "locks.csv").write_text("participant_id,case_id\na,A\n", encoding="utf-8")
    output = tmp_path / "out.csv"

    code, out, _ = run("--input", str(folder), "--mode", "optimal", "--output", str(output))

    assert code == 0
    assert "Låste placeringer: 1." in out
    assert output.read_text(encoding="utf-8") == "participant_id,case_id,rank\na,A,1\nb,B,1\ng,,\nh,,\n"
