"""Memory and time of a hot swap: a running `cradle serve` taking up a newly published version.

    .venv/bin/python bench/hot_swap.py [--resources N] [--workers W] [--embedder fake]

Builds a catalogue (the curated one, or a synthetic one of N resources) into a fresh data dir,
serves it, samples the resident memory of the whole server (every process: workers and their
SPARQL worker processes) every 50 ms, publishes a second build of the same catalogue, and
records: the memory before, the peak from the build's start to 5 s after the swap, the memory
after the old version was closed, and the seconds from the switch of ``current`` to every
worker serving the new version. The build
runs in its own process, outside the sampled tree. Prints one JSON object. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import cradle_cmd, free_port, tree_pids  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def rss_mib(pids: list[int]) -> float:
    """The summed resident memory (VmRSS) of processes, in MiB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def health(base: str) -> dict[str, Any]:
    with urllib.request.urlopen(base + "/health", timeout=10) as answer:
        found: dict[str, Any] = json.load(answer)
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=0, help="synthetic size (0: curated)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--embedder", default="sentence-transformers")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hot-swap-"))
    env = os.environ | {"CRADLE_EMBEDDER": args.embedder, "CRADLE_RELOAD_INTERVAL": "1"}
    catalogue = ROOT / "data" / "catalogue.yaml"
    if args.resources:
        from cradle.graph.sources.synth import write_synthetic

        catalogue = write_synthetic(args.resources, work / "synth", 1)
    data = work / "data"
    build = cradle_cmd("build", "--catalogue", str(catalogue), "--data-dir", str(data))
    subprocess.run(build, env=env, check=True, capture_output=True)
    port = free_port()
    serve = cradle_cmd(
        "serve", "--port", str(port), "--data-dir", str(data), "--workers", str(args.workers)
    )
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples: list[tuple[float, float]] = []
    switched: list[float] = []  # when the build switched `current`
    stop = threading.Event()

    def sample() -> None:
        link = os.readlink(data / "current")
        while not stop.is_set():
            samples.append((time.monotonic(), rss_mib(tree_pids(server.pid))))
            if not switched and os.readlink(data / "current") != link:
                switched.append(time.monotonic())
            time.sleep(0.05)

    try:
        while True:
            try:
                first = health(base)["versions"]["served"]
                break
            except OSError:
                time.sleep(0.5)
        time.sleep(3)
        sampler = threading.Thread(target=sample)
        sampler.start()
        time.sleep(2)
        before = max(m for _, m in samples)
        published_at = time.monotonic()
        subprocess.run(build, env=env, check=True, capture_output=True)
        published = time.monotonic()
        while True:
            views = [health(base)["versions"] for _ in range(4 * args.workers)]
            if all(v["served"] != first for v in views):
                break
            time.sleep(0.1)
        served = time.monotonic()
        time.sleep(5)  # the old version closed, its memory handed back
        stop.set()
        sampler.join()
    finally:
        server.terminate()
        server.wait(30)
    during = [m for t, m in samples if t >= published_at]
    after = [m for t, m in samples if t >= served + 4]
    print(
        json.dumps(
            {
                "resources": args.resources or "curated",
                "workers": args.workers,
                "embedder": args.embedder,
                "build_s": round(published - published_at, 1),
                "published_to_served_s": round(served - switched[0], 2),
                "rss_before_mib": round(before),
                "rss_peak_during_swap_mib": round(max(during)),
                "rss_after_mib": round(sum(after) / len(after)) if after else None,
            }
        )
    )


if __name__ == "__main__":
    main()
