"""Benchmark: how fast /sparql answers a cheap query while a runaway query is being cut off,
and whether 50 concurrent slow queries starve another route.

Runs uvicorn on loopback over the built catalogue (``cradle build --graph-only`` first) with
FastAPI + the /sparql router + a /ping route, then prints the timings as JSON.

    .venv/bin/python bench/sparql_deadline.py [--data-dir var] [--timeout 3]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn
from common import emit
from fastapi import FastAPI

from cradle.core.settings import Settings
from cradle.graph.sparql.engine import open_engine
from cradle.service.runtime import Runtime
from cradle.service.sparql import router

CHEAP = "ASK { ?s ?p ?o }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def serve(settings: Settings) -> tuple[uvicorn.Server, threading.Thread, FastAPI, str]:
    app = FastAPI()
    app.include_router(router)

    @app.get("/ping")
    def ping() -> dict[str, bool]:
        return {"ok": True}

    app.state.runtime = Runtime(settings, engine=open_engine(settings))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return server, thread, app, f"http://127.0.0.1:{port}"


def timed(client: httpx.Client, url: str, **params: str) -> tuple[float, int]:
    t = time.perf_counter()
    status = client.get(url, params=params).status_code
    return (time.perf_counter() - t) * 1000, status


def summary(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 2),
        "max_ms": round(ms[-1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Settings().data_dir)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    settings = Settings.model_validate({"data_dir": args.data_dir, "query_timeout": args.timeout})
    server, thread, app, base = serve(settings)
    out: dict[str, object] = {"query_timeout_s": args.timeout, "workers": settings.query_workers}
    try:
        with httpx.Client(timeout=60) as client:
            for _ in range(20):
                timed(client, f"{base}/sparql", query=CHEAP)
            out["cheap_idle"] = summary(
                [timed(client, f"{base}/sparql", query=CHEAP)[0] for _ in range(200)]
            )
            with ThreadPoolExecutor(1) as pool:
                runaway = pool.submit(
                    timed, httpx.Client(timeout=60), f"{base}/sparql", query=RUNAWAY
                )
                during = []
                while not runaway.done():
                    during.append(timed(client, f"{base}/sparql", query=CHEAP)[0])
                    time.sleep(0.02)
                ms, status = runaway.result()
            out["runaway"] = {"status": status, "answered_after_ms": round(ms, 1)}
            out["cheap_during_runaway"] = summary(during)
            time.sleep(1.5)  # let the killed worker's replacement start
            with ThreadPoolExecutor(50) as pool:
                slow = [
                    pool.submit(timed, httpx.Client(timeout=60), f"{base}/sparql", query=RUNAWAY)
                    for _ in range(50)
                ]
                pings = []
                while not all(f.done() for f in slow):
                    pings.append(timed(client, f"{base}/ping")[0])
                    time.sleep(0.02)
                statuses = [f.result()[1] for f in slow]
            out["ping_during_50_slow"] = summary(pings)
            out["fifty_slow_statuses"] = {str(s): statuses.count(s) for s in set(statuses)}
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.runtime.engine.close()
    emit(out, args.out, indent=2)


if __name__ == "__main__":
    main()
