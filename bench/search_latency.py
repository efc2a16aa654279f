"""Search latency at catalogue scale: in-process (the search helper's Searcher) and over HTTP
(``cradle serve``) with 1 and 16 concurrent clients; serve's peak memory.

Queries are unique practitioner-style questions composed from the thesaurus, places and format
words (so the query-embedding cache never answers), plus the dev set's questions."""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from common import (
    BIN,
    ROOT,
    cpu_probe_ms,
    emit,
    free_port,
    machine,
    pct,
    peak_mib,
    tree_peak_mib,
    tree_pids,
    tree_pss_mib,
    wait_http,
)

FORMAT_WORDS = ("", "", "video", "slides", "leaflet", "template", "policy", "checklist", "briefing")
PLACES = ("", "", "Bolton", "Oldham", "Leeds", "Kent", "Cornwall", "Hackney", "Greater Manchester")
DEV = ROOT.parent / "shared" / "eval" / "dev_queries.json"


def queries(n: int, seed: int = 11) -> list[str]:
    """``n`` distinct search questions."""
    from cradle.graph.build.ontology import terms

    vocab = terms()
    rng = random.Random(seed)
    words = sorted({s for syns in vocab.synonyms.values() for s in syns if len(s) > 3})
    out: list[str] = json.loads(DEV.read_text())[:24] if DEV.exists() else []
    out = [q["query"] if isinstance(q, dict) else str(q) for q in out]
    seen = set(out)
    while len(out) < n:
        place = rng.choice(PLACES)
        parts = (
            rng.choice(("", "help with", "what can I give parents about", "resources on")),
            rng.choice(words),
            rng.choice(FORMAT_WORDS),
            f"in {place}" if place else "",
        )
        q = " ".join(w for w in parts if w)
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out[:n]


def in_process(data_dir: Path, qs: list[str]) -> dict[str, Any]:
    """p50/p99 of ``Searcher.search`` called directly, one query at a time."""
    from cradle.core.settings import Settings
    from cradle.index.search import open_searcher

    start = time.perf_counter()
    searcher = open_searcher(data_dir, Settings(data_dir=data_dir))  # CRADLE_EMBEDDER applies
    load_s = time.perf_counter() - start
    searcher.search("warm up the model and the index", k=10)
    times = []
    for q in qs:
        t = time.perf_counter()
        searcher.search(q, k=10)
        times.append((time.perf_counter() - t) * 1000)
    return {"load_s": load_s, "n": len(times), "p50_ms": pct(times, 50), "p99_ms": pct(times, 99)}


_LOCAL = threading.local()


#: The load balancer the clients come through is loopback, trusted to name them.
SERVER_ENV = {"CRADLE_TRUSTED_PROXIES": '["127.0.0.1"]'}
_CLIENTS = itertools.count()


def _get(base: str, q: str) -> float:
    """One GET /search on this thread's kept-alive connection (as a load balancer keeps them),
    for this thread's client: each thread is another person behind the balancer, named in
    ``X-Forwarded-For`` (the server trusts loopback as its proxy, :data:`SERVER_ENV`; a server
    that does not read the header serves it the same)."""
    parts = urllib.parse.urlsplit(base)
    conn = getattr(_LOCAL, "conn", None)
    if conn is None or getattr(_LOCAL, "base", None) != base:
        conn = _LOCAL.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        _LOCAL.base = base
    if not hasattr(_LOCAL, "client"):
        n = next(_CLIENTS)
        _LOCAL.client = f"10.0.{n // 250}.{n % 250 + 1}"
    path = "/search?" + urllib.parse.urlencode({"q": q, "k": 10})
    t = time.perf_counter()
    conn.request("GET", path, headers={"X-Forwarded-For": _LOCAL.client})
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        raise RuntimeError(f"search answered {r.status}")
    return (time.perf_counter() - t) * 1000


