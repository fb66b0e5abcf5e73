"""Benchmark of the case search: faceted Danish full-text search over 20,000 synthetic published cases.

    python bench/cases_search.py            # 20,000 cases, 300 queries
    python bench/cases_search.py --quick    #  2,000 cases, 100 queries
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cases python bench/cases_search.py

Uses its own database: a temporary SQLite file, or DATABASE_URL if set (it must hold no cases; the benchmark
migrates it, loads the reference data and fills it). Cases are bulk-inserted with seeded Danish texts drawn from
the competence guides (titles, summaries, 3-7 body sentences, categories, tags), then the index is built with
`search.reindex_all()` (timed: the index build). Measured, each query after one warm-up:

- search: `search.case_search(query)` — a text of 1-2 words (real inflections, compounds, one in ten with a
  typo) plus two facets with random values: result count, ranked first page, counts of all 12 facets;
- page: the same query as the public list page `/cases/?q=…&<facet>=…` through django.test.Client (server time:
  routing, middleware, view, queries, template; no network);
- baseline: `search.icontains_search(query)` — plain `icontains` on title, summary and body plus the two facet
  filters on the case's own columns, count and first page, no facet counts and no stemming;
- update: `search.case_index(case)` after changing a case's title (what publishing or editing one case costs),
  and the rebuild of the in-memory snapshot the next search in each process then makes (see cases/engine.py).

Also printed: the index build time and the index's storage (`index_storage_mib`: table and indexes), and a
digest of every query's results (count, first page, facet counts, typo corrections). `--save-results FILE`
writes those results, `--expect-results FILE` compares a run with them (`same_results`): issue 16 changed how
the index is stored and built, and the results had to stay the same.

Prints the figures, the goal (p95 of search < 30 ms) and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
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
SEED = 20210601
GOAL_P95_MS = 30.0
FACETS_FOR_QUERIES = ("municipality", "level", "match_type", "industry", "task_area", "kind", "audience", "size",
                      "benefit", "partner")
QUERY_WORDS = [
    "markedsføringsøkonomer", "markedsføring", "datamatikere", "ingeniør", "ingeniører", "sociale medier",
    "eksport", "energi", "energioptimering", "regnskab", "webshop", "produktion", "produktionen", "bæredygtighed",
    "logistik", "rekruttering", "studiepraktik", "digitalisering", "kunder", "salg", "automation", "data",
    "dataanalyse", "økonomi", "hjemmeside", "byggeri", "innovation", "kommunikation", "virksomhedspraktik",
    "studiejob", "nyuddannet", "udvikling", "softwareudvikler", "it-sikkerhed", "ledelse", "turisme",
]
OPENINGS = [
    "{programme} hjalp {company} med {task}",
    "Ny {programme} giver {company} et løft",
    "Fra studiejob til fast stilling: {programme} i {town}",
    "{company} ansatte sin første akademiker",
    "Praktikant fra {institution} løste {task}",
]
COMPANIES = ["smedjen", "bageriet", "tømrerfirmaet", "maskinfabrikken", "revisionsfirmaet", "hotellet", "havnen",
             "landbruget", "webbureauet", "transportfirmaet", "møbelfabrikken", "elinstallatøren"]
FILLERS = [
    "Virksomheden havde aldrig før ansat en med en videregående uddannelse.",
    "Samarbejdet begyndte med et studieprojekt og endte med en fast stilling.",
    "Direktøren fortæller, at det gav nye kunder og bedre overblik.",
    "Den nyuddannede flyttede til området for at tage jobbet.",
    "Kommunens erhvervskontor satte parterne i forbindelse med hinanden.",
    "Nu overvejer virksomheden at ansætte endnu en højtuddannet.",
]
TAGS = ["grøn omstilling", "eksport", "sociale medier", "digitalisering", "automatisering", "første akademiker",
        "vækstpilot", "studiejob", "praktik", "bæredygtighed", "innovation", "rekruttering"]


def setup_django(keep: bool) -> tuple[str, Path | None]:
    tmpdir = None
    if not os.environ.get("DATABASE_URL"):
        tmpdir = Path(tempfile.mkdtemp(prefix="viaviden-bench-cases-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"  # DEBUG off: no query log
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return os.environ["DATABASE_URL"], (None if keep else tmpdir)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def figures(times: list[float]) -> dict:
    return {"requests": len(times), "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 95), 2), "max_ms": round(max(times), 2)}


def fill(n: int, rng: random.Random, user) -> int:
    """Bulk-insert `n` published synthetic cases with their categories (no index yet)."""
    from django.db import transaction
    from django.utils import timezone

    from viaviden.candidates.models import StudyProgramme, TaskArea
    from viaviden.cases.models import Case, Tag
    from viaviden.cases.search import partner_slug  # noqa: F401 - the partners below are partner-level already
    from viaviden.cases.selectors import coverage_partners
    from viaviden.reference.models import Industry, MatchType, Municipality, SizeClass

    programmes = list(StudyProgramme.objects.filter(active=True).select_related("level"))
    areas = list(TaskArea.objects.all())
    municipalities = list(Municipality.objects.filter(in_region=True).values_list("code", "name"))
    industries = list(Industry.objects.values_list("code", flat=True))
    sizes = list(SizeClass.objects.values_list("code", flat=True))
    types = list(MatchType.objects.values_list("code", flat=True))
    partners = list(coverage_partners())
    tags = [Tag.objects.get_or_create(slug=f"bench-{i}", defaults={"name": name})[0] for i, name in enumerate(TAGS)]
    now = timezone.now()
    start = now - dt.timedelta(days=3 * 365)
    cases, relations = [], []
    for i in range(n):
        programme = rng.choice(programmes)
        area = rng.choice(areas)
        code, town = rng.choice(municipalities)
        sentences = [*programme.competences_da, *programme.typical_tasks_da, area.description_da]
        values = {"programme": programme.name_da.lower(), "company": rng.choice(COMPANIES),
                  "task": rng.choice(programme.typical_tasks_da or [area.name_da]).lower(), "town": town,
                  "institution": programme.institution}
        title = rng.choice(OPENINGS).format(**values)
        title = title[0].upper() + title[1:]
        body = [rng.choice(FILLERS)] + [s[0].upper() + s[1:] + "." for s in rng.sample(sentences, min(len(sentences),
                                                                                                    rng.randint(2, 6)))]
        owner = rng.choice(partners)
        cases.append(Case(
            slug=f"bench-case-{i}", title=title[:200], summary=f"{title}. {rng.choice(FILLERS)}"[:600],
            body="".join(f"<p>{s}</p>" for s in body), kind=rng.choices(Case.Kind.values, (70, 15, 10, 5))[0],
            company_name=f"Syntetisk {values['company']} {i} ApS", municipality_id=code,
            industry_id=rng.choice(industries), size_class_id=rng.choice(sizes), match_type_id=rng.choice(types),
            benefits=rng.sample(Case.Benefit.values, rng.randint(1, 2)),
            audiences=rng.sample(Case.Audience.values, rng.randint(1, 3)),
            owner_organisation=owner, status=Case.Status.PUBLISHED, created_by=user, is_synthetic=True,
            published_at=start + dt.timedelta(seconds=rng.randrange(3 * 365 * 86400)),
        ))
        relations.append((programme, [area, *rng.sample(areas, rng.randint(0, 1))], owner,
                          rng.sample(tags, rng.randint(0, 2))))
    with transaction.atomic():
        Case.objects.bulk_create(cases, batch_size=2000)
        ids = dict(Case.objects.filter(slug__startswith="bench-case-").values_list("slug", "pk"))
        through = {name: getattr(Case, name).through for name in
                   ("programmes", "education_levels", "task_areas", "partners", "tags")}
        rows: dict[str, list] = {name: [] for name in through}
        for case, (programme, case_areas, owner, case_tags) in zip(cases, relations, strict=True):
            pk = ids[case.slug]
            rows["programmes"].append(through["programmes"](case_id=pk, studyprogramme_id=programme.pk))
            rows["education_levels"].append(
                through["education_levels"](case_id=pk, educationlevel_id=programme.level_id))
            rows["task_areas"].extend(through["task_areas"](case_id=pk, taskarea_id=a.pk) for a in set(case_areas))
            rows["partners"].append(through["partners"](case_id=pk, organisation_id=owner.pk))
            rows["tags"].extend(through["tags"](case_id=pk, tag_id=t.pk) for t in case_tags)
        for name, objs in rows.items():
            through[name].objects.bulk_create(objs, batch_size=5000)
    return n


def index_storage(tables: list[str]) -> int:
    """Bytes the index tables take, with their indexes (PostgreSQL: with TOAST; SQLite: pages, via dbstat)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                           "WHERE c.relname = ANY(%s) AND c.relkind = 'r'", [tables])
        else:
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(f"SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN "  # noqa: S608
                           f"(SELECT name FROM sqlite_master WHERE tbl_name IN ({marks}))", tables)
        return int(cursor.fetchone()[0])


