"""The platform served for real: gunicorn (config/gunicorn.conf.py, 2 sync workers) under 20 concurrent clients.

    python bench/http.py            # demo data + 20,000 cases + 50,000 candidates, 20 s per endpoint
    python bench/http.py --quick    # demo data +  2,000 cases +  5,000 candidates,  4 s per endpoint
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h16 python bench/http.py

Database: DATABASE_URL, or a SQLite file under var/bench/ (one per size). The data are made once and kept
between runs (the SQLite file, or the PostgreSQL database itself, plus a state file var/bench/http-*.json with
the API token and the need ids): migrate, reference data, `load_demo_data`, then the seeded synthetic cases of
bench/cases_search.py (indexed with `search.reindex_all()`) and the seeded candidates and 100 needs of
bench/matching_api.py. `--reset` makes them anew (it empties the database first). A PostgreSQL database that
holds other data and no state file is refused.

Servers, side by side, on 127.0.0.1 ports 8400-8401 (`--port`): bare Django (config.settings.bench_bare: no
project app, no middleware, one "hello" view) and the project (config.settings.bench: the production settings
over plain HTTP, plus /bench/hello behind the whole middleware stack), each `gunicorn -c config/gunicorn.conf.py`
with GUNICORN_WORKERS=2. Load: Debian's `wrk` (2 threads, 20 connections; a Lua script cycles over the paths and
prints the latency percentiles), in rounds (`--rounds`, 4; 2 with --quick): each round gives bare Django, the
hello view and every endpoint a slice of the time per endpoint, one after the other, so a shared machine's
changing load falls on both sides of every ratio. Per endpoint: requests/s over all its slices, p50/p95/p99
(the median of the slices' own), errors (connect/read/write/timeouts and statuses >= 400), and the ratio of its
requests/s to the project's hello view (the floor) and to bare Django's: the median of the rounds' ratios.

First request: the project's server is started, and once it is ready — /readyz answers 200, as a load balancer
polling it would route traffic (docs/operations.md) — one request to the case search, the suggestions and the
guide index each is timed; over three starts (`--starts`), the median of each against the same request once
warm (median of 5, one at a time, past the page cache). For the record, a separate start times one case search
sent the moment the socket accepts, before any worker has finished its warm-up (gunicorn opens the socket
before it forks them).

Prints the figures, the goals (issue 16) and, as its last line, one JSON object.
"""

from __future__ import annotations

import sys

# This file is bench/http.py, and Python puts a script's folder first on sys.path: every other bench script run
# as `python bench/NAME.py` finds this file when it (or Django, urllib …) imports the standard library's `http`.
# Imported under that name, it hands the import over to the standard library's package.
if __name__ == "http":
    import importlib.util
    import sysconfig

    _stdlib = sysconfig.get_paths()["stdlib"] + "/http"
    _spec = importlib.util.spec_from_file_location("http", _stdlib + "/__init__.py",
                                                   submodule_search_locations=[_stdlib])
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["http"] = _module  # the import statement returns what sys.modules holds once this file has run
    _spec.loader.exec_module(_module)
else:
    # Run as a script: its own folder first on sys.path would shadow the standard library's `http`.
    _HERE = __file__.rsplit("/", 1)[0] or "."
    sys.path[:] = [p for p in sys.path if p not in (_HERE, "")] + [_HERE]
# ruff: noqa: E402

