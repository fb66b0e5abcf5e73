"""Matching through the API: GET /api/suggestions/needs/{id} with 50,000 synthetic candidates in a database.

    python bench/matching_api.py            # 50,000 candidates, 200 timed requests
    python bench/matching_api.py --quick    #  5,000 candidates, 200 timed requests

Uses its own database like bench/registry.py: a temporary SQLite file, or DATABASE_URL if set (it must hold no
candidates; the benchmark migrates it, loads the reference data and fills it). Candidates are the seeded
synthetic profiles of bench/matching_speed.py (programme, level, 20-60 words of competences, match types,
availability, home municipality, maximum travel, willingness to move), bulk-inserted with consents: 90 % have
an active MATCHING consent (the others are never suggested), 30 % SHARING (their names are shown and the access
is audit-logged, as in production), 50 % COMPANY_CONTACT. 100 needs are made from the benchmark's queries
(6 words about one task area, random levels, match types, workplace and earliest start).

Measured, as server time through django.test.Client with an API token (routing, authentication, middleware,
need lookup, the index's sync queries, ranking, reading the top 20 rows with their consents, masking, audit
rows, JSON): the first request (it builds the index from the database), then 200 requests cycling over the
needs after 10 warm-up requests (p50, p95, max), then 50 requests each preceded by a consent withdrawal
(the sync path that finds and applies a change), and the web page /forslag/behov/<id>/ for a logged-in,
OTP-verified coordinator. Also, in-process: `matching_index()` alone (the sync check) and
`rank_candidates` alone, to show where the time goes. Prints the figures and, as its last line, one JSON
object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240402
REQUESTS = 200
WARMUP = 10
CHANGED_REQUESTS = 50
PAGE_REQUESTS = 30
NEEDS = 100
K = 20
GOAL_P95_MS = 100.0  # proposed: the issue sets 10 ms in-process; through the API, server time


def setup_django(keep: bool) -> tuple[str, Path | None]:
    tmpdir = None
    if not os.environ.get("DATABASE_URL"):
        tmpdir = Path(tempfile.mkdtemp(prefix="viaviden-bench-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"  # DEBUG off: no query log
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return os.environ["DATABASE_URL"], (None if keep else tmpdir)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(times: list[float]) -> dict:
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "max_ms": round(max(times), 2),
    }


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def fill(n: int, rng: random.Random) -> dict:
    """Bulk-insert n synthetic candidates with consents and NEEDS needs; returns counts and timings."""
    from django.db import transaction
    from django.utils import timezone
    from matching_speed import synthetic_candidates, synthetic_queries

    from viaviden.candidates.models import Candidate, Consent, StudyProgramme
    from viaviden.companies.models import Company, Need
    from viaviden.matching import CompetenceGuide
    from viaviden.organisations.models import Organisation
    from viaviden.reference.models import EducationLevel, MatchType, Municipality

    guide = CompetenceGuide.from_directory()
    codes = sorted(
        Municipality.objects.filter(
            code__in=["773", "787", "810", "813", "820", "825", "840", "846", "849", "851", "860"]
        ).values_list("code", flat=True)
    )
    docs = synthetic_candidates(n, guide, codes, rng)
    programmes = dict(StudyProgramme.objects.values_list("slug", "pk"))
    levels = set(EducationLevel.objects.values_list("code", flat=True))
    types = set(MatchType.objects.values_list("code", flat=True))
    # The profiles were made earlier (a day ago), as in a running system: only the changes the benchmark makes
    # itself fall in the index's look-back window.
    now = timezone.now() - dt.timedelta(days=1)
    t0 = time.perf_counter()
    with transaction.atomic():
        rows = []
        for i, d in enumerate(docs):
            rows.append(
                Candidate(
                    kind=Candidate.Kind.STUDENT,
                    name=f"Syntetisk Kandidat {i}",
                    email=f"bench-kandidat-{i}@example.invalid",
                    programme_id=programmes.get(d.programme_slug) if d.programme_slug else None,
                    education_text="" if d.programme_slug else "Anden uddannelse",
                    level_id=d.level if d.level in levels else None,
                    competences=d.text,
                    available_from=d.available_from,
                    home_municipality_id=d.home_municipality,
                    max_travel_minutes=d.max_travel_minutes,
                    willing_to_move=d.willing_to_move,
                    is_synthetic=True,
                    last_active_at=now,
                )
            )
        created = Candidate.objects.bulk_create(rows, batch_size=2000)
        # auto_now / auto_now_add stamp the rows with the time of insertion; set the earlier time.
        Candidate.objects.filter(is_synthetic=True).update(created_at=now, updated_at=now)
        if created and created[0].pk is None:  # a backend that does not return ids
            pks = list(Candidate.objects.filter(is_synthetic=True).order_by("pk").values_list("pk", flat=True))
        else:
            pks = [c.pk for c in created]
        through = Candidate.match_types.through
        through.objects.bulk_create(
            [
                through(candidate_id=pk, matchtype_id=t)
                for pk, d in zip(pks, docs, strict=True)
                for t in sorted(d.match_types)
                if t in types
            ],
            batch_size=5000,
        )
        consents = []
        for pk in pks:
            r = rng.random()
            if r < 0.9:
                consents.append(Consent(candidate_id=pk, purpose="matching", given_at=now, method="selvbetjening"))
            if rng.random() < 0.3:
                consents.append(Consent(candidate_id=pk, purpose="sharing", given_at=now, method="selvbetjening"))
            if rng.random() < 0.5:
                consents.append(
                    Consent(candidate_id=pk, purpose="company_contact", given_at=now, method="selvbetjening")
                )
        Consent.objects.bulk_create(consents, batch_size=5000)

        from registry import synthetic_cvrs

        owner = Organisation.objects.get(slug="jobcenter-thisted")
        companies = Company.objects.bulk_create(
            [
                Company(
                    cvr=cvr, name=f"Syntetisk Virksomhed {i} ApS", municipality_id=rng.choice(codes), is_synthetic=True
                )
                for i, cvr in enumerate(synthetic_cvrs(NEEDS, rng))
            ]
        )
        if companies[0].pk is None:
            companies = list(Company.objects.filter(is_synthetic=True).order_by("pk"))
        needs = []
        for i, (company, q) in enumerate(zip(companies, synthetic_queries(NEEDS, guide, codes, rng), strict=True)):
            need = Need.objects.create(
                company=company,
                title=f"Behov {i}",
                tasks=q.text,
                owner_organisation=owner,
                place_municipality_id=q.municipality,
                earliest_start=q.earliest_start,
                status=Need.Status.NEW,
                is_synthetic=True,
            )
            need.match_types.set(sorted(q.match_types))
            need.education_levels.set(sorted(q.levels))
            needs.append(need.pk)
    return {
        "candidates": len(pks),
        "with_matching_consent": sum(1 for c in consents if c.purpose == "matching"),
        "needs": needs,
        "fill_s": round(time.perf_counter() - t0, 1),
    }


SYNC_INDEXES = [
    ("candidates_candidate", "updated_at"),
    ("candidates_consent", "withdrawn_at"),
    ("candidates_consent", "given_at"),
]


def add_sync_indexes(connection) -> list[str]:
    """Create the single-column indexes the index sync filters on, where the schema has none."""
    added = []
    with connection.cursor() as cursor:
        for table, column in SYNC_INDEXES:
            constraints = connection.introspection.get_constraints(cursor, table)
            if any(c["index"] and c["columns"] and c["columns"][0] == column for c in constraints.values()):
                continue
            cursor.execute(f"CREATE INDEX bench_{table}_{column} ON {table} ({column})")
            added.append(f"{table}.{column}")
    return added


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,000 candidates instead of 50,000")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database")
    args = parser.parse_args()
    n = 5_000 if args.quick else 50_000

    db_url, cleanup = setup_django(args.keep)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from viaviden.candidates.matching_index import matching_index, matching_index_owner, need_profile
    from viaviden.candidates.models import Candidate, Consent
    from viaviden.companies.models import Need
    from viaviden.organisations.models import ApiToken, Organisation, User
    from viaviden.reference.loader import load_reference_data

    rng = random.Random(SEED)
    print(f"Database: {connection.vendor} ({'temporary file' if cleanup else db_url.split('@')[-1]})")
    try:
        call_command("migrate", verbosity=0)
        load_reference_data()
        if Candidate.objects.exists():
            print("The database already holds candidates; point DATABASE_URL to an empty database.", file=sys.stderr)
            return 2
        filled = fill(n, rng)
        print(
            f"Filled {filled['candidates']:,} candidates ({filled['with_matching_consent']:,} with MATCHING "
            f"consent) and {len(filled['needs'])} needs in {filled['fill_s']} s"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        coordinator = User.objects.create_user(
            "bench-coordinator",
            password="bench-password-0123",
            email="bench@example.invalid",
            role=User.Role.COORDINATOR,
            organisation=Organisation.objects.get(slug="koordinationsgruppen"),
        )
        _token, raw = ApiToken.issue(user=coordinator, name="bench")
        api = Client(headers={"Authorization": f"Bearer {raw}"})
        needs = filled["needs"]

        def get(need_id: int) -> float:
            t0 = time.perf_counter()
            response = api.get(f"/api/suggestions/needs/{need_id}?k={K}")
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, (response.status_code, response.content[:300])
            return elapsed

        # The first request builds the index from the database.
        first_ms = get(needs[0])
        owner = matching_index_owner()
        index = matching_index()
        print(f"First request (builds the index of {len(index):,} candidates from the database): {first_ms:,.0f} ms")

        for i in range(WARMUP):
            get(needs[i % len(needs)])
        load_before = load_average()
        times = [get(needs[i % len(needs)]) for i in range(REQUESTS)]
        warm = summary(times)
        counts = [len(api.get(f"/api/suggestions/needs/{nid}?k={K}").json()["items"]) for nid in needs[:20]]
        print(
            f"GET /api/suggestions/needs/{{id}}?k={K}, warm index, {REQUESTS} requests over {len(needs)} needs: "
            f"p50 {warm['p50_ms']} ms, p95 {warm['p95_ms']} ms, max {warm['max_ms']} ms "
            f"(load average {load_before}; mean {statistics.mean(counts):.1f} suggestions per need)"
        )

        # Each request preceded by a consent withdrawal somewhere: the sync finds the change and applies it.
        with_consent = list(
            Consent.objects.filter(purpose="matching", withdrawn_at__isnull=True)
            .order_by("?")
            .values_list("pk", flat=True)[:CHANGED_REQUESTS]
        )
        changed_times = []
        for i, consent_pk in enumerate(with_consent):
            Consent.objects.filter(pk=consent_pk).update(withdrawn_at=timezone.now())
            changed_times.append(get(needs[i % len(needs)]))
        changed = summary(changed_times)
        print(
            f"  with a consent withdrawn before each request ({len(changed_times)} requests): p50 {changed['p50_ms']} "
            f"ms, p95 {changed['p95_ms']} ms (builds so far: {owner.builds})"
        )

        # In-process parts: the sync check alone, and the ranking alone.
        for _ in range(3):
            matching_index()
        sync_times = []
        for _ in range(REQUESTS):
            t0 = time.perf_counter()
            matching_index()
            sync_times.append((time.perf_counter() - t0) * 1000)
        sync = summary(sync_times)
        profiles = [
            need_profile(nd)
            for nd in Need.objects.filter(pk__in=needs)
            .select_related("company")
            .prefetch_related("match_types", "education_levels")
        ]
        index = matching_index()
        rank_times = []
        for i in range(REQUESTS):
            t0 = time.perf_counter()
            index.rank_candidates(profiles[i % len(profiles)], k=K)
            rank_times.append((time.perf_counter() - t0) * 1000)
        rank = summary(rank_times)
        print(
            f"  in-process: sync check (1 query) p50 {sync['p50_ms']} ms, p95 {sync['p95_ms']} ms; "
            f"rank_candidates p50 {rank['p50_ms']} ms, p95 {rank['p95_ms']} ms"
        )

        # The web page for a logged-in coordinator.
        device = TOTPDevice.objects.create(user=coordinator, name="bench", confirmed=True)
        web = Client()
        web.force_login(coordinator)
        session = web.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        for i in range(WARMUP):
            assert web.get(f"/forslag/behov/{needs[i]}/").status_code == 200
        page_times = []
        for i in range(PAGE_REQUESTS):
            t0 = time.perf_counter()
            response = web.get(f"/forslag/behov/{needs[i % len(needs)]}/")
            page_times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        page = summary(page_times)
        print(
            f"Web page /forslag/behov/<id>/ ({PAGE_REQUESTS} requests): p50 {page['p50_ms']} ms, "
            f"p95 {page['p95_ms']} ms, max {page['max_ms']} ms"
        )

        # The same with indexes on the columns the sync check filters on (proposed for the models; created here
        # in the benchmark database only, when the schema does not have them yet).
        added = add_sync_indexes(connection)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        for i in range(WARMUP):
            get(needs[i % len(needs)])
        indexed = summary([get(needs[i % len(needs)]) for i in range(REQUESTS)])
        indexed_sync_times = []
        for _ in range(REQUESTS):
            t0 = time.perf_counter()
            matching_index()
            indexed_sync_times.append((time.perf_counter() - t0) * 1000)
        indexed_sync = summary(indexed_sync_times)
        print(
            f"With indexes on {', '.join(added) or '(already in the schema)'}: API p50 {indexed['p50_ms']} ms, "
            f"p95 {indexed['p95_ms']} ms; sync check p50 {indexed_sync['p50_ms']} ms, p95 {indexed_sync['p95_ms']} ms"
        )

        ok = warm["p95_ms"] < GOAL_P95_MS
        ok_indexed = indexed["p95_ms"] < GOAL_P95_MS
        print(
            f"Goal (proposed): API p95 < {GOAL_P95_MS:.0f} ms server time with {n:,} candidates: "
            f"{'met' if ok else 'NOT met'} as the schema is, {'met' if ok_indexed else 'NOT met'} with the indexes"
            + (" (judge on the full run)" if args.quick else "")
        )
        figures = {
            "benchmark": "matching_api",
            "quick": args.quick,
            "database": connection.vendor,
            "candidates": filled["candidates"],
            "with_matching_consent": filled["with_matching_consent"],
            "needs": len(needs),
            "k": K,
            "fill_s": filled["fill_s"],
            "first_request_ms": round(first_ms, 1),
            "api": warm,
            "api_after_change": changed,
            "sync_check": sync,
            "rank_in_process": rank,
            "page": page,
            "indexes_added": added,
            "api_with_indexes": indexed,
            "sync_check_with_indexes": indexed_sync,
            "index_builds": owner.builds,
            "load_average": load_before,
            "goal_p95_ms": GOAL_P95_MS,
            "ok": ok,
            "ok_with_indexes": ok_indexed,
            "date": dt.date.today().isoformat(),
        }
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    finally:
        connection.close()
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