def random_query(rng: random.Random, values: dict[str, list[str]]):
    from viaviden.cases.search import CaseQuery

    words = rng.sample(QUERY_WORDS, rng.choice((1, 1, 2)))
    if rng.random() < 0.1:  # a typo: two letters swapped in a long word
        w = max(words, key=len)
        if len(w) > 6:
            k = rng.randrange(1, len(w) - 2)
            words[words.index(w)] = w[:k] + w[k + 1] + w[k] + w[k + 2:]
    facets = rng.sample(FACETS_FOR_QUERIES, 2)
    return CaseQuery(q=" ".join(words), filters={f: (rng.choice(values[f]),) for f in facets})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 cases, 100 queries")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database")
    parser.add_argument("--save-results", metavar="FILE", help="write every query's results (count, first page, "
                        "facet counts) to FILE, to compare another run or version with --expect-results")
    parser.add_argument("--expect-results", metavar="FILE",
                        help="fail unless every query's results equal those FILE recorded (see --save-results)")
    args = parser.parse_args()
    n_cases, n_queries = (2_000, 100) if args.quick else (20_000, 300)

    db_url, cleanup = setup_django(args.keep)
    from urllib.parse import urlencode

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from viaviden.cases import engine, search
    from viaviden.cases.models import Case, CaseIndex
    from viaviden.organisations.models import Organisation, User
    from viaviden.reference.loader import load_reference_data

    rng = random.Random(SEED)
    print(f"Database: {connection.vendor} ({'temporary file' if cleanup else db_url.split('@')[-1]})")
    try:
        call_command("migrate", verbosity=0)
        load_reference_data()
        if Case.objects.exists():
            print("The database already holds cases; point DATABASE_URL to an empty database.", file=sys.stderr)
            return 2
        user = User.objects.create_user("bench-cases", role=User.Role.COORDINATOR,
                                        organisation=Organisation.objects.get(slug="koordinationsgruppen"))
        t0 = time.perf_counter()
        fill(n_cases, rng, user)
        fill_s = time.perf_counter() - t0
        print(f"Fill: {n_cases:,} published synthetic cases in {fill_s:.1f} s")

        t0 = time.perf_counter()
        search.analyzer()
        analyzer_s = time.perf_counter() - t0
        load_before = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        indexed = search.reindex_all()
        index_s, index_cpu_s = time.perf_counter() - t0, time.process_time() - c0
        load_after = os.getloadavg()[0]
        terms = facet_rows = 0
        entries: list[str] = []
        for terms_text, facets_text in CaseIndex.objects.values_list("terms", "facets").iterator(chunk_size=2000):
            terms += len(terms_text.split())
            entries.append(facets_text)
        facet_pairs = [pair for text in entries for pair in engine.unpack_facets(text)]
        facet_rows = len(facet_pairs)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        storage = index_storage([CaseIndex._meta.db_table])
        print(f"Index storage: {storage / 2**20:.1f} MiB")
        print(f"Index build: {indexed:,} cases, {terms:,} terms, {facet_rows:,} facet values in {index_s:.1f} s "
              f"({indexed / index_s:,.0f} cases/s; analyzer {analyzer_s * 1000:.0f} ms); CPU time of this process "
              f"{index_cpu_s:.1f} s, load average {load_before:.1f} → {load_after:.1f}")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        t0 = time.perf_counter()
        snapshot = engine.holder.get(search.current_generation())
        snapshot_ms = (time.perf_counter() - t0) * 1000
        print(f"In-memory snapshot (built once per process after each index change): {snapshot.size:,} cases, "
              f"{len(snapshot.vocabulary):,} distinct terms in {snapshot_ms:.0f} ms")

        values: dict[str, list[str]] = {}
        for facet, value in sorted(set(facet_pairs)):  # code point order, as the databases' C collation
            values.setdefault(facet, []).append(value)  # sorted: the same queries on every database
        queries = [random_query(rng, values) for _ in range(n_queries)]

        def timed(fn) -> list[float]:
            fn(queries[0])  # warm-up
            out = []
            for query in queries:
                t = time.perf_counter()
                fn(query)
                out.append((time.perf_counter() - t) * 1000)
            return out

        results: list[int] = []
        answers: list[dict] = []  # what each query found: compared across runs and versions (--expect-results)

        def searched(query):
            found = search.case_search(query)
            results.append(found.total)
            answers.append({"q": query.q, "filters": {k: list(v) for k, v in query.filters.items()},
                            "total": found.total, "page": [c.slug for c in found.cases],
                            "facets": {f.key: {v.value: v.count for v in f.values} for f in found.facets},
                            "corrections": found.corrections})

        search_times = timed(searched)
        answers = answers[1:]  # the warm-up's
        digest = hashlib.sha256(json.dumps(answers, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
        if args.save_results:
            Path(args.save_results).write_text(json.dumps(answers, ensure_ascii=False, indent=0), encoding="utf-8")
        same_results = None
        if args.expect_results:
            expected = json.loads(Path(args.expect_results).read_text(encoding="utf-8"))
            differ = [i for i, (a, b) in enumerate(zip(answers, expected, strict=True)) if a != b]
            same_results = not differ
            print(f"Results compared with {args.expect_results}: "
                  + ("identical" if same_results else f"{len(differ)} of {len(answers)} queries differ, e.g. "
                     f"#{differ[0]}: {answers[differ[0]]['q']!r} total {answers[differ[0]]['total']} "
                     f"(expected {expected[differ[0]]['total']})"))
        baseline_results: list[int] = []
        baseline_times = timed(lambda q: baseline_results.append(search.icontains_search(q)[1]))
        client = Client()

        def page(query):
            params = [("q", query.q), *((k, v) for k, vs in query.filters.items() for v in vs)]
            response = client.get(f"/cases/?{urlencode(params)}")
            assert response.status_code == 200, response.status_code

        page_times = timed(page)

        ids = list(Case.objects.order_by("?").values_list("pk", flat=True)[:50])
        update_times, rebuild_times = [], []
        for i, pk in enumerate(ids):
            case = Case.objects.get(pk=pk)
            Case.objects.filter(pk=pk).update(title=case.title + " – opdateret med energioptimering")
            case.refresh_from_db()
            t = time.perf_counter()
            search.case_index(case)
            update_times.append((time.perf_counter() - t) * 1000)
            if i < 5:
                t = time.perf_counter()
                engine.holder.get(search.current_generation())
                rebuild_times.append((time.perf_counter() - t) * 1000)

        s, b, p, u = figures(search_times), figures(baseline_times), figures(page_times), figures(update_times)
        found = statistics.mean(results[1:])
        found_baseline = statistics.mean(baseline_results[1:])
        print(f"Queries: {n_queries} (text of 1-2 words, 10 % with a typo, plus two facets), after one warm-up")
        print(f"  search (case_search: count, ranked page, 12 facet counts): p50 {s['p50_ms']} ms, "
              f"p95 {s['p95_ms']} ms, max {s['max_ms']} ms; {found:.0f} cases found on average")
        print(f"  page (/cases/ through the test client): p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms, "
              f"max {p['max_ms']} ms")
        print(f"  baseline (icontains + the two facet filters, count, first page; no facet counts): "
              f"p50 {b['p50_ms']} ms, p95 {b['p95_ms']} ms, max {b['max_ms']} ms; "
              f"{found_baseline:.0f} cases found on average")
        print(f"  search p95 / baseline p95: {s['p95_ms'] / b['p95_ms']:.2f}x")
        print(f"Update (re-index one changed case): p50 {u['p50_ms']} ms, p95 {u['p95_ms']} ms over {len(ids)} cases; "
              f"then the snapshot rebuild of the next search: {statistics.median(rebuild_times):.0f} ms (median of 5)")
        print(f"Goal: search p95 < {GOAL_P95_MS:.0f} ms with 20,000 cases (2-core machine).")
        out = {
            "benchmark": "cases_search", "quick": args.quick, "database": connection.vendor, "cases": n_cases,
            "terms": terms, "facet_values": facet_rows, "fill_s": round(fill_s, 1), "index_build_s": round(index_s, 1),
            "index_build_cpu_s": round(index_cpu_s, 1), "index_build_load": [round(load_before, 1), round(load_after, 1)],
            "index_cases_per_s": round(indexed / index_s), "vocabulary_terms": len(snapshot.vocabulary),
            "snapshot_build_ms": round(snapshot_ms), "search": s, "page": p, "baseline_icontains": b,
            "update": u, "snapshot_rebuild_ms": round(statistics.median(rebuild_times)), "found_avg": round(found, 1), "found_baseline_avg": round(found_baseline, 1),
            "index_storage_mib": round(storage / 2**20, 1), "results_digest": digest, "same_results": same_results,
            "goal_p95_ms": GOAL_P95_MS, "search_ok": s["p95_ms"] < GOAL_P95_MS,
        }
        print(json.dumps(out, ensure_ascii=False))
        return 0
    finally:
        connection.close()
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