import argparse
import hashlib
import io
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
SEED = 20261206
CONNECTIONS = 20
THREADS = 2
WORKERS = 2
ENDPOINTS = {  # name: (path or paths, needs the API token)
    "front": ("/", False),
    "cases_search": ("/cases/?q=energi&kind=article", False),
    "guide_index": ("/kompetenceguide/", False),
    "api_matches": ("/api/matches", True),
    "api_suggestions": (None, True),  # /api/suggestions/needs/{id} over the 100 bench needs
    "openapi": ("/api/openapi.json", False),
}
GOALS = {  # ratio of requests/s to the floor (the project's hello view), issue 16
    "front": 0.3, "cases_search": 0.3, "guide_index": 0.3, "api_matches": 0.15, "api_suggestions": 0.15,
    "openapi": 0.5,
}
GOAL_FLOOR_TO_BARE = 0.7
ENV = {
    "SECRET_KEY": "bench-http-secret-key-not-for-production-0123456789abcdef",
    "PERSON_KEY_PEPPER": "bench-http-pepper-0123456789",
    "SITE_URL": "http://127.0.0.1",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "ALLOW_CONSOLE_EMAIL": "1",
    "SECURE_SSL_REDIRECT": "0",
    "TRUSTED_PROXY_COUNT": "0",
    "LOG_LEVEL": "WARNING",
}
WRK_LUA = r"""
local paths = {%(paths)s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, ' ..
    '"timeout": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing Debian's package (apt-get install -y wrk) ...")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
        path = shutil.which("wrk")
        if path:
            return path
    sys.exit("bench/http.py needs Debian's wrk: run 'sudo apt-get install wrk' (scripts/bootstrap.sh dev does it).")


# --- Data: made once, kept between runs ---------------------------------------------------------------------

def database_url(quick: bool) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    VAR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR / ('http-quick.sqlite3' if quick else 'http.sqlite3')}"


def state_path(db_url: str, n_cases: int, n_candidates: int) -> Path:
    key = hashlib.sha256(f"{db_url}|{n_cases}|{n_candidates}|{SEED}".encode()).hexdigest()[:12]
    return VAR / f"http-{key}.json"


def prepare(db_url: str, n_cases: int, n_candidates: int, reset: bool) -> dict:
    """Migrated, demo-filled and bench-filled database; returns the state (token, need ids)."""
    VAR.mkdir(parents=True, exist_ok=True)
    state_file = state_path(db_url, n_cases, n_candidates)
    os.environ.update(ENV)
    os.environ["DATABASE_URL"] = db_url
    os.environ["ALLOW_LOCAL_CACHE"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    sys.path.insert(0, str(ROOT))
    if reset:
        state_file.unlink(missing_ok=True)
        if db_url.startswith("sqlite:///"):
            for suffix in ("", "-wal", "-shm"):
                Path(db_url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if reset and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    # Production settings serve hashed static names from the manifest (WhiteNoise): collect them once.
    from django.conf import settings

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)
    from viaviden.candidates.models import Candidate
    from viaviden.cases.models import Case
    from viaviden.organisations.models import ApiToken, Organisation, User

    if state_file.exists():
        state = json.loads(state_file.read_text())
        if (Case.objects.filter(slug=f"bench-case-{n_cases - 1}").exists()
                and Candidate.objects.filter(is_synthetic=True, email__startswith="bench-kandidat-").count() == n_candidates
                and ApiToken.objects.filter(prefix=state["token"][:8]).exists()):
            print(f"Data: kept from an earlier run ({state_file.relative_to(ROOT)})")
            tidy(connection)
            connection.close()
            return state
    if Case.objects.filter(slug__startswith="bench-case-").exists() or Candidate.objects.filter(is_synthetic=True).exists():
        sys.exit("The database holds bench data of another size or run; use --reset (it empties the database).")
    import cases_search
    import matching_api

    from viaviden.cases import search
    from viaviden.reference.loader import load_reference_data

    t0 = time.perf_counter()
    load_reference_data()
    call_command("load_demo_data", verbosity=0, stdout=io.StringIO())
    demo_s = time.perf_counter() - t0
    rng = random.Random(SEED)
    user = User.objects.create_user("bench-http", role=User.Role.COORDINATOR, email="bench-http@example.invalid",
                                    organisation=Organisation.objects.get(slug="koordinationsgruppen"))
    t0 = time.perf_counter()
    cases_search.fill(n_cases, rng, user)
    search.reindex_all()
    cases_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    filled = matching_api.fill(n_candidates, rng)
    candidates_s = time.perf_counter() - t0
    tidy(connection)
    _token, raw = ApiToken.issue(user=user, name="bench-http")
    state = {"token": raw, "needs": filled["needs"], "cases": n_cases, "candidates": n_candidates}
    state_file.write_text(json.dumps(state))
    print(f"Data: made anew — demo data {demo_s:.0f} s, {n_cases:,} cases with index {cases_s:.0f} s, "
          f"{n_candidates:,} candidates {candidates_s:.0f} s")
    connection.close()
    return state


def tidy(connection) -> None:
    """The database as a running one is kept: on PostgreSQL `VACUUM ANALYZE`, what autovacuum does in production
    (this machine's PostgreSQL runs with autovacuum off: without it the bench data's 50,000 dead candidate rows
    and unset visibility map stayed in every scan for good); on SQLite `ANALYZE`. Run at every start, so data
    kept from an earlier run are measured the same way."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# --- Servers and load ---------------------------------------------------------------------------------------

