"""Ranking quality of the matching engine: which programmes fit a company's task description.

    python bench/matching_quality.py              # all labelled descriptions
    python bench/matching_quality.py --worst 10   # also list the 10 descriptions the engine ranks worst

Labelled set: bench/data/task_descriptions.json (Danish task descriptions written as companies phrase them,
each with the programmes of data/reference/education/study_programmes.json that fit, graded 2 = fits well,
1 = fits). For each description the engine ranks the programmes (`MatchingIndex.rank_programmes`: task
areas of the competence guides + BM25 over each programme's guide text, one document per programme); the
baseline is rank_bm25's BM25Okapi over the same guide texts with the same Snowball stemming. A second
baseline gets the engine's compound splitting too. Prints nDCG@10 (graded gains, log2 discount) and
recall@10 for each, the ratios, and as its last line one JSON object. No database, no Django.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rank_bm25 import BM25Okapi  # noqa: E402

from viaviden.matching import CompetenceGuide, JobProfile, MatchingIndex  # noqa: E402
from viaviden.matching.text import Analyzer  # noqa: E402

LABELS = ROOT / "bench" / "data" / "task_descriptions.json"
K = 10


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


def evaluate(name: str, rankings: list[list[str]], labels: list[dict]) -> dict:
    ndcg = [ndcg_at_k(r, d["relevant"]) for r, d in zip(rankings, labels, strict=True)]
    recall = [recall_at_k(r, d["relevant"]) for r, d in zip(rankings, labels, strict=True)]
    figures = {"ndcg@10": round(float(np.mean(ndcg)), 4), "recall@10": round(float(np.mean(recall)), 4)}
    print(f"  {name:<44} nDCG@10 {figures['ndcg@10']:.3f}   recall@10 {figures['recall@10']:.3f}")
    return {**figures, "per_description_ndcg": ndcg}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worst", type=int, default=0, help="list the N descriptions the engine ranks worst")
    args = parser.parse_args()

    guide = CompetenceGuide.from_directory()
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["descriptions"]
    unknown = {s for d in labels for s in d["relevant"]} - set(guide.programmes)
    if unknown:
        print(f"Labels name programmes that are not in the guide: {sorted(unknown)}", file=sys.stderr)
        return 2
    slugs = list(guide.programmes)
    print(
        f"Labelled set: {len(labels)} task descriptions, {len(slugs)} programmes, "
        f"{np.mean([len(d['relevant']) for d in labels]):.1f} fitting programmes per description on average"
    )

    index = MatchingIndex.build([], guide)
    t0 = time.perf_counter()
    engine = [[s.id for s in index.rank_programmes(JobProfile(id=d["id"], text=d["text"]), k=K)] for d in labels]
    engine_ms = (time.perf_counter() - t0) * 1000 / len(labels)

    analyzer = Analyzer.from_texts(guide.texts())  # the engine's vocabulary for compound splitting
    texts = [guide.programmes[s].guide_text for s in slugs]
    stemmed = BM25Okapi([analyzer.stems(t) for t in texts])
    baseline = [bm25_ranking(stemmed, slugs, analyzer.stems(d["text"])) for d in labels]
    compounds = BM25Okapi([analyzer.terms(t) for t in texts])
    baseline_compounds = [bm25_ranking(compounds, slugs, analyzer.terms(d["text"])) for d in labels]

    # The engine's two guide signals on their own (same query analysis as the engine).
    areas_only, text_only = [], []
    for d in labels:
        q = index.model.query(d["text"])
        for target, values in ((areas_only, q.programme_area_fit), (text_only, q.programme_text)):
            order = np.argsort(-values, kind="stable")
            target.append([slugs[i] for i in order if values[i] > 0])

    print(f"Ranking the programmes for each description (top {K}):")
    e = evaluate("engine (task areas + guide text)", engine, labels)
    b = evaluate("baseline: rank_bm25 BM25Okapi, stemmed", baseline, labels)
    bc = evaluate("baseline: BM25Okapi, stemmed + compounds", baseline_compounds, labels)
    print("  engine parts on their own:")
    a = evaluate("  task areas only", areas_only, labels)
    t = evaluate("  guide text only (BM25, stems + compounds)", text_only, labels)
    ratio_ndcg = e["ndcg@10"] / b["ndcg@10"] if b["ndcg@10"] else float("inf")
    ratio_recall = e["recall@10"] / b["recall@10"] if b["recall@10"] else float("inf")
    print(f"Engine vs baseline: nDCG@10 ×{ratio_ndcg:.2f}, recall@10 ×{ratio_recall:.2f}")
    wins = sum(x > y for x, y in zip(e["per_description_ndcg"], b["per_description_ndcg"], strict=True))
    losses = sum(x < y for x, y in zip(e["per_description_ndcg"], b["per_description_ndcg"], strict=True))
    print(f"  per description: engine better on {wins}, worse on {losses}, equal on {len(labels) - wins - losses}")
    print(f"  engine: {engine_ms:.2f} ms per description (query analysis included)")
    print("Goal (issue 4): better nDCG@10 than the BM25 baseline.")

    if args.worst:
        print(f"Worst {args.worst} descriptions for the engine:")
        order = np.argsort(e["per_description_ndcg"], kind="stable")[: args.worst]
        for i in order:
            d = labels[i]
            print(
                f"  {d['id']} nDCG {e['per_description_ndcg'][i]:.2f} (baseline {b['per_description_ndcg'][i]:.2f}): "
                f"{d['text'][:90]}"
            )
            print(f"      engine top 5: {engine[i][:5]}")
            print(f"      fitting:      {sorted(d['relevant'], key=lambda s: -d['relevant'][s])}")

    def strip(fig: dict) -> dict:
        return {k: v for k, v in fig.items() if k != "per_description_ndcg"}

    figures = {
        "benchmark": "matching_quality",
        "descriptions": len(labels),
        "programmes": len(slugs),
        "engine": strip(e),
        "baseline_bm25": strip(b),
        "baseline_bm25_compounds": strip(bc),
        "engine_task_areas_only": strip(a),
        "engine_guide_text_only": strip(t),
        "ratio_ndcg@10": round(ratio_ndcg, 3),
        "ratio_recall@10": round(ratio_recall, 3),
        "ndcg_better_than_baseline": e["ndcg@10"] > b["ndcg@10"],
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
