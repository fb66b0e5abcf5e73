"""Property-based fuzzing of the whole API (issue 13): schemathesis generates requests for every operation
of /api/openapi.json and sends them in-process through Django's WSGI handler, with a coordinator's and a
partner's Bearer token.

    python bench/fuzz.py                 # 30 examples per operation and token (≈ 6,000 requests)
    python bench/fuzz.py --quick         #  3 examples per operation and token
    python bench/fuzz.py --examples 50
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_fuzz python bench/fuzz.py

Uses its own database: a temporary SQLite file, or DATABASE_URL if set (the benchmark migrates it, loads the
reference data and the synthetic demo data, so paths with real ids and slugs exist, and creates two users).
Each response is checked as in the suite (viaviden/api/tests/fuzzing.py): no 5xx, a declared status code,
the declared content type and response schema. Prints the counts, the first failures, and as its last line
one JSON object: {"requests", "server_errors", "schema_violations", ...}.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> tuple[str, Path | None]:
    tmpdir = None
    if not os.environ.get("DATABASE_URL"):
        tmpdir = Path(tempfile.mkdtemp(prefix="viaviden-bench-fuzz-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return os.environ["DATABASE_URL"], tmpdir


def prepare(demo: bool) -> dict[str, str]:
    from django.core.management import call_command

    from viaviden.organisations.models import ApiToken, User
    from viaviden.organisations.tests.factories import UserFactory
    from viaviden.reference.loader import load_reference_data

    call_command("migrate", verbosity=0)
    load_reference_data()
    if demo:
        call_command("load_demo_data", verbosity=0, stdout=io.StringIO())
    coordinator = User.objects.filter(username="fuzz-koord").first() or UserFactory(
        username="fuzz-koord", organisation="koordinationsgruppen", role=User.Role.COORDINATOR
    )
    partner = User.objects.filter(username="fuzz-hj").first() or UserFactory(
        username="fuzz-hj", organisation="jobcenter-hjoerring", role=User.Role.PARTNER_STAFF
    )
    return {
        "coordinator": ApiToken.issue(user=coordinator, name="fuzz")[1],
        "partner": ApiToken.issue(user=partner, name="fuzz")[1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 examples per operation and token")
    parser.add_argument("--examples", type=int, default=None, help="examples per operation and token (default 30)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-demo", action="store_true", help="reference data only, no demo data")
    args = parser.parse_args()
    examples = args.examples or (3 if args.quick else 30)

    database_url, tmpdir = setup_django()
    import logging

    # Every 4xx is logged by django.request as a warning; thousands of them are noise here.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    logging.getLogger("viaviden.api.api").setLevel(logging.CRITICAL)
    from django.db import connection

    from viaviden.api.tests.fuzzing import fuzz, quiet_wsgi_app

    try:
        started = time.perf_counter()
        tokens = prepare(demo=not args.no_demo)
        setup_s = time.perf_counter() - started
        started = time.perf_counter()
        result = fuzz(quiet_wsgi_app(), tokens, max_examples=examples, seed=args.seed)
        fuzz_s = time.perf_counter() - started
    finally:
        connection.close()
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)

    print(f"database: {connection.vendor}; examples per operation and token: {examples}; seed {args.seed}")
    print(f"operations: {result.operations}; requests: {result.requests} in {fuzz_s:.0f} s "
          f"({result.requests / fuzz_s:.0f} per s); setup {setup_s:.0f} s")
    print(f"server errors (5xx): {result.server_errors}; schema violations: {result.schema_violations}")
    for failure in result.failures[:30]:
        print(failure, file=sys.stderr)
    if len(result.failures) > 30:
        print(f"… and {len(result.failures) - 30} more distinct failures", file=sys.stderr)
    load = os.getloadavg()
    print(json.dumps({
        "benchmark": "fuzz", "quick": args.quick, "database": connection.vendor, "examples": examples,
        "seed": args.seed, "operations": result.operations, "requests": result.requests,
        "server_errors": result.server_errors, "schema_violations": result.schema_violations,
        "distinct_failures": len(result.failures), "seconds": round(fuzz_s, 1),
        "load_average": [round(x, 2) for x in load], "database_url_set": "sqlite" not in database_url,
    }))
    return 0 if result.server_errors == 0 and result.schema_violations == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
