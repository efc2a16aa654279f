"""The analyst queries (``queries/*.rq``) side by side on three engines over the same graph.ttl:
the embedded Oxigraph store, an external ``oxigraph serve-read-only`` over the SPARQL protocol,
and plain in-memory rdflib. Runs are interleaved (engine A, B, C, A, B, C, ...) so ratios hold
on a noisy machine; every answer is consumed fully and the row counts are compared.

Some queries in ``queries/`` are written for Oxigraph's planner (subqueries it hash-joins,
``FILTER EXISTS`` so that it starts from the smaller pattern); rdflib can be far slower on those
forms. rdflib therefore also runs the plainer first form of such a query (``queries_plain/``,
same rows) and is credited with the faster of the two.

    .venv/bin/python bench/analyst_queries.py --data-dir /work/scale/d100k --deadline 60
"""

from __future__ import annotations

import argparse
import json
import math
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common import BIN, RESULTS, ROOT, WORK, free_port, peak_mib, self_peak_mib, wait_http

from cradle.core.datadir import DataDir, Version
from cradle.core.errors import QueryTimeout
from cradle.core.settings import Settings
from cradle.graph.sparql.engine import open_engine

QUERIES = ROOT / "queries"
PLAIN = Path(__file__).resolve().parent / "queries_plain"
#: runs taking longer than this are not repeated.
SLOW_SECONDS = 20.0

Engine = Callable[[str], tuple[float, int]]


