"""Search against the retrieval floor, side by side in one process (issue 22).

    CRADLE_EMBEDDER=fake .venv/bin/python bench/search_floor.py --data-dir DIR [--queries 300]

For each question, in turn: the floor (bm25s scores for the question's tokens and their top 100,
plus FAISS's top 100 for the same query vector) and Cradle's whole ``Searcher.search`` (k=10).
Query vectors are embedded once beforehand, so neither side times the model. Prints p50/p99 of
both (wall time, and this thread's CPU time) and their ratios, with the load average;
``--profile`` also prints where Cradle's time goes. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import search_latency  # noqa: E402
from common import pct  # noqa: E402

TOP = 100


def measure(data_dir: Path, qs: list[str], rounds: int = 3) -> dict[str, Any]:
    """p50/p99 (ms) of the floor and of the search, interleaved question by question."""
    import bm25s

    from cradle.core.settings import Settings
    from cradle.index.search import open_searcher
    from cradle.index.text import keywords

    searcher = open_searcher(data_dir, Settings(data_dir=data_dir))
    index = searcher.index
    from cradle.core.datadir import DataDir

    bm25 = bm25s.BM25.load(str(DataDir(data_dir).open().bm25_dir), mmap=True)
    vecs = {q: searcher.embed_query(q) for q in qs}
    for q in qs[:20]:  # warm both
        searcher.search(q, k=10)
    floor, full, floor_cpu, full_cpu = [], [], [], []
    for _ in range(rounds):
        for q in qs:
            t, c = time.perf_counter(), time.thread_time()
            tokens = [t for t in dict.fromkeys(keywords(q)) if t in bm25.vocab_dict]
            scores = bm25.get_scores(tokens) if tokens else np.zeros(index.size)
            np.argpartition(-scores, min(TOP, len(scores) - 1))[:TOP]
            index.faiss_index.search(vecs[q][None, :], TOP)
            floor_cpu.append((time.thread_time() - c) * 1000)
            floor.append((time.perf_counter() - t) * 1000)
            t, c = time.perf_counter(), time.thread_time()
            searcher.search(q, k=10)
            full_cpu.append((time.thread_time() - c) * 1000)
            full.append((time.perf_counter() - t) * 1000)
    out = {
        "resources": index.size,
        "questions": len(qs),
        "rounds": rounds,
        "load_average": os.getloadavg()[0],
        "floor_p50_ms": pct(floor, 50),
        "floor_p99_ms": pct(floor, 99),
        "search_p50_ms": pct(full, 50),
        "search_p99_ms": pct(full, 99),
        # CPU time of this thread: what the machine's other work adds to wall time is left out
        "floor_cpu_p50_ms": pct(floor_cpu, 50),
        "search_cpu_p50_ms": pct(full_cpu, 50),
    }
    out["ratio_p50"] = out["search_p50_ms"] / out["floor_p50_ms"]
    out["ratio_cpu_p50"] = out["search_cpu_p50_ms"] / out["floor_cpu_p50_ms"]
    return out


def profile(data_dir: Path, qs: list[str]) -> None:
    """Print the 30 functions with the most own time over the questions (a second pass)."""
    from cradle.core.settings import Settings
    from cradle.index.search import open_searcher

    searcher = open_searcher(data_dir, Settings(data_dir=data_dir))
    for q in qs:  # a first pass warms every cache: the profile is of the steady state
        searcher.search(q, k=10)
    with cProfile.Profile() as prof:
        for q in qs:
            searcher.search(q, k=10)
    pstats.Stats(prof).sort_stats("tottime").print_stats(30)


def main() -> None:
    """Measure (and optionally profile) one data dir."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--profile", action="store_true")
    args = p.parse_args()
    qs = search_latency.queries(args.queries)
    if args.profile:
        profile(args.data_dir, qs)
        return
    print(json.dumps(measure(args.data_dir, qs, args.rounds), indent=1))


if __name__ == "__main__":
    main()
