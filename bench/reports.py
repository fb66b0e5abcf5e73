"""Benchmark of the status report: the yearly report with 200,000 matches as JSON, HTML and PDF, and the
progress dashboard's server time in the same run (the ratio shows what the report costs beyond it).

    python bench/reports.py            # 200,000 matches
    python bench/reports.py --quick    #  20,000 matches

Uses its own database: a temporary SQLite file, or DATABASE_URL if set (it must hold no matches). The
matches are filled the way bench/registry.py fills them (every partner, municipality, type, level and
status over the whole period). Goals: PDF < 10 s, JSON < 2 s. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from registry import SEED, bulk_fill, setup_django, synthetic_cvrs  # noqa: E402

GOAL_JSON_S = 2.0
GOAL_PDF_S = 10.0
RUNS = 3


CPU_TIMES: dict[int, float] = {}  # id(result) → median CPU time of the calls that made it


def timed(fn, runs: int = RUNS, before_each=None) -> tuple[float, object]:
    """Median wall time of `runs` calls (seconds) and the last result. The median CPU time of this process
    (`time.process_time`) is kept too: on a shared machine the wall time grows with the load average, the CPU
    time hardly (WeasyPrint's layout is pure Python on one core)."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        if before_each is not None:
            before_each()
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU_TIMES[id(result)] = statistics.median(cpu)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20,000 matches")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database")
    args = parser.parse_args()
    total = 20_000 if args.quick else 200_000

    db_url, cleanup = setup_django(args.keep)
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from viaviden.companies.models import Company
    from viaviden.matches.models import Match
    from viaviden.organisations.models import Organisation, User
    from viaviden.reference.loader import load_reference_data
    from viaviden.reference.models import Municipality
    from viaviden.reports.render import render_html, render_json, render_pdf
    from viaviden.reports.services import report_build

    rng = random.Random(SEED)
    print(f"Database: {connection.vendor} ({'temporary file' if cleanup else db_url.split('@')[-1]})")
    try:
        call_command("migrate", verbosity=0)
        load_reference_data()
        if Match.objects.exists():
            print("The database already holds matches; point DATABASE_URL to an empty database.", file=sys.stderr)
            return 2
        coordinator = User.objects.create_user(
            "bench-coordinator", password="bench-password-0123", role=User.Role.COORDINATOR,
            organisation=Organisation.objects.get(slug="koordinationsgruppen"),
        )
        device = TOTPDevice.objects.create(user=coordinator, name="bench", confirmed=True)
        munis = list(Municipality.objects.values_list("code", flat=True))
        Company.objects.bulk_create([
            Company(cvr=cvr, name=f"Syntetisk Virksomhed {i} ApS", municipality_id=rng.choice(munis), is_synthetic=True)
            for i, cvr in enumerate(synthetic_cvrs(max(total // 20, 10), rng))
        ], batch_size=2000)
        t0 = time.perf_counter()
        bulk_fill(total, rng, coordinator)
        print(f"Bulk fill: {Match.objects.count():,} matches in {time.perf_counter() - t0:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        # A server imports WeasyPrint (and loads its fonts) once per process: do it before timing.
        t0 = time.perf_counter()
        render_pdf({"language": "da", "title": "warm-up", "sections": [], "programme": {"name": ""}, "as_of": "",
                    "synthetic_data": False})
        warm_up_s = time.perf_counter() - t0
        print(f"WeasyPrint import and first page (once per process): {warm_up_s:.2f} s")

        as_of = dt.date(2022, 6, 30)
        build = lambda: report_build(kind="yearly", as_of=as_of)  # noqa: E731
        json_s, data = timed(lambda: render_json(build()))
        # The match figures come from matches.progress' aggregate cache (kept until a match changes): cold,
        # the cache emptied before each build, like the dashboard's figure below.
        json_cold_s, _j = timed(lambda: render_json(build()), before_each=cache.clear)
        report = json.loads(data)
        build_s, _r = timed(build)
        html_s, html = timed(lambda: render_html(build(), links=True))
        pdf_s, pdf = timed(lambda: render_pdf(build()), runs=2)
        pdf_render_s, _p = timed(lambda: render_pdf(report), runs=2)
        headline = report["sections"][0]["figures"][0]["value"]
        print(f"Yearly report as of {as_of} ({headline:,} matches counted):")
        print(f"  figures (build): {build_s:.2f} s")
        print(f"  JSON: {json_s:.2f} s ({len(data) / 1e3:.0f} kB; goal < {GOAL_JSON_S:.0f} s); "
              f"with the aggregate cache emptied before each: {json_cold_s:.2f} s")
        print(f"  HTML: {html_s:.2f} s ({len(html) / 1e3:.0f} kB)")
        json_cpu_s, pdf_cpu_s = CPU_TIMES[id(data)], CPU_TIMES[id(pdf)]
        print(f"  PDF:  {pdf_s:.2f} s ({len(pdf) / 1e3:.0f} kB; goal < {GOAL_PDF_S:.0f} s), "
              f"of which rendering {pdf_render_s:.2f} s")
        print(f"  CPU time of this process (load-independent): JSON {json_cpu_s:.2f} s, PDF {pdf_cpu_s:.2f} s "
              f"(the rest of the wall time is waiting for a core and, on PostgreSQL, the database server)")

        client = Client()
        client.force_login(coordinator)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        assert client.get("/fremdrift/").status_code == 200
        # Cold: the dashboard's aggregate cache emptied before each request, like the report (which has none).
        dash_s, _d = timed(lambda: client.get("/fremdrift/"), runs=5, before_each=cache.clear)
        page_s, _pg = timed(lambda: client.get("/rapporter/", {"kind": "yearly", "as_of": as_of.isoformat(),
                                                                "language": "da"}), runs=3)
        print(f"  dashboard (cold cache, same run): {dash_s * 1000:.0f} ms; report page on screen: {page_s:.2f} s")
        print(f"  ratio to the dashboard: JSON {json_s / dash_s:.1f}×, HTML {html_s / dash_s:.1f}×, "
              f"PDF {pdf_s / dash_s:.1f}×")

        figures = {
            "benchmark": "reports",
            "quick": args.quick,
            "database": connection.vendor,
            "matches": Match.objects.count(),
            "counted_as_of": headline,
            "build_s": round(build_s, 3),
            "json_s": round(json_s, 3),
            "json_cold_s": round(json_cold_s, 3),
            "json_bytes": len(data),
            "html_s": round(html_s, 3),
            "pdf_s": round(pdf_s, 3),
            "pdf_render_s": round(pdf_render_s, 3),
            "json_cpu_s": round(json_cpu_s, 3),
            "pdf_cpu_s": round(pdf_cpu_s, 3),
            "load_average_1min": round(os.getloadavg()[0], 2),
            "pdf_bytes": len(pdf),
            "pdf_warm_up_s": round(warm_up_s, 3),
            "page_s": round(page_s, 3),
            "dashboard_cold_s": round(dash_s, 3),
            "ratio_json": round(json_s / dash_s, 2),
            "ratio_html": round(html_s / dash_s, 2),
            "ratio_pdf": round(pdf_s / dash_s, 2),
            "goal_json_s": GOAL_JSON_S,
            "goal_pdf_s": GOAL_PDF_S,
            "json_ok": max(json_s, json_cold_s) < GOAL_JSON_S,
            "pdf_ok": pdf_s < GOAL_PDF_S,
        }
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    finally:
        connection.close()
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