def _forked(setup: Callable[[], Callable[[], Any]], deadline: float) -> tuple[float, int]:
    """Time the query ``setup()`` prepares in a forked child (sharing the parent's parsed graph
    copy-on-write), killed at ``deadline`` seconds: (inf, -1) then. In-process engines cannot
    be interrupted, and one runaway query must not stall the benchmark."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: prepare (untimed), time the query, report, exit
        os.close(read)
        try:
            call = setup()
            start = time.perf_counter()
            rows = call()
            os.write(write, json.dumps([(time.perf_counter() - start) * 1000, rows]).encode())
        finally:
            os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], deadline)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    data = os.read(read, 1024) if ready else b""
    os.close(read)
    os.waitpid(pid, 0)
    if not data:
        return math.inf, -1
    ms, rows = json.loads(data)
    return float(ms), int(rows)


def _ratio(a: float, b: float) -> float | None:
    return None if math.isinf(a) or math.isinf(b) else a / b


def optimised_copy(data_dir: Path, work: Path) -> Path:
    """A copy of ``data_dir``'s store compacted by ``Store.optimize()``, with its manifest (a
    store straight from ``bulk_load`` answers about 2x slower until it is compacted)."""
    import pyoxigraph as ox

    out = work / "optimised"
    shutil.rmtree(out, ignore_errors=True)
    src, dst = DataDir(data_dir).open(), Version.at(out)
    shutil.copytree(src.store_dir, dst.store_dir)
    shutil.copy(src.graph_manifest_file, dst.graph_manifest_file)
    store = ox.Store(str(dst.store_dir))
    store.optimize()
    store.flush()
    del store
    return out


@contextmanager
def bulk_loaded_server(graph_ttl: Path, location: Path, timeout_s: int) -> Iterator[dict[str, Any]]:
    """``oxigraph load`` + ``optimize`` offline (the route for big graphs), then
    ``oxigraph serve-read-only`` on a free loopback port: yields base URL, pid, load seconds."""
    exe = str(BIN / "oxigraph")
    shutil.rmtree(location, ignore_errors=True)
    start = time.perf_counter()
    out = subprocess.DEVNULL
    subprocess.run([exe, "load", "-l", str(location), "-f", str(graph_ttl)], check=True, stderr=out)
    subprocess.run([exe, "optimize", "-l", str(location)], check=True, stderr=out)
    load_s = time.perf_counter() - start
    port = free_port()
    cmd = [exe, "serve-read-only", "-l", str(location), "-b", f"127.0.0.1:{port}"]
    proc = subprocess.Popen([*cmd, "--timeout-s", str(timeout_s)], stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/", 60, proc)
        yield {"base": base, "pid": proc.pid, "load_s": load_s}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _service(engine: Any) -> Engine:
    def call(q: str) -> tuple[float, int]:
        t = time.perf_counter()
        try:
            r = engine.execute(q, default_graphs=[], named_graphs=[], accept=None, fmt="json")
        except QueryTimeout:
            return math.inf, -1
        return (time.perf_counter() - t) * 1000, r.rows

    return call


def run(
    data_dir: Path,
    work: Path,
    reps: int = 5,
    deadline: float = 120.0,
    optimise: bool = True,
    only: str = "*",
) -> dict[str, Any]:
    """Time every analyst query on the three engines; returns per-query medians (ms).

    Each engine does the same work: evaluate, then serialise SPARQL JSON results. The embedded
    and remote engines are the service's own (``open_engine``), with their deadline; rdflib
    runs in a forked child killed at the deadline. A run cut off counts as infinite. With
    ``optimise``, the embedded engine queries an optimised copy of the store and the store as
    built is timed too (``embedded_as_built``).
    """
    from rdflib import Graph

    graph_ttl = DataDir(data_dir).open().graph_file
    out: dict[str, Any] = {"queries": {}, "deadline_s": deadline, "load_average": os.getloadavg()}
    mem0 = self_peak_mib()
    start = time.perf_counter()
    rdf = Graph().parse(graph_ttl, format="turtle")
    out["rdflib_parse_s"] = time.perf_counter() - start
    out["rdflib_peak_mib"] = self_peak_mib()
    out["process_peak_before_rdflib_mib"] = mem0
    limits = {"query_timeout": deadline, "row_cap": 10**9, "query_workers": 1}
    engines: dict[str, Any] = {}
    if optimise:
        engines["embedded_as_built"] = open_engine(Settings(data_dir=data_dir, **limits))  # type: ignore[arg-type]
        data_dir = optimised_copy(data_dir, work)
    engines["embedded"] = open_engine(Settings(data_dir=data_dir, **limits))  # type: ignore[arg-type]
    out["embedded_store"] = "optimised copy" if optimise else "as built"
    with bulk_loaded_server(graph_ttl, work / "oxigraph", int(deadline) + 5) as server:
        out["server_load_s"] = server["load_s"]
        out["server_load"] = "oxigraph load + optimize, offline"
        remote = open_engine(Settings(**limits, store_url=server["base"] + "/query"))  # type: ignore[arg-type]

        def rdflib_json(q: str) -> Callable[[], int]:
            def call() -> int:
                result = rdf.query(q)
                result.serialize(format="json")
                return 1 if result.type == "ASK" else sum(1 for _ in result)

            return call

        timers: dict[str, Engine] = {name: _service(e) for name, e in engines.items()}
        timers["server"] = _service(remote)
        timers["rdflib"] = lambda q: _forked(lambda: rdflib_json(q), deadline)
        try:
            for path in sorted(QUERIES.glob(f"{only}.rq")):
                out["queries"][path.stem] = _one(path, timers, reps)
        finally:
            for e in engines.values():
                e.close()
        out["server_peak_mib"] = peak_mib(server["pid"])
    return out


def _one(path: Path, engines: dict[str, Engine], reps: int) -> dict[str, Any]:
    texts = {name: path.read_text(encoding="utf-8") for name in engines}
    plain = PLAIN / path.name
    if plain.exists():
        texts["rdflib_plain"] = plain.read_text(encoding="utf-8")
        engines = {**engines, "rdflib_plain": engines["rdflib"]}
    times: dict[str, list[float]] = {name: [] for name in engines}
    rows: dict[str, int] = {}
    for rep in range(reps):
        for name, engine in engines.items():
            if rep and max(times[name]) > SLOW_SECONDS * 1000:
                continue  # slow or cut off: once is enough
            ms, count = engine(texts[name])
            times[name].append(ms)
            if count >= 0:
                rows[name] = count
    med = {name: statistics.median(t) for name, t in times.items()}
    if "rdflib_plain" in med:  # rdflib is credited with its faster form
        med["rdflib_as_written"] = med["rdflib"]
        med["rdflib"] = min(med["rdflib"], med["rdflib_plain"])
    print(f"  {path.stem}: " + ", ".join(f"{k} {v:.1f} ms" for k, v in med.items()), flush=True)
    return {
        "median_ms": {k: (None if math.isinf(v) else v) for k, v in med.items()},
        "runs": {name: len(t) for name, t in times.items()},
        "rows": rows,
        "rows_agree": len(set(rows.values())) == 1,
        "rdflib_over_embedded": _ratio(med["rdflib"], med["embedded"]),
        "rdflib_over_server": _ratio(med["rdflib"], med["server"]),
    }


def main() -> None:
    """Run on one built data dir; merge the result into ``bench/results/scale-N.json``."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data-dir", type=Path, required=True, help="holds graph.ttl and store/")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--deadline", type=float, default=60.0, help="cut-off per query run (s)")
    p.add_argument("--no-optimise", action="store_true", help="query the store as built only")
    p.add_argument("--only", default="*", help="queries whose name matches this glob")
    args = p.parse_args()
    n = DataDir(args.data_dir).open().graph_manifest()["resources"]
    work = WORK / f"analyst-{n}"
    work.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out
    result = run(args.data_dir, work, args.reps, args.deadline, not args.no_optimise, args.only)
    path = RESULTS / f"scale-{n}.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    if args.only != "*" and "analyst_queries" in old:  # a partial run updates those queries
        merged = old["analyst_queries"]
        merged.setdefault("reruns", {}).update(
            {name: {"load_average": result["load_average"]} for name in result["queries"]}
        )
        merged["queries"].update(result["queries"])
        result = merged
    load = result["load_average"]
    path.write_text(
        json.dumps({**old, "analyst_queries": result, "queries_load_average": load}, indent=2)
        + "\n"
    )
    print(f"wrote {path}", flush=True)


if __name__ == "__main__":
    main()