def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Server:
    def __init__(self, settings: str, port: int, db_url: str, log: Path):
        self.port = port
        env = {**os.environ, **ENV, "DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": settings,
               "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(WORKERS), "GUNICORN_THREADS": "1",
               "ALLOW_LOCAL_CACHE": "1", "PYTHONPATH": str(ROOT)}
        env.pop("REDIS_URL", None)
        if port_open(port):
            sys.exit(f"Port {port} is taken; pick another with --port.")
        self.log = log.open("w")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py")],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 600
        while not port_open(port):
            if self.proc.poll() is not None:
                sys.exit(f"gunicorn ({settings}) stopped at start; see {log}")
            if time.monotonic() > deadline:
                self.stop()
                sys.exit(f"gunicorn ({settings}) did not start within 600 s; see {log}")
            time.sleep(0.05)
        self.accepting_s = time.perf_counter() - self.started

    def wait_ready(self) -> None:
        """Polls /readyz as a load balancer does (docs/operations.md) until a worker answers 200: gunicorn's
        master opens the socket before it forks the workers, which warm up before they accept."""
        deadline = time.monotonic() + 120
        while fetch(self.port, "/readyz")[0] != 200:
            if time.monotonic() > deadline:
                self.stop()
                sys.exit(f"/readyz did not answer 200 within 120 s; see {self.log.name}")
            time.sleep(0.01)
        self.ready_s = time.perf_counter() - self.started

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def fetch(port: int, path: str, token: str | None = None) -> tuple[int, float]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, (time.perf_counter() - t0) * 1000


def run_wrk(wrk: str, port: int, paths: list[str], seconds: float, token: str | None, workdir: Path) -> dict:
    script = workdir / "paths.lua"
    script.write_text(WRK_LUA % {"paths": ", ".join(json.dumps(p) for p in paths)})
    cmd = [wrk, "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds:g}s", "--timeout", "30s",
           "-s", str(script)]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run([*cmd, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("WRKJSON "))
    raw = json.loads(line.removeprefix("WRKJSON "))
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    return {
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1), "requests": raw["requests"],
        "p50_ms": round(raw["p50_us"] / 1000, 1), "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1), "errors": errors,
        "error_kinds": {k: raw[k] for k in ("connect", "read", "write", "status", "timeout") if raw[k]},
    }


