"""Search against the retrieval floor, and against another checkout (round one), in one run.

    CRADLE_EMBEDDER=fake .venv/bin/python bench/search_floor.py --data-dir DIR
        [--queries 600] [--warm 600] [--against PYTHON:DATA_DIR] [--runs 2] [--http]
        [--http-queries 2000]
        [--profile]

Questions are unique (``search_latency.queries``): the first ``--warm`` warm each side's caches of
resources (cards, sentences, hierarchy walks), the next ``--queries`` are measured, so no
measured question was seen before (a cache of questions never answers). Query vectors are
embedded beforehand for the floors; the search embeds its own (the fake embedder: hashing).

Timed in blocks (every question once per block), in two rounds with the order reversed in the
second, so that neither side runs with the other's data in the CPU caches:

- ``floor_bm25s``: the issue's retrieval floor: bm25s's own top 100 for the question
  (``bm25s.tokenize`` with the English stemmer, ``BM25.retrieve(k=100)``) plus FAISS's top 100
  for the same query vector, on the same index files;
- ``floor_sum``: a stricter floor: Cradle's BM25 tokens, ``BM25.get_scores`` and a partition
  for the top 100, plus FAISS's top 100;
- ``search``: Cradle's whole ``Searcher.search`` (k=10).

``--against PYTHON:DATA_DIR`` runs this script with another interpreter (another checkout's
venv, e.g. round one's) on its own build, alternately with this one, ``--runs`` times each; with
``--http`` each run also measures 1 and 16 HTTP clients against a ``cradle serve`` of each
(``search_latency.over_http``): the server first answers the warm questions, then
``--http-queries`` new ones per client count are measured. Prints JSON. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import pct  # noqa: E402

TOP = 100


def _open(data_dir: Path) -> tuple[Any, Any]:
    """This checkout's searcher and its bm25s index (round one's layout and names as well)."""
    import bm25s

    try:
        from cradle.core.settings import Settings
    except ImportError:  # round one
        from cradle.settings import Settings  # type: ignore[import-not-found,no-redef]
    from cradle.index.search import open_searcher

    searcher = open_searcher(data_dir, Settings(data_dir=data_dir))
    try:
        from cradle.core.datadir import DataDir

        folder = DataDir(data_dir).open().bm25_dir
    except ImportError:  # round one
        folder = data_dir / "search" / "bm25"
    return searcher, bm25s.BM25.load(str(folder), mmap=True)


def measure(data_dir: Path, warm: list[str], qs: list[str]) -> dict[str, Any]:
    """p50/p99 (wall and this thread's CPU, ms) of both floors and of the search."""
    import bm25s
    import Stemmer

    from cradle.index.text import keywords

    searcher, bm25 = _open(data_dir)
    index = searcher.index
    stemmer = Stemmer.Stemmer("english")
    vecs = {q: searcher.embed_query(q) for q in qs}
    for q in warm:
        searcher.search(q, k=10)

    def floor_sum(q: str) -> None:
        tokens = [t for t in dict.fromkeys(keywords(q)) if t in bm25.vocab_dict]
        scores = bm25.get_scores(tokens) if tokens else np.zeros(index.size)
        np.argpartition(-scores, min(TOP, len(scores) - 1))[:TOP]
        index.faiss_index.search(vecs[q][None, :], TOP)

    def floor_bm25s(q: str) -> None:
        tokens = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        bm25.retrieve(tokens, k=TOP, show_progress=False)  # its defaults: one thread, in line
        index.faiss_index.search(vecs[q][None, :], TOP)

    def search(q: str) -> None:
        searcher.search(q, k=10)

    runs: dict[str, tuple[list[float], list[float]]] = {}
    order: list[tuple[str, Callable[[str], None]]] = [
        ("floor_bm25s", floor_bm25s), ("floor_sum", floor_sum), ("search", search)
    ]  # fmt: skip
    for reverse in (False, True):
        for name, run in order[::-1] if reverse else order:
            wall, cpu = runs.setdefault(name, ([], []))
            for q in qs:
                t, c = time.perf_counter(), time.thread_time()
                run(q)
                cpu.append((time.thread_time() - c) * 1000)
                wall.append((time.perf_counter() - t) * 1000)
    out: dict[str, Any] = {"resources": index.size, "questions": len(qs), "warm": len(warm)}
    out["load_average"] = os.getloadavg()[0]
    for name, (wall, cpu) in runs.items():
        out[name] = {"p50_ms": pct(wall, 50), "p99_ms": pct(wall, 99), "cpu_p50_ms": pct(cpu, 50)}
    for floor in ("floor_bm25s", "floor_sum"):
        out[f"search_over_{floor}"] = out["search"]["p50_ms"] / out[floor]["p50_ms"]
    return out


def profile(data_dir: Path, warm: list[str], qs: list[str]) -> None:
    """Print the 30 functions with the most own time over the measured questions."""
    searcher, _ = _open(data_dir)
    for q in warm:
        searcher.search(q, k=10)
    with cProfile.Profile() as prof:
        for q in qs:
            searcher.search(q, k=10)
    pstats.Stats(prof).sort_stats("tottime").print_stats(30)


def _child(python: str, data_dir: Path, questions: Path) -> dict[str, Any]:
    """This script's measurement by ``python`` (another checkout) on ``data_dir``."""
    cmd = [python, __file__, "--data-dir", str(data_dir), "--questions", str(questions)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def against(args: argparse.Namespace, warm: list[str], qs: list[str]) -> dict[str, Any]:
    """This checkout and another, alternately, in separate processes; with ``--http`` also
    1 and 16 HTTP clients against a server of each."""
    import search_latency

    python, _, other = args.against.partition(":")
    sides = {"this": (sys.executable, args.data_dir), "other": (python, Path(other))}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"warm": warm, "questions": qs}, f)
    per = 2 * args.http_queries  # one set for 1 client, one for 16
    fresh = search_latency.queries(24 + len(warm) + len(qs) + 2 * args.runs * per)
    fresh = fresh[24 + len(warm) + len(qs) :]
    out: dict[str, Any] = {"other": args.against, "runs": []}
    try:
        for run in range(args.runs):
            for side, (py, data) in sides.items():
                found: dict[str, Any] = {"side": side, "run": run}
                found["in_process"] = _child(py, data, Path(f.name))
                if args.http:
                    search_latency.BIN = Path(py).parent
                    at = (2 * run + (side == "other")) * per
                    http = search_latency.over_http(
                        data, fresh[at : at + per], clients=(1, 16), warm=warm
                    )
                    found["http"] = {c: http[c] for c in ("clients_1", "clients_16")}
                    found["http"]["load_average"] = os.getloadavg()[0]
                out["runs"].append(found)
                print(json.dumps(found), file=sys.stderr, flush=True)
    finally:
        Path(f.name).unlink(missing_ok=True)
    return out


