"""Benchmark: one client's flood of searches against another client's single searches.

Starts ``cradle serve`` on loopback over a built data dir (optionally with another checkout's
interpreter, ``--python``, e.g. a version without turns), then for each number of flooding
connections: that many threads send long varied searches (``k=100``, about 140 random words,
so no cache answers) from one client, while another client asks ``/search?q=baby+crying`` 30
times in a row; prints the other client's p50 and longest wait. Clients are told apart by
X-Forwarded-For from loopback (a trusted proxy here).

    .venv/bin/python bench/search_turns.py --data-dir DIR [--python PYTHON] [--floods 0 4 16 64]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from common import emit, free_port, machine, pct, wait_http

VICTIM = "10.0.0.2"
FLOODER = "10.0.0.1"


def _flood(base: str, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    with httpx.Client(base_url=base, timeout=120) as http:
        while not stop.is_set():
            words = " ".join("".join(rng.choices(letters, k=6)) for _ in range(140))
            http.get("/search", params={"q": words, "k": 100}, headers={"X-Forwarded-For": FLOODER})


def measure(base: str, flooders: int) -> dict[str, Any]:
    """The other client's waits while ``flooders`` connections flood."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=_flood, args=(base, stop, n), daemon=True) for n in range(flooders)
    ]
    for t in threads:
        t.start()
    time.sleep(2 if flooders else 0)  # the flood's queue fills first
    waits = []
    with httpx.Client(base_url=base, timeout=120) as http:
        for _ in range(30):
            t0 = time.perf_counter()
            r = http.get(
                "/search", params={"q": "baby crying"}, headers={"X-Forwarded-For": VICTIM}
            )
            waits.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.status_code
    stop.set()
    for t in threads:
        t.join(timeout=180)
    return {"flooding_connections": flooders, "p50_ms": round(pct(waits, 50), 1),
            "max_ms": round(max(waits), 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--python", default=sys.executable, help="the interpreter to serve with")
    parser.add_argument("--floods", type=int, nargs="+", default=[0, 4, 16, 64])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    port = free_port()
    env = os.environ | {"CRADLE_TRUSTED_PROXIES": '["127.0.0.1"]', "HF_HUB_OFFLINE": "1"}
    cmd = [args.python, "-m", "cradle.cli", "serve", "--port", str(port),
           "--data-dir", str(args.data_dir)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/health", 120, proc)
        rows = [measure(base, n) for n in args.floods]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    emit({"machine": machine(), "python": args.python, "rows": rows}, args.out)


if __name__ == "__main__":
    main()
