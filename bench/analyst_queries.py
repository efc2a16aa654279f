"""The analyst queries (``queries/*.rq``) side by side on three engines over the same graph.ttl:
the embedded Oxigraph store, an external ``oxigraph serve`` over the SPARQL protocol, and plain
in-memory rdflib. Runs are interleaved (engine A, B, C, A, B, C, ...) so ratios hold on a
noisy machine; every answer is consumed fully and the row counts are compared."""

from __future__ import annotations

import json
import math
import os
import select
import signal
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import ROOT, oxigraph_server, peak_mib, self_peak_mib

from cradle.errors import QueryTimeout
from cradle.graph.engine import open_engine
from cradle.graph.remote import gsp_url, load_graph
from cradle.settings import Settings

QUERIES = ROOT / "queries"
#: rdflib runs taking longer than this are not repeated.
SLOW_SECONDS = 20.0


def _count(result: Any) -> int:
    if getattr(result, "type", None) == "ASK":
        return 1
    return sum(1 for _ in result)


def _timed(fn: Callable[[], Any]) -> tuple[float, int]:
    start = time.perf_counter()
    rows = _count(fn())
    return (time.perf_counter() - start) * 1000, rows


def _forked(setup: Callable[[], Callable[[], Any]], deadline: float) -> tuple[float, int]:
    """Time the query ``setup()`` prepares in a forked child (sharing the parent's parsed graph
    copy-on-write), killed at ``deadline`` seconds: (inf, -1) then. In-process engines cannot
    be interrupted, and one runaway query must not stall the benchmark."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: prepare (untimed), time the query, report, exit
        os.close(read)
        try:
            ms, rows = _timed(setup())
            os.write(write, json.dumps([ms, rows]).encode())
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


def run(data_dir: Path, work: Path, reps: int = 5, deadline: float = 120.0) -> dict[str, Any]:
    """Time every analyst query on the three engines; returns per-query medians (ms).

    Each engine does the same work: evaluate, then serialise SPARQL JSON results. The embedded
    and remote engines are the service's own (``open_engine``), with their deadline; rdflib
    runs in a forked child killed at the deadline. A run cut off counts as infinite.
    """
    from rdflib import Graph

    graph_ttl = data_dir / "graph.ttl"
    out: dict[str, Any] = {"queries": {}, "deadline_s": deadline}
    mem0 = self_peak_mib()
    start = time.perf_counter()
    rdf = Graph().parse(graph_ttl, format="turtle")
    out["rdflib_parse_s"] = time.perf_counter() - start
    out["rdflib_peak_mib"] = self_peak_mib()
    out["process_peak_before_rdflib_mib"] = mem0
    limits = {"data_dir": data_dir, "query_timeout": deadline, "row_cap": 10**9}
    embedded = open_engine(Settings(**limits, query_workers=1))  # type: ignore[arg-type]
    with oxigraph_server(work / "oxigraph", timeout_s=int(deadline) + 5) as (base, pid):
        start = time.perf_counter()
        load_graph(graph_ttl, gsp_url(base + "/query", None), progress=False)
        out["server_load_s"] = time.perf_counter() - start
        remote = open_engine(Settings(**limits, store_url=base + "/query"))  # type: ignore[arg-type]

        def service(engine: Any) -> Callable[[str], tuple[float, int]]:
            def call(q: str) -> tuple[float, int]:
                t = time.perf_counter()
                try:
                    r = engine.execute(
                        q, default_graphs=[], named_graphs=[], accept=None, fmt="json"
                    )
                except QueryTimeout:
                    return math.inf, -1
                return (time.perf_counter() - t) * 1000, r.rows

            return call

        def rdflib_json(q: str) -> Callable[[], Any]:
            def call() -> Any:
                result = rdf.query(q)
                result.serialize(format="json")
                return result

            return call

        engines: dict[str, Callable[[str], tuple[float, int]]] = {
            "embedded": service(embedded),
            "server": service(remote),
            "rdflib": lambda q: _forked(lambda: rdflib_json(q), deadline),
        }
        try:
            for path in sorted(QUERIES.glob("*.rq")):
                out["queries"][path.stem] = _one(path, engines, reps)
        finally:
            embedded.close()
        out["server_peak_mib"] = peak_mib(pid)
    return out


def _one(
    path: Path, engines: dict[str, Callable[[str], tuple[float, int]]], reps: int
) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    times: dict[str, list[float]] = {name: [] for name in engines}
    rows: dict[str, int] = {}
    for rep in range(reps):
        for name, engine in engines.items():
            if rep and max(times[name]) > SLOW_SECONDS * 1000:
                continue  # slow or cut off: once is enough
            ms, count = engine(text)
            times[name].append(ms)
            if count >= 0:
                rows[name] = count
    med = {name: statistics.median(t) for name, t in times.items()}
    print(f"  {path.stem}: " + ", ".join(f"{k} {v:.1f} ms" for k, v in med.items()), flush=True)
    return {
        "median_ms": {k: (None if math.isinf(v) else v) for k, v in med.items()},
        "runs": {name: len(t) for name, t in times.items()},
        "rows": rows,
        "rows_agree": len(set(rows.values())) == 1,
        "rdflib_over_embedded": _ratio(med["rdflib"], med["embedded"]),
        "rdflib_over_server": _ratio(med["rdflib"], med["server"]),
    }
