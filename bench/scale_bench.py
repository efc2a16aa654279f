"""Scale benchmark: synthetic national catalogues of 10k and 100k resources.

    .venv/bin/python bench/scale_bench.py --sizes 10000 100000
    .venv/bin/python bench/report.py          # bench/RESULTS.md and bench/latency.png

For each size: ``cradle synth``; ``cradle build --graph-only`` and the full ``cradle build``
(time, throughput, peak memory, each in a child process); the analyst queries on the embedded
store, an Oxigraph server and rdflib; search latency in-process and over HTTP; serve's peak
memory. Results go to ``bench/results/scale-N.json``. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import analyst_queries  # noqa: E402
import search_latency  # noqa: E402
from common import BIN, RESULTS, WORK, machine, run_measured  # noqa: E402

from cradle.core.datadir import DataDir  # noqa: E402


def _build(cat: Path, data: Path, graph_only: bool, log: Path) -> dict[str, Any]:
    shutil.rmtree(data, ignore_errors=True)
    cmd = [str(BIN / "cradle"), "build", "--catalogue", str(cat), "--data-dir", str(data)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    run = run_measured([*cmd, "--graph-only"] if graph_only else cmd, env=env, log=log)
    if run.returncode:
        raise SystemExit(f"build failed ({run.returncode}); see {log}")
    version = DataDir(data).open()
    manifest = version.graph_manifest()
    return {
        "seconds": run.seconds,
        "cpu_s": run.cpu_s,
        "peak_mib": run.peak_mib,
        "resources_per_s": manifest["resources"] / run.seconds,
        "triples": manifest["triples"],
        "graph_ttl_mib": version.graph_file.stat().st_size / 2**20,
    }


def bench_size(n: int, seed: int, parts: set[str], args: argparse.Namespace) -> dict[str, Any]:
    """Run every part of the benchmark at ``n`` resources."""
    from cradle.graph.sources.synth import write_synthetic

    work = WORK / str(n)
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"resources": n, "seed": seed, "machine": machine()}
    out["embedder"] = args.embedder
    start = time.perf_counter()
    cat = write_synthetic(n, work / "synth", seed)
    out["synth_s"] = time.perf_counter() - start
    search = importlib.util.find_spec("cradle.index.search") is not None
    data = work / "data"
    if "build" in parts:
        print(f"[{n}] graph-only build", flush=True)
        out["build_load_average"] = os.getloadavg()
        out["build_graph"] = _build(cat, work / "graph-only", True, work / "build-graph.log")
        if search:
            print(f"[{n}] full build (graph + index)", flush=True)
            out["build_full"] = _build(cat, data, False, work / "build-full.log")
        else:
            shutil.rmtree(data, ignore_errors=True)
            shutil.copytree(work / "graph-only", data)
    if "queries" in parts:
        print(f"[{n}] analyst queries", flush=True)
        out["queries_load_average"] = os.getloadavg()
        out["analyst_queries"] = analyst_queries.run(data, work, args.reps, args.deadline)
    if "search" in parts and not search:
        out["search_error"] = "cradle.index.search is not there yet"
    elif "search" in parts:
        out["search_load_average"] = os.getloadavg()
        qs = search_latency.queries(args.queries)
        try:
            print(f"[{n}] search in-process", flush=True)
            out["search_in_process"] = search_latency.in_process(data, qs)
            for workers in args.workers:  # `cradle serve --workers N`
                print(f"[{n}] search over HTTP, {workers} server process(es)", flush=True)
                key = "search_http" if workers == 1 else f"search_http_workers_{workers}"
                out[key] = search_latency.over_http(data, qs, workers=workers)
        except Exception as exc:  # a benchmark reports what failed, and goes on
            out["search_error"] = f"{exc.__class__.__name__}: {exc}"
    return out


def main() -> None:
    """Parse arguments and run the benchmark for each size."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--parts", nargs="+", default=["build", "queries", "search"])
    p.add_argument(
        "--queries",
        type=int,
        default=2000,
        help="search questions per size: all in-process, half with 1 client, half with 16 "
        "(p99 of a few hundred is the 4th-slowest: one hiccup of the machine moves it)",
    )
    p.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="server processes to measure"
    )
    p.add_argument(
        "--embedder",
        default="sentence-transformers",
        help="'fake' (hashing) when the real model would take too long to embed everything",
    )
    p.add_argument("--reps", type=int, default=5, help="runs of each analyst query per engine")
    p.add_argument("--deadline", type=float, default=120.0, help="cut-off per query run (s)")
    args = p.parse_args()
    os.environ["CRADLE_EMBEDDER"] = args.embedder  # for the builds and servers it starts
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop servers on the way out
    RESULTS.mkdir(parents=True, exist_ok=True)
    for n in args.sizes:
        result = bench_size(n, args.seed, set(args.parts), args)
        path = RESULTS / f"scale-{n}.json"
        old = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps({**old, **result}, indent=2) + "\n")
        print(f"[{n}] wrote {path}", flush=True)


if __name__ == "__main__":
    main()
