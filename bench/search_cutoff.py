"""Close-match cut-off and tiered ranking, measured (a script, not a test).

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/search_cutoff.py [--data-dir var]

1. Cut-off: every judged question (dev, probe, practitioner) and every off-topic question
   (bench/offtopic_queries.json) is searched over the whole catalogue; each hit's closeness
   parts (cosine, word share, about) come from its ``why``. The weights and threshold of
   :mod:`cradle.index.close` are swept: off-topic questions must get no close match, and among
   the settings that allow it the best F2 (recall counts twice: hiding a relevant resource is
   worse than showing a loose one) of "close" against "judged relevant" wins.
2. Tiers: nDCG@10 per set with the shipped tiers (close and usable, close not usable yet, not
   close), and the available-first rate: among questions whose top 10 holds an available close
   match, the share where no resource that is not available ranks above one.

Prints markdown; writes bench/results/search_cutoff.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from cradle.core.settings import DATA_DIR

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "dev": ROOT.parent / "shared" / "eval" / "dev_queries.json",
    "probe": ROOT / "bench" / "search_probe_queries.json",
    "practitioner": ROOT / "bench" / "practitioner_queries.json",
}
OFF_TOPIC = ROOT / "bench" / "offtopic_queries.json"


def _parts(searcher: Any, query: str) -> list[dict[str, Any]]:
    hits = searcher.search(query, k=searcher.index.size).results
    return [
        {
            "title": h.title,
            "d": h.why.dense,
            "cov": h.why.word_share,
            "about": h.why.about,
        }
        for h in hits
    ]


def sweep(judged: list[tuple[str, dict[str, int], list]], off: list[list]) -> list[dict]:
    """Every (word share, about, threshold) setting with its off-topic leaks, F2, P and R."""
    from cradle.index.evaluate import norm_title

    out = []
    for cov_w in np.arange(0.0, 1.01, 0.05):
        for about_w in (0.0, 0.1, 0.2, 0.3):
            for at in np.arange(0.3, 1.21, 0.01):

                def close(h: dict, c: float = cov_w, a: float = about_w, t: float = at) -> bool:
                    return h["d"] + c * h["cov"] + a * h["about"] >= t - 1e-9

                leaks = sum(any(close(h) for h in hits) for hits in off)
                empty = sum(not any(close(h) for h in hits) for _, _, hits in judged)
                tp = fp = rel = 0
                for _, relevant, hits in judged:
                    for h in hits:
                        good = relevant.get(norm_title(h["title"]), 0) > 0
                        rel += good
                        tp += good and close(h)
                        fp += (not good) and close(h)
                recall, precision = tp / max(1, rel), tp / max(1, tp + fp)
                f2 = 5 * precision * recall / max(1e-9, 4 * precision + recall)
                out.append(
                    {
                        "word_share": round(cov_w, 2),
                        "about": about_w,
                        "at": round(at, 2),
                        "off_topic_with_close": leaks,
                        "judged_without_close": empty,
                        "f2": round(f2, 4),
                        "precision": round(precision, 3),
                        "recall": round(recall, 3),
                    }
                )
    return out


def usable_rates(searcher: Any, queries: list[str]) -> dict[str, float]:
    """Available-first rate (see the module docstring) and first-hit-usable rate."""
    ok = first = counted = 0
    for q in queries:
        hits = searcher.search(q, k=10).results
        avail = [i for i, h in enumerate(hits) if h.close and h.status == "available"]
        if not avail:
            continue
        counted += 1
        ok += all(h.status == "available" for h in hits[: max(avail) + 1])
        close = [h for h in hits if h.close]
        first += close[0].status == "available"
    return {
        "available_first": ok / max(1, counted),
        "first_close_usable": first / max(1, counted),
        "queries": counted,
    }


def main() -> None:
    """Run both measurements."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    from cradle.core.settings import Settings
    from cradle.index import close as close_module
    from cradle.index.evaluate import evaluate, load_queries, norm_title
    from cradle.index.search import open_searcher

    searcher = open_searcher(args.data_dir, Settings.model_validate({}))
    judged = []
    for path in SETS.values():
        for j in json.loads(path.read_text()):
            rel = {norm_title(t): g for t, g in j["relevant"].items()}
            judged.append((j["query"], rel, _parts(searcher, j["query"])))
    off = [_parts(searcher, q) for q in json.loads(OFF_TOPIC.read_text())]
    grid = sweep(judged, off)
    feasible = [g for g in grid if g["off_topic_with_close"] == 0]
    feasible.sort(key=lambda g: (g["judged_without_close"], -g["f2"]))
    chosen = {
        "word_share": close_module.WORD_SHARE,
        "about": close_module.ABOUT,
        "at": close_module.CLOSE_AT,
    }
    now = next(g for g in grid if all(abs(g[key] - value) < 1e-6 for key, value in chosen.items()))
    print("## Close matches\n")
    print(
        "| word share | about | at | off-topic with a close match | judged with none | F2 | P | R |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for g in [*feasible[:8], now]:
        cells = (
            "word_share",
            "about",
            "at",
            "off_topic_with_close",
            "judged_without_close",
            "f2",
            "precision",
            "recall",
        )
        print("| " + " | ".join(str(g[c]) for c in cells) + " |")
    print("\n(last row: the shipped setting)\n")
    results: dict[str, Any] = {"cutoff": {"best": feasible[:8], "shipped": now}, "sets": {}}
    print("## Tiers (close and usable, close not usable yet, not close)\n")
    print("| set | nDCG@10 | available-first | first close usable |")
    print("|---|---|---|---|")
    for name, path in SETS.items():
        queries = load_queries(path)
        report = evaluate(searcher, queries, with_baselines=False)
        rates = usable_rates(searcher, [j.query for j in queries])
        row = {"nDCG@10": report.systems["cradle"]["nDCG@10"], **rates}
        print(
            f"| {name} | {row['nDCG@10']:.3f} | {row['available_first']:.2f} | "
            f"{row['first_close_usable']:.2f} |"
        )
        results["sets"][name] = row
    out = ROOT / "bench" / "results" / "search_cutoff.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
