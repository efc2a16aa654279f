"""What the review fields cost the read model's load (issue 23: review reads the read model).

    .venv/bin/python bench/readmodel_review_fields.py WORK [--resources 10000] [--runs 5]

Builds the graph of a synthetic catalogue in WORK (once), then loads its read model ``--runs``
times each way, interleaved: as it is now, and without the three bulk SELECTs of the review
fields (``reviewed``, ``review_every``, ``status_since``), which is how it loaded before.
Prints the medians and every run in seconds. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from cradle.graph.build.pipeline import build_graph
from cradle.graph.read import bulk
from cradle.graph.read.readmodel import load_read_model
from cradle.graph.sources.synth import write_synthetic

REVIEW_FIELDS = ("reviewed", "review_every", "status_since")
EXTRA = {p: v for p, v in bulk.RESOURCE_PROPS.items() if v[0] in REVIEW_FIELDS}
NOW = bulk.resource_columns


def _before(store: Any) -> tuple[list[str], dict[str, bulk.Column]]:
    found, columns = NOW(store)
    for name, _ in EXTRA.values():
        columns.setdefault(name, [None] * len(found))
    return found, columns


def _load(data: Path, review_fields: bool) -> float:
    if review_fields:
        bulk.RESOURCE_PROPS.update(EXTRA)
        bulk.resource_columns = NOW
    else:
        for prop in EXTRA:
            bulk.RESOURCE_PROPS.pop(prop, None)
        bulk.resource_columns = _before
    started = time.perf_counter()
    load_read_model(data)
    return time.perf_counter() - started


def main() -> None:
    """Build once, then time both ways."""
    p = argparse.ArgumentParser()
    p.add_argument("work", type=Path)
    p.add_argument("--resources", type=int, default=10000)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    data = args.work / "data"
    if not data.exists():
        build_graph(write_synthetic(args.resources, args.work / "cat", seed=1), data)
    runs: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.runs):
        for review_fields in (False, True):
            runs[review_fields].append(_load(data, review_fields))
    for review_fields, label in ((False, "before"), (True, "with the review fields")):
        times = runs[review_fields]
        print(f"{label}: median {statistics.median(times):.3f} s, runs {times}")


if __name__ == "__main__":
    main()