def combine(parts: list[dict]) -> dict:
    """One series' slices as one figure: requests/s over the whole time; the latency percentiles are the median
    of the slices' own (wrk reports percentiles per run, which cannot be merged exactly)."""
    requests = sum(p["requests"] for p in parts)
    seconds = sum(p["requests"] / p["rps"] for p in parts if p["rps"])
    kinds: dict[str, int] = {}
    for p in parts:
        for kind, n in p["error_kinds"].items():
            kinds[kind] = kinds.get(kind, 0) + n
    return {
        "rps": round(requests / seconds, 1) if seconds else 0.0, "requests": requests,
        **{key: round(statistics.median(p[key] for p in parts), 1) for key in ("p50_ms", "p95_ms", "p99_ms")},
        "errors": sum(p["errors"] for p in parts), "error_kinds": kinds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 cases, 5,000 candidates, 4 s per endpoint")
    parser.add_argument("--seconds", type=float, help="seconds of load per endpoint (20, or 4 with --quick)")
    parser.add_argument("--port", type=int, default=8400, help="first of two ports (default 8400)")
    parser.add_argument("--reset", action="store_true", help="make the data anew (empties the database)")
    parser.add_argument("--rounds", type=int, help="rounds over all the series (4, or 2 with --quick)")
    parser.add_argument("--only", help="comma-separated endpoint names (the floors are always measured)")
    parser.add_argument("--starts", type=int, default=3, help="server starts whose first requests are timed (3)")
    args = parser.parse_args()
    n_cases, n_candidates = (2_000, 5_000) if args.quick else (20_000, 50_000)
    seconds = args.seconds or (4.0 if args.quick else 20.0)
    rounds = max(1, args.rounds or (2 if args.quick else 4))
    names = [n for n in ENDPOINTS if not args.only or n in args.only.split(",")]
    starts = max(1, args.starts)
    wrk = ensure_wrk()
    db_url = database_url(args.quick)
    state = prepare(db_url, n_cases, n_candidates, args.reset)
    vendor = "postgresql" if db_url.startswith(("postgres", "postgis")) else "sqlite"
    token = state["token"]
    print(f"Database: {vendor}; demo data + {n_cases:,} cases + {n_candidates:,} candidates; gunicorn "
          f"{WORKERS} sync workers; wrk {THREADS} threads, {CONNECTIONS} connections, {seconds:g} s per endpoint "
          f"in {rounds} rounds")
    load_before = load_average()
    workdir = Path(tempfile.mkdtemp(prefix="viaviden-bench-http-"))
    slices: dict[str, list[dict]] = {}
    try:
        # Both servers run side by side (an idle one costs nothing) and every series is measured in each round,
        # one short slice after the other: the ratios compare slices taken minutes, not a quarter hour, apart,
        # so a shared machine's changing load moves both sides of a ratio alike.
        bare = Server("config.settings.bench_bare", args.port + 1, db_url, VAR / "http-gunicorn-bare.log")
        try:
            assert fetch(bare.port, "/bench/hello")[0] == 200
            # The first case search sent the moment the socket accepts, before any worker is ready: for the
            # record (the goal is measured as a load balancer sends traffic, after /readyz, below).
            probe = Server("config.settings.bench", args.port, db_url, VAR / "http-gunicorn.log")
            try:
                status, at_accept_ms = fetch(probe.port, ENDPOINTS["cases_search"][0])
                if status != 200:
                    sys.exit(f"cases_search: status {status} at the first request; see {probe.log.name}")
            finally:
                probe.stop()
            suggestion_paths = [f"/api/suggestions/needs/{pk}?k=20" for pk in state["needs"]]
            first_requests = (("cases_search", ENDPOINTS["cases_search"][0], None),
                              ("api_suggestions", suggestion_paths[0], token),
                              ("guide_index", ENDPOINTS["guide_index"][0], None))
            samples: dict[str, list[float]] = {name: [] for name, _path, _auth in first_requests}

            def time_first_requests(server: Server) -> None:
                server.wait_ready()
                for name, path, auth in first_requests:
                    status, ms = fetch(server.port, path, auth)
                    if status != 200:
                        sys.exit(f"{name}: status {status} at the first request; see {server.log.name}")
                    samples[name].append(round(ms, 1))

            # The first requests after a start, over `starts` starts (one sample each is at the mercy of whatever
            # else the shared machine does in those milliseconds); the last start goes on to the load.
            for _start in range(starts - 1):
                again = Server("config.settings.bench", args.port, db_url, VAR / "http-gunicorn.log")
                try:
                    time_first_requests(again)
                finally:
                    again.stop()
            server = Server("config.settings.bench", args.port, db_url, VAR / "http-gunicorn.log")
            try:
                time_first_requests(server)
                first = {name: statistics.median(values) for name, values in samples.items()}
                warm_one: dict[str, float] = {}
                # The same requests again, one at a time, once the process is warm: a parameter the views ignore
                # keeps the page cache out, so they do the first request's work (search, ranking, render).
                for name, path, auth in first_requests:
                    sep = "&" if "?" in path else "?"
                    times = [fetch(server.port, f"{path}{sep}warm={i}", auth)[1] for i in range(5)]
                    warm_one[name] = round(sorted(times)[2], 1)
                series = [("bare", bare.port, ["/bench/hello"], None), ("hello", server.port, ["/bench/hello"], None)]
                for name in names:
                    path, auth = ENDPOINTS[name]
                    paths = suggestion_paths if name == "api_suggestions" else [path]
                    status, _ms = fetch(server.port, paths[0], token if auth else None)
                    if status != 200:
                        print(f"{name}: {paths[0]} answered {status}", file=sys.stderr)
                    series.append((name, server.port, paths, token if auth else None))
                for _round in range(rounds):
                    for name, port, paths, auth in series:
                        slices.setdefault(name, []).append(run_wrk(wrk, port, paths, seconds / rounds, auth, workdir))
            finally:
                server.stop()
        finally:
            bare.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results = {name: combine(parts) for name, parts in slices.items()}
    # Each ratio is the median over the rounds of the ratio within the round.
    ratios = {name: statistics.median(p["rps"] / h["rps"] for p, h in zip(parts, slices["hello"], strict=True))
              for name, parts in slices.items()}
    ratios_bare = {name: statistics.median(p["rps"] / b["rps"] for p, b in zip(parts, slices["bare"], strict=True))
                   for name, parts in slices.items()}
    load_after = load_average()

    hello, bare_r = results["hello"], results["bare"]
    floor_ratio = ratios_bare["hello"]
    print(f"\nLoad average: {load_before} before, {load_after} after (2 cores, shared)")
    print(f"Project server accepting connections {server.accepting_s:.1f} s after start, ready (/readyz 200) "
          f"{server.ready_s:.1f} s after start")
    print(f"{'endpoint':<18}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
          f"{'/floor':>8}{'/bare':>8}  {'goal':<9}")
    rows = [("bare Django", "bare", None), ("hello (floor)", "hello", None)] + [(n, n, GOALS[n]) for n in names]
    endpoints: dict[str, dict] = {}
    failures: list[str] = []
    for label, key, goal in rows:
        r, ratio, ratio_bare = results[key], ratios[key], ratios_bare[key]
        ok = "" if goal is None else ("ok" if ratio >= goal else "MISS")
        print(f"{label:<18}{r['rps']:>9,.0f}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}{r['errors']:>8}"
              f"{ratio:>8.2f}{ratio_bare:>8.2f}  {(f'{goal:g} ' + ok) if goal else '':<9}")
        if r["errors"]:
            failures.append(f"{label}: {r['errors']} errors {r['error_kinds']}")
        if goal is not None:
            endpoints[label] = {**r, "ratio": round(ratio, 3), "ratio_bare": round(ratio_bare, 3), "goal": goal,
                                "ok": ratio >= goal}
            if ratio < goal:
                failures.append(f"{label}: {ratio:.2f}x the floor, goal {goal:g}x")
    if floor_ratio < GOAL_FLOOR_TO_BARE:
        failures.append(f"floor: {floor_ratio:.2f}x bare Django, goal {GOAL_FLOOR_TO_BARE:g}x")
    print(f"Floor: the project's middleware serves {floor_ratio:.2f}x bare Django's requests/s "
          f"(goal >= {GOAL_FLOOR_TO_BARE:g})")
    first_out = {}
    for name, ms in first.items():
        warm = warm_one[name]
        under_load = endpoints[name]["p50_ms"] if name in endpoints else None
        first_out[name] = {"first_request_ms": ms, "samples_ms": samples[name], "warm_request_ms": warm,
                           "ratio": round(ms / warm, 2), "warm_p50_under_load_ms": under_load}
        print(f"First request after start (once ready), {name}: {ms:,.0f} ms (median of {len(samples[name])} starts: "
              f"{', '.join(f'{v:g}' for v in samples[name])}) = {ms / warm:.1f}x the same request once warm "
              f"({warm:,.0f} ms, median of 5, one at a time; goal: within 2x)")
        if ms > 2 * warm:
            failures.append(f"first request {name}: {ms:.0f} ms > 2x warm {warm} ms")
    warm = warm_one["cases_search"]
    first_out["cases_search"]["at_accept_ms"] = round(at_accept_ms, 1)
    print(f"First case search sent as the socket accepts, before the workers are ready: {at_accept_ms:,.0f} ms = "
          f"{at_accept_ms / warm:.1f}x warm (for the record; it waits for a worker's warm-up)")
    print("Goals met." if not failures else "Goals missed: " + "; ".join(failures))
    out = {
        "benchmark": "http", "quick": args.quick, "workers": WORKERS, "connections": CONNECTIONS,
        "seconds_per_endpoint": seconds, "rounds": rounds, "database": vendor, "cases": n_cases, "candidates": n_candidates,
        "load_average": [load_before, load_after],
        "floor": {"hello_rps": hello["rps"], "bare_rps": bare_r["rps"], "ratio": round(floor_ratio, 3),
                  "ratio_per_round": [round(h["rps"] / b["rps"], 3) for h, b in zip(slices["hello"], slices["bare"],
                                                                                     strict=True)],
                  "hello": hello, "bare": bare_r},
        "endpoints": endpoints, "accepting_s": round(server.accepting_s, 2),
        "ready_s": round(server.ready_s, 2), "first_request": first_out,
        "goals_met": not failures,
    }
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
