"""Who a resource is for, in the ranking: nDCG@10 on the dev, probe and "to give a family" sets
(a script, not a test; issue 24).

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/search_families.py [--data-dir var]

Besides nDCG@10 per set it counts, over the "to give a family" set, the questions whose first
close match is for families, and the questions where a referral programme is a close match
(it should be one only when the question is about what the programme addresses or names it).
Prints markdown; writes bench/results/search_families.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cradle.core.settings import DATA_DIR

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "dev": ROOT.parent / "shared" / "eval" / "dev_queries.json",
    "probe": ROOT / "bench" / "search_probe_queries.json",
    "families": ROOT / "bench" / "search_probe_families.json",
}


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    from cradle.core.settings import Settings
    from cradle.index.evaluate import evaluate, load_queries
    from cradle.index.search import open_searcher

    searcher = open_searcher(args.data_dir, Settings.model_validate({}))
    out: dict[str, dict[str, float]] = {}
    print("| set | questions | nDCG@10 | first close match for families | referral close |")
    print("|---|---|---|---|---|")
    for name, path in SETS.items():
        queries = load_queries(path)
        report = evaluate(searcher, queries, with_baselines=False)
        first_families = referral = 0
        for j in queries:
            hits = [h for h in searcher.search(j.query, k=10).results if h.close]
            first_families += bool(hits) and hits[0].for_ == "families"
            referral += any(h.for_ == "intervention" for h in hits)
        row = {
            "questions": len(queries),
            "nDCG@10": round(report.systems["cradle"]["nDCG@10"], 3),
            "first_close_for_families": first_families,
            "referral_close": referral,
        }
        out[name] = row
        print(f"| {name} | {len(queries)} | {row['nDCG@10']:.3f} | {first_families} | "
              f"{referral} |")  # fmt: skip
    path = ROOT / "bench" / "results" / "search_families.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
