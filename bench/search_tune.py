"""Choose the search fusion weights by measurement (prints mean nDCG@10 per configuration).

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/search_tune.py [DATA_DIR]

Scores the dev queries (settings.eval_queries), bench/search_probe_queries.json and
bench/search_probe_long.json (questions with no relevant resource left out), varying one weight
at a time around the defaults, plus reciprocal rank fusion for comparison.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from cradle.core.settings import Settings
from cradle.index.evaluate import load_queries, metrics
from cradle.index.rank import Weights
from cradle.index.search import Searcher, open_searcher

HERE = Path(__file__).resolve().parent


def ndcg(searcher: Searcher, queries: list, w: Weights) -> float:
    vals = []
    for j in queries:
        titles = [h.title for h in searcher.search(j.query, k=10, weights=w).results]
        vals.append(metrics(titles, j.relevant)["nDCG@10"])
    return float(np.mean(vals))


def main() -> None:
    settings = Settings.model_validate({})
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else settings.data_dir
    searcher = open_searcher(data_dir, settings)
    sets = {
        "dev": load_queries(settings.eval_queries),
        "probe": load_queries(HERE / "search_probe_queries.json"),
        "long": [j for j in load_queries(HERE / "search_probe_long.json") if j.relevant],
    }
    base = Weights()
    grid: list[tuple[str, Weights]] = [("default", base)]
    for name, values in {
        "dense": [0.0, 0.3, 0.4, 0.5, 0.7, 0.8, 1.0],
        "expansion": [0.0, 0.25, 1.0],
        "topic": [0.0, 0.05, 0.2, 0.3],
        "place": [0.0, 0.1, 0.25],
        "form": [0.0, 0.05, 0.2],
        "backoff": [0.0, 0.25, 0.75],
        "audience": [0.0, 0.025, 0.1],
        "narrative": [0.25, 0.75, 1.0],
        "focus": [0.0, 0.25, 0.75],
    }.items():
        grid += [(f"{name}={v}", replace(base, **{name: v})) for v in values]
    grid += [("rrf", replace(base, fusion="rrf")), ("rrf,dense=0.5", Weights(fusion="rrf"))]
    grid += [
        (
            "no graph",
            Weights(
                dense=base.dense,
                expansion=0,
                topic=0,
                place=0,
                form=0,
                backoff=0,
                audience=0,
                narrative=1,
                focus=0,
            ),
        )
    ]
    print(f"{'configuration':<18}" + "".join(f"{s:>8}" for s in sets) + f"{'mean':>8}")
    for label, w in grid:
        vals = [ndcg(searcher, qs, w) for qs in sets.values()]
        print(f"{label:<18}" + "".join(f"{v:>8.3f}" for v in vals) + f"{np.mean(vals):>8.3f}")


if __name__ == "__main__":
    main()