def _cpu_s(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _close_connection() -> None:
    """Close this thread's kept-alive connection, if any."""
    conn = getattr(_LOCAL, "conn", None)
    if conn is not None:
        conn.close()
    _LOCAL.conn = None


def _wait_workers(log: Path, workers: int, base: str, timeout: float = 900) -> None:
    """Wait until each worker of a ``--workers`` server has said its start-up is complete."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.read_text(errors="replace").count("Application startup complete") >= workers:
            return
        time.sleep(0.5)
    raise RuntimeError(f"{base}: the server's {workers} workers did not all start")


def over_http(
    data_dir: Path,
    qs: list[str],
    clients: tuple[int, ...] = (1, 16),
    workers: int = 1,
    warm: list[str] | None = None,
) -> dict[str, Any]:
    """Start ``cradle serve --workers N`` on the data dir; p50/p99 of GET /search per client
    count, the server's CPU per request, and its memory (peak RSS and PSS of the tree). The
    ``warm`` questions (16 clients) go first, unmeasured, as a server that has run a while."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **SERVER_ENV}
    cmd = [
        str(BIN / "cradle"),
        "serve",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    log = Path(tempfile.mkstemp(prefix="cradle-serve-", suffix=".log")[1])
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, env=env, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {"workers": workers}
    try:
        start = time.perf_counter()
        wait_http(base + "/health", 900, proc)
        if workers > 1:  # /health answers once one worker is up: wait for them all
            _wait_workers(log, workers, base)
        out["startup_s"] = time.perf_counter() - start
        for _ in range(4 * workers):  # new connections, so that every worker gets some
            _close_connection()
            _get(base, "warm up")
        if warm:
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(lambda q: _get(base, q), warm))
        _close_connection()  # an idle kept-alive connection would count as one of a worker's
        per = len(qs) // len(clients)
        for i, c in enumerate(clients):
            batch = qs[i * per : (i + 1) * per]
            pids = tree_pids(proc.pid)
            cpu = _cpu_s(pids)
            t = time.perf_counter()
            with ThreadPoolExecutor(c) as pool:
                times = list(pool.map(lambda q: _get(base, q), batch))
            wall = time.perf_counter() - t
            out[f"clients_{c}"] = {
                "n": len(times),
                "p50_ms": pct(times, 50),
                "p99_ms": pct(times, 99),
                "throughput_qps": len(times) / wall,
                "server_cpu_ms_per_request": (_cpu_s(pids) - cpu) * 1000 / len(times),
            }
        # the server process's own peak (one worker's with --workers: the parent loads nothing)
        out["serve_peak_mib"] = max(peak_mib(p) for p in tree_pids(proc.pid))
        out["serve_tree_peak_mib"] = tree_peak_mib(proc.pid)  # with its SPARQL workers
        out["serve_tree_pss_mib"] = tree_pss_mib(proc.pid)  # shared pages counted once
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.unlink(missing_ok=True)
    return out


def main() -> None:
    """Search latency on one built data dir: in process, then over HTTP per worker count."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-dir", type=Path, required=True, help="a `cradle build` output")
    p.add_argument("--queries", type=int, default=2000, help="questions per measurement")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="`--workers` to try")
    p.add_argument("--out", type=Path, help="write the JSON here too")
    args = p.parse_args()
    qs = queries(24 + 3 * args.queries)[24:]  # unique: none answered from the query cache
    out: dict[str, Any] = {"data_dir": str(args.data_dir), "machine": machine()}
    out["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out["cpu_probe_ms_before"] = cpu_probe_ms()
    out["in_process"] = in_process(args.data_dir, qs[: args.queries])
    for w in args.workers:  # half the rest with 1 client, half with 16
        out[f"http_workers_{w}"] = over_http(args.data_dir, qs[args.queries :], workers=w)
    out["cpu_probe_ms_after"] = cpu_probe_ms()
    emit(out, args.out)


if __name__ == "__main__":
    main()