def main() -> None:
    """Measure (or profile) one data dir, or this checkout against another."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--queries", type=int, default=600, help="measured questions")
    p.add_argument("--warm", type=int, default=600, help="questions that warm the caches first")
    p.add_argument("--questions", type=Path, help="(internal) the questions, as JSON")
    p.add_argument("--against", help="PYTHON:DATA_DIR of another checkout, run alternately")
    p.add_argument("--runs", type=int, default=2, help="alternations with --against")
    p.add_argument("--http", action="store_true", help="with --against: 1 and 16 HTTP clients")
    p.add_argument(
        "--http-queries", type=int, default=2000, help="measured questions per client count"
    )
    p.add_argument("--profile", action="store_true")
    args = p.parse_args()
    if args.questions:
        given = json.loads(args.questions.read_text())
        warm, qs = given["warm"], given["questions"]
    else:
        import search_latency

        every = search_latency.queries(24 + args.warm + args.queries)[24:]
        warm, qs = every[: args.warm], every[args.warm :]
    if args.profile:
        profile(args.data_dir, warm, qs)
    elif args.against:
        print(json.dumps(against(args, warm, qs), indent=1))
    else:
        print(json.dumps(measure(args.data_dir, warm, qs), indent=1))


if __name__ == "__main__":
    main()
