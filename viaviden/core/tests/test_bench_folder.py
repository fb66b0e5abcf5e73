"""The bench scripts run as `python bench/NAME.py`, which puts bench/ first on sys.path, where bench/http.py
(issue 16's name) would shadow the standard library's `http` for every other bench script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench"


def test_a_script_in_the_bench_folder_imports_the_standard_librarys_http():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import http.client, urllib.request; "
            "from http import HTTPStatus; print(http.client.__file__, int(HTTPStatus.OK))")
    out = subprocess.run([sys.executable, "-c", code, str(BENCH)], capture_output=True, text=True, check=True).stdout
    path, status = out.split()
    assert not path.startswith(str(BENCH)) and path.endswith("http/client.py")
    assert status == "200"
