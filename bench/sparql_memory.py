"""Benchmark: the serving memory of ``cradle serve`` after the worst SPARQL queries of issue 17
(the 532-byte CONCAT-over-VALUES bomb, a 990 KB variable name, runaways, clients that never
read their answer).

Builds the curated catalogue's graph in a temporary data dir, runs ``cradle serve`` on a loopback
port with the default limits, and prints (and with ``--out`` writes) the server process's
resident memory and its SPARQL workers' after each step, as JSON.

    .venv/bin/python bench/sparql_memory.py [--out bench/results/sparql_memory.json]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from common import ROOT, cradle_cmd, emit, free_port

from cradle.graph.build.pipeline import build_graph

BOMB = (
    "SELECT ?a9 { VALUES ?v { "
    + " ".join(f'"{c * 100}"' for c in "abcdefghij")
    + " } BIND(CONCAT(?v,?v,?v,?v) AS ?a1) "
    + " ".join(f"BIND(CONCAT(?a{i},?a{i},?a{i},?a{i}) AS ?a{i + 1})" for i in range(1, 9))
    + " }"
)
BIG = BOMB.replace("SELECT ?a9", "SELECT ?a7")  # 10 rows of 1.6 MB: cut at the byte cap
LONG_NAME = "SELECT ?" + "v" * 990_000 + " { ?s ?p ?o } LIMIT 1"
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def children(pid: int) -> list[int]:
    """Direct child processes (the SPARQL workers)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def snapshot(pid: int) -> dict[str, float]:
    """The server's and its workers' resident memory."""
    workers = [rss_mb(p) for p in children(pid)]
    return {"server_mb": rss_mb(pid), "workers_mb": round(sum(workers), 1), "workers": len(workers)}


def main() -> None:
    """Serve, send the worst queries, print memory after each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        build_graph(ROOT / "data" / "catalogue.yaml", data)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        cmd = cradle_cmd("serve", "--port", str(port), "--data-dir", str(data))
        env = os.environ | {"CRADLE_EMBEDDER": "fake"}
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    if httpx.get(base + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            httpx.get(base + "/sparql", params={"query": "ASK {}"}, timeout=30)
            steps: dict[str, object] = {"idle": snapshot(proc.pid)}
            sizes = []
            for _ in range(3):
                r = httpx.get(base + "/sparql", params={"query": BOMB}, timeout=120)
                sizes.append((r.status_code, len(r.content), r.headers.get("x-cradle-truncated")))
            steps["after 3 CONCAT bombs"] = snapshot(proc.pid) | {"answers": sizes}
            codes = []
            for _ in range(3):
                r = httpx.post(
                    base + "/sparql",
                    content=LONG_NAME,
                    timeout=120,
                    headers={"content-type": "application/sparql-query"},
                )
                codes.append(r.status_code)
            steps["after 3 990 KB variable names"] = snapshot(proc.pid) | {"statuses": codes}
            with ThreadPoolExecutor(4) as pool:
                futures = [
                    pool.submit(httpx.get, base + "/sparql", params={"query": RUNAWAY}, timeout=60)
                    for _ in range(4)
                ]
                statuses = sorted(f.result().status_code for f in futures)
            steps["after 4 runaways (one client)"] = snapshot(proc.pid) | {"statuses": statuses}
            held = []
            query = httpx.QueryParams({"query": BIG})
            for _ in range(6):
                sock = socket.create_connection(("127.0.0.1", port))
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.sendall(f"GET /sparql?{query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                held.append(sock)
            time.sleep(15)
            steps["6 clients not reading an 8 MB answer"] = snapshot(proc.pid)
            time.sleep(35)  # past the write timeout: they are dropped
            steps["after they are dropped"] = snapshot(proc.pid)
            for sock in held:
                sock.close()
        finally:
            proc.terminate()
            proc.wait(30)
    emit({"bench": "sparql_memory", "steps": steps}, args.out)


if __name__ == "__main__":
    main()
