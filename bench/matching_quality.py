"""Ranking quality of the matching engine: which programmes fit a company's task description.

    python bench/matching_quality.py              # both labelled sets, per category
    python bench/matching_quality.py --quick      # every third description of each set
    python bench/matching_quality.py --worst 10   # also list the 10 descriptions the engine ranks worst

Labelled sets (Danish task descriptions written as companies phrase them, each with the programmes of
data/reference/education/study_programmes.json that fit, graded 2 = fits well, 1 = fits):
- set 1 `bench/data/task_descriptions.json` (119 descriptions, issue 4),
- set 2 `bench/data/task_descriptions_2.json` (issue 15, written independently, with a category per
  description; frozen: its SHA-256 is in `task_descriptions_2.sha256` and checked before every run).
For each description the engine ranks the programmes (`MatchingIndex.rank_programmes`); the baseline is
rank_bm25's BM25Okapi over the same guide texts with the same Snowball stemming (a second baseline gets the
engine's compound splitting too). Prints nDCG@10 (graded gains, log2 discount), recall@10 and the share of
descriptions with a fitting programme in the top 10 (hit@10) for each set and category, and as its last
line one JSON object. No database, no Django.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rank_bm25 import BM25Okapi  # noqa: E402

from viaviden.matching import CandidateDoc, CompetenceGuide, JobProfile, MatchingIndex, TravelTimes  # noqa: E402
from viaviden.matching.text import Analyzer  # noqa: E402

DATA = ROOT / "bench" / "data"
SETS = {"set1": DATA / "task_descriptions.json", "set2": DATA / "task_descriptions_2.json"}
FROZEN = {"set2": DATA / "task_descriptions_2.sha256"}
CANDIDATES = DATA / "candidate_needs.json"
CANDIDATES_FROZEN = DATA / "candidate_needs.sha256"
K = 10
GOAL_NDCG, GOAL_RATIO, GOAL_CATEGORY = 0.80, 1.4, 0.70


def ndcg_at_k(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    dcg = sum(relevant.get(slug, 0) / math.log2(i + 2) for i, slug in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_k(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def bm25_ranking(bm25: BM25Okapi, slugs: list[str], query: list[str]) -> list[str]:
    scores = bm25.get_scores(query)
    order = np.argsort(-scores, kind="stable")
    return [slugs[i] for i in order if scores[i] > 0]


def read_frozen(path: Path, checksum: Path | None) -> dict:
    raw = path.read_bytes()
    if checksum is not None:
        expected = checksum.read_text(encoding="utf-8").split()[0]
        actual = hashlib.sha256(raw).hexdigest()
        if actual != expected:
            raise SystemExit(f"{path.name} has changed since it was frozen (sha256 {actual}, expected {expected})")
    return json.loads(raw.decode("utf-8"))


def load_set(name: str) -> list[dict]:
    return read_frozen(SETS[name], FROZEN.get(name))["descriptions"]


def run_candidates(guide: CompetenceGuide, quick: bool) -> dict:
    """Candidate ranking: `rank_candidates` over the synthetic profiles for each need, against BM25Okapi over
    the candidates' texts (stemmed) with the same reachability filter (the engine's hard filter)."""
    data = read_frozen(CANDIDATES, CANDIDATES_FROZEN)
    travel = TravelTimes.from_csv()
    cands = [
        CandidateDoc(
            id=c["id"],
            programme_slug=c["programme_slug"],
            level=None,
            text=c["text"],
            available_from=dt.date.fromisoformat(c["available_from"]) if c["available_from"] else None,
            home_municipality=c["home_municipality"],
            max_travel_minutes=c["max_travel_minutes"],
            willing_to_move=c["willing_to_move"],
        )
        for c in data["candidates"]
    ]
    needs = data["needs"][::3] if quick else data["needs"]
    print(f"\n== candidates: {len(needs)} needs × {len(cands)} synthetic candidate profiles (graded 0-3)")
    index = MatchingIndex.build(cands, guide, travel)
    analyzer = Analyzer.from_texts(guide.texts())
    bm25 = BM25Okapi([analyzer.stems(c.text) for c in cands])
    ids = [c.id for c in cands]
    engine, baseline = [], []
    for n in needs:
        profile = JobProfile(
            id=n["id"],
            text=n["text"],
            municipality=n["municipality"],
            earliest_start=dt.date.fromisoformat(n["earliest_start"]),
        )
        engine.append([s.id for s in index.rank_candidates(profile, k=K)])
        scores = bm25.get_scores(analyzer.stems(n["text"]))
        reachable = [
            c.willing_to_move
            or c.max_travel_minutes is None
            or (m := travel.minutes(c.home_municipality, n["municipality"])) is None
            or m <= c.max_travel_minutes
            for c in cands
        ]
        order = np.argsort(-scores, kind="stable")
        baseline.append([ids[i] for i in order if scores[i] > 0 and reachable[i]])
    e = evaluate("engine rank_candidates", engine, needs)
    b = evaluate("baseline: BM25Okapi over the candidates' texts", baseline, needs)
    ratio = e["ndcg@10"] / b["ndcg@10"] if b["ndcg@10"] else float("inf")
    print(f"Engine vs baseline: nDCG@10 ×{ratio:.2f}")
    if e["misses"]:
        print(f"  needs without a fitting candidate in the top 10: {', '.join(e['misses'])}")
    by_cat: dict[str, list[float]] = defaultdict(list)
    for n, v in zip(needs, e["per_description_ndcg"], strict=True):
        by_cat[n["category"]].append(v)
    print("Per category of the need (engine nDCG@10, n): " + ", ".join(
        f"{c} {np.mean(v):.2f} ({len(v)})" for c, v in by_cat.items()
    ))
    strip = {k: v for k, v in e.items() if k != "per_description_ndcg"}
    return {
        "needs": len(needs),
        "candidates": len(cands),
        "engine": strip,
        "baseline_bm25": {k: v for k, v in b.items() if k != "per_description_ndcg"},
        "ratio_ndcg@10": round(ratio, 3),
        "categories": {c: round(float(np.mean(v)), 4) for c, v in by_cat.items()},
    }


def evaluate(name: str, rankings: list[list[str]], labels: list[dict], quiet: bool = False) -> dict:
    ndcg = [ndcg_at_k(r, d["relevant"]) for r, d in zip(rankings, labels, strict=True)]
    recall = [recall_at_k(r, d["relevant"]) for r, d in zip(rankings, labels, strict=True)]
    hits = [bool(set(r[:K]) & set(d["relevant"])) for r, d in zip(rankings, labels, strict=True)]
    figures = {
        "ndcg@10": round(float(np.mean(ndcg)), 4),
        "recall@10": round(float(np.mean(recall)), 4),
        "hit@10": round(float(np.mean(hits)), 4),
    }
    if not quiet:
        print(
            f"  {name:<44} nDCG@10 {figures['ndcg@10']:.3f}   recall@10 {figures['recall@10']:.3f}"
            f"   hit@10 {figures['hit@10']:.3f}"
        )
    return {**figures, "per_description_ndcg": ndcg, "misses": [d["id"] for d, h in zip(labels, hits, strict=True) if not h]}


def run_set(name: str, labels: list[dict], guide: CompetenceGuide, index: MatchingIndex, worst: int) -> dict:
    slugs = list(guide.programmes)
    print(
        f"\n== {name}: {len(labels)} task descriptions, {len(slugs)} programmes, "
        f"{np.mean([len(d['relevant']) for d in labels]):.1f} fitting programmes per description on average"
    )
    t0 = time.perf_counter()
    engine = [[s.id for s in index.rank_programmes(JobProfile(id=d["id"], text=d["text"]), k=K)] for d in labels]
    engine_ms = (time.perf_counter() - t0) * 1000 / len(labels)

    analyzer = Analyzer.from_texts(guide.texts())  # the engine's vocabulary for compound splitting
    texts = [guide.programmes[s].guide_text for s in slugs]
    stemmed = BM25Okapi([analyzer.stems(t) for t in texts])
    baseline = [bm25_ranking(stemmed, slugs, analyzer.stems(d["text"])) for d in labels]
    compounds = BM25Okapi([analyzer.terms(t) for t in texts])
    baseline_compounds = [bm25_ranking(compounds, slugs, analyzer.terms(d["text"])) for d in labels]

    print(f"Ranking the programmes for each description (top {K}):")
    e = evaluate("engine", engine, labels)
    b = evaluate("baseline: rank_bm25 BM25Okapi, stemmed", baseline, labels)
    bc = evaluate("baseline: BM25Okapi, stemmed + compounds", baseline_compounds, labels)
    ratio = e["ndcg@10"] / b["ndcg@10"] if b["ndcg@10"] else float("inf")
    print(f"Engine vs baseline: nDCG@10 ×{ratio:.2f}")
    wins = sum(x > y for x, y in zip(e["per_description_ndcg"], b["per_description_ndcg"], strict=True))
    losses = sum(x < y for x, y in zip(e["per_description_ndcg"], b["per_description_ndcg"], strict=True))
    print(f"  per description: engine better on {wins}, worse on {losses}, equal on {len(labels) - wins - losses}")
    print(f"  engine: {engine_ms:.2f} ms per description (query analysis included)")
    if e["misses"]:
        print(f"  descriptions without a fitting programme in the top 10: {', '.join(e['misses'])}")

    categories: dict[str, dict] = {}
    by_cat: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(labels):
        if d.get("category"):
            by_cat[d["category"]].append(i)
    if by_cat:
        print("Per category (engine nDCG@10 / baseline nDCG@10, n):")
        for cat, idx in by_cat.items():
            en = float(np.mean([e["per_description_ndcg"][i] for i in idx]))
            bn = float(np.mean([b["per_description_ndcg"][i] for i in idx]))
            categories[cat] = {"n": len(idx), "engine": round(en, 4), "baseline": round(bn, 4)}
            flag = "" if en >= GOAL_CATEGORY else "  < goal"
            print(f"  {cat:<18} {en:.3f} / {bn:.3f}  ({len(idx)}){flag}")

    if worst:
        print(f"Worst {worst} descriptions for the engine:")
        for i in np.argsort(e["per_description_ndcg"], kind="stable")[:worst]:
            d = labels[i]
            print(
                f"  {d['id']} nDCG {e['per_description_ndcg'][i]:.2f} (baseline {b['per_description_ndcg'][i]:.2f}): "
                f"{d['text'][:90]}"
            )
            print(f"      engine top 5: {engine[i][:5]}")
            print(f"      fitting:      {sorted(d['relevant'], key=lambda s: -d['relevant'][s])}")

    def strip(fig: dict) -> dict:
        return {k: v for k, v in fig.items() if k != "per_description_ndcg"}

    worst_category = min((c["engine"] for c in categories.values()), default=None)
    return {
        "descriptions": len(labels),
        "engine": strip(e),
        "baseline_bm25": strip(b),
        "baseline_bm25_compounds": strip(bc),
        "ratio_ndcg@10": round(ratio, 3),
        "categories": categories,
        "goals_met": e["ndcg@10"] >= GOAL_NDCG
        and ratio >= GOAL_RATIO
        and not e["misses"]
        and (worst_category is None or worst_category >= GOAL_CATEGORY),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="every third description of each set")
    parser.add_argument("--worst", type=int, default=0, help="list the N descriptions the engine ranks worst")
    parser.add_argument("--set", choices=sorted(SETS), action="append", help="only this set (repeatable)")
    args = parser.parse_args()

    guide = CompetenceGuide.from_directory()
    index = MatchingIndex.build([], guide)
    results = {}
    for name in args.set or list(SETS):
        labels = load_set(name)
        unknown = {s for d in labels for s in d["relevant"]} - set(guide.programmes)
        if unknown:
            print(f"{name} names programmes that are not in the guide: {sorted(unknown)}", file=sys.stderr)
            return 2
        if args.quick:
            labels = labels[::3]
        results[name] = run_set(name, labels, guide, index, args.worst)
    candidates = run_candidates(guide, args.quick) if not args.set else None
    print(
        f"\nGoals (issue 15), per set: nDCG@10 ≥ {GOAL_NDCG}, ≥ {GOAL_RATIO}× BM25, no category < {GOAL_CATEGORY}, "
        f"a fitting programme in every top 10: "
        + ", ".join(f"{n} {'met' if r['goals_met'] else 'NOT met'}" for n, r in results.items())
    )
    figures = {"benchmark": "matching_quality", "quick": args.quick, "sets": results, "candidates": candidates}
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
