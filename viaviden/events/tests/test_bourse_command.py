"""`manage.py assign_bourse`: a thin wrapper around viaviden.assignment.cli.main (same options, output and exit
codes)."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from viaviden.assignment import cli
from viaviden.events.management.commands.assign_bourse import Command

ROOT = Path(__file__).resolve().parents[3]


def _bourse(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cases.csv").write_text("case_id,capacity\nA,3\nB,1\n", encoding="utf-8")
    (folder / "preferences.csv").write_text(
        "participant_id,size,rank,case_id\na,1,1,A\na,1,2,B\nb,1,1,B\nb,1,2,A\ng,3,1,A\n", encoding="utf-8"
    )
    (folder / "company_preferences.csv").write_text("case_id,rank,participant_id\nA,1,b\nA,2,g\nB,1,a\n",
                                                    encoding="utf-8")
    return folder


def test_optimal_writes_the_file_and_the_danish_summary(tmp_path):
    out, err = StringIO(), StringIO()
    target = tmp_path / "result.csv"
    call_command("assign_bourse", "--input", str(_bourse(tmp_path / "in")), "--mode", "optimal", "--output",
                 str(target), stdout=out, stderr=err)
    assert target.read_text(encoding="utf-8").splitlines() == ["participant_id,case_id,rank", "a,,", "b,B,1", "g,A,1"]
    assert "Placeret: 2 af 3 deltagere, 4 af 5 studerende." in out.getvalue()
    assert err.getvalue() == ""


def test_stable_json_is_one_object(tmp_path):
    out = StringIO()
    call_command("assign_bourse", "--input", str(_bourse(tmp_path / "in")), "--mode", "stable", "--output",
                 str(tmp_path / "r.csv"), "--json", stdout=out, stderr=StringIO())
    data = json.loads(out.getvalue())
    assert (data["ok"], data["mode"], data["placement"]) == (True, "stable", {"a": "B", "b": "A"})
    assert len(data["verdict"]["blocking_pairs"]) == 1


def test_bad_input_exits_2_with_row_errors_and_writes_nothing(tmp_path):
    folder = _bourse(tmp_path / "in")
    (folder / "preferences.csv").write_text("participant_id,size,rank,case_id\na,to,1,A\nb,1,1,C9\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("assign_bourse", "--input", str(folder), "--mode", "stable", "--output",
                     str(tmp_path / "r.csv"), stdout=StringIO(), stderr=err)
    assert exc.value.returncode == 2
    assert "preferences.csv, linje 2, kolonne size" in err.getvalue()
    assert "Casen »C9« findes ikke i cases.csv." in err.getvalue()
    assert not (tmp_path / "r.csv").exists()


def test_the_command_has_exactly_the_options_of_the_solver_command_line():
    ours = {s for a in Command().create_parser("manage.py", "assign_bourse")._actions for s in a.option_strings}
    theirs = {s for a in cli._parser()._actions for s in a.option_strings}
    assert theirs <= ours


def test_manage_py_exit_code_is_the_solver_s(tmp_path):
    run = subprocess.run(
        [sys.executable, "manage.py", "assign_bourse", "--input", str(tmp_path / "missing"), "--mode", "stable",
         "--output", str(tmp_path / "r.csv")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 2
    assert "Mappen findes ikke" in run.stderr
