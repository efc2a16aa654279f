"""Benchmark (issue 21): what one hostile request costs the service now, per class.

Starts ``cradle serve`` on loopback over a built data dir (``cradle build --graph-only``), then
for each class sends one hostile request (or connection flood) while another client asks for
``/health`` and ``ASK {}`` every 0.1 s, and prints, per class: the attacker's status and wall
time, the CPU seconds the server process and its query workers spent, and the other client's
longest wait. Clients are told apart by X-Forwarded-For from loopback (a trusted proxy here).

    .venv/bin/python bench/hostile_requests.py --data-dir DIR [--timeout 10] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from common import BIN, emit, free_port, machine, tree_pids, wait_http

MB = 990_000  # under the service's 1,000,000-byte body limit with the query around it
BODIES = {
    "prefix-spaces-1MB": "PREFIX" + " " * MB,
    "escaped-quotes-1MB, unclosed": 'SELECT * { ?s ?p "' + '\\"' * (MB // 2) + " }",
    "escaped-quotes-1MB, closed (a valid query)": 'SELECT * { ?s ?p "' + '\\"' * (MB // 2) + '" }',
    "in-list-1MB (token limit)": "ASK { ?s ?p ?o FILTER(?o IN ("
    + ",".join(["1"] * (MB // 2))
    + ")) }",
    "slow-parse IN list 9,000 (45 KB)": "ASK { ?s ?p ?o FILTER(?o IN ("
    + ",".join(["1234"] * 9000)
    + ")) }",
}


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of the processes (those still alive)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class Victim(threading.Thread):
    """Another client: /health and ASK {} in turn until stopped; keeps its longest wait."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base, self.stop, self.waits = base, threading.Event(), [0.0]

    def run(self) -> None:
        with httpx.Client(headers={"X-Forwarded-For": "198.51.100.7"}, timeout=60) as client:
            while not self.stop.is_set():
                for path, params in (("/health", {}), ("/sparql", {"query": "ASK {}"})):
                    started = time.monotonic()
                    client.get(self.base + path, params=params)
                    self.waits.append(time.monotonic() - started)
                time.sleep(0.1)


def body_attack(base: str, body: str) -> tuple[int, float]:
    started = time.monotonic()
    response = httpx.post(
        base + "/sparql",
        content=body.encode(),
        headers={"Content-Type": "application/sparql-query", "X-Forwarded-For": "192.0.2.1"},
        timeout=120,
    )
    return response.status_code, time.monotonic() - started


def trickle_attack(base: str) -> tuple[int, float]:
    port = int(base.rsplit(":", 1)[1])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query"
            b"\r\nContent-Length: 100000\r\n\r\n"
        )
        sock.settimeout(1)
        while time.monotonic() - started < 120:
            try:
                head = sock.recv(100)
                break
            except TimeoutError:
                sock.sendall(b" ")  # a byte a second
    status = int(head.split()[1]) if head.startswith(b"HTTP/") else 0
    return status, time.monotonic() - started


def flood_attack(base: str, count: int) -> tuple[int, float]:
    port = int(base.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    try:
        started = time.monotonic()
        status = httpx.get(base + "/health", timeout=30).status_code
        return status, time.monotonic() - started
    finally:
        for sock in idle:
            sock.close()


def measure(proc: subprocess.Popen[bytes], base: str, name: str, attack: Any) -> dict[str, Any]:
    pids = tree_pids(proc.pid)
    before, server_before = cpu_s(pids), cpu_s([proc.pid])
    victim = Victim(base)
    victim.start()
    time.sleep(0.3)
    status, took = attack()
    time.sleep(0.3)
    victim.stop.set()
    victim.join()
    return {
        "class": name,
        "status": status,
        "answered_s": round(took, 2),
        # both include the other client's requests; a worker killed at the deadline is not
        # counted (its CPU is at most the deadline)
        "server_process_cpu_s": round(cpu_s([proc.pid]) - server_before, 2),
        "server_and_workers_cpu_s": round(cpu_s(pids) - before, 2),
        "other_client_max_wait_s": round(max(victim.waits), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    port = free_port()
    env = os.environ | {
        "CRADLE_QUERY_TIMEOUT": str(args.timeout),
        "CRADLE_TRUSTED_PROXIES": '["127.0.0.1"]',
        "CRADLE_EMBEDDER": "fake",
    }
    cmd = [str(BIN / "cradle"), "serve", "--port", str(port), "--data-dir", str(args.data_dir)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/health", 60, proc)
        rows = [
            measure(proc, base, name, lambda b=body: body_attack(base, b))
            for name, body in BODIES.items()
        ]
        rows.append(measure(proc, base, "slow body (1 byte/s)", lambda: trickle_attack(base)))
        rows.append(
            measure(
                proc, base, "600 idle connections, then a request", lambda: flood_attack(base, 600)
            )
        )
    finally:
        proc.terminate()
        proc.wait(15)
    emit({"machine": machine(), "query_timeout_s": args.timeout, "rows": rows}, args.out)


if __name__ == "__main__":
    sys.exit(main())
