"""How long ``/gaps`` takes over a built data dir, for several ``within`` and ``status``.

    .venv/bin/python bench/gaps_latency.py DATA_DIR [--repeat 5] [--out FILE]

Runs the app's lifespan over DATA_DIR in this process (a graph-only build is enough: search is
then disabled, pages and coverage are not) and times ``GET /gaps`` through the ASGI test client:
the first request for each parameter set (the matrix is assembled from the counts of the
service's one pass over the resources, made at start-up) and then ``--repeat`` more (cached per read
model). Also times loading the read model and the pass the service makes at start-up. Prints
one JSON object. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import emit, machine, self_peak_mib  # noqa: E402

CASES = [
    {"within": "greater-manchester", "status": "available"},
    {"within": "north-west", "status": "available"},
    {"within": "england", "status": "available"},
    {"within": "england", "status": "all"},
    {"within": "england", "status": "available", "format": "csv"},
]


def measure(data_dir: Path, repeat: int) -> dict[str, Any]:
    """Time the read model's load and ``/gaps`` over ``data_dir``."""
    from fastapi.testclient import TestClient

    from cradle.core.settings import Settings
    from cradle.graph.read.coverage import coverage
    from cradle.graph.read.readmodel import load_read_model
    from cradle.service.app import create_app

    t0 = time.perf_counter()
    model = load_read_model(data_dir)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    coverage(model)  # what the service counts at start-up: one pass, for every place
    count_s = time.perf_counter() - t0
    settings = Settings.model_validate({"data_dir": data_dir, "embedder": "fake"})
    out: dict[str, Any] = {
        "data_dir": str(data_dir),
        "resources": len(model.resources),
        "read_model_load_s": round(load_s, 2),
        "startup_count_s": round(count_s, 3),
        "machine": machine(),
        "gaps": [],
    }
    del model
    with TestClient(create_app(settings)) as client:
        for case in CASES:
            times = []
            for _ in range(repeat + 1):
                t = time.perf_counter()
                r = client.get("/gaps", params=case)
                times.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text[:200]
            rows = len(r.json()["localities"]) if "format" not in case else None
            out["gaps"].append(
                {
                    **case,
                    "rows": rows,
                    "bytes": len(r.content),
                    "first_s": round(times[0], 3),
                    "cached_median_s": round(sorted(times[1:])[len(times[1:]) // 2], 3),
                }
            )
    out["peak_mib"] = round(self_peak_mib())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    emit(measure(args.data_dir, args.repeat), args.out)


if __name__ == "__main__":
    main()
