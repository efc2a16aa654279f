"""Start-up time and memory of the service over a built data dir, phase by phase.

    .venv/bin/python bench/serve_startup.py DATA_DIR [DATA_DIR ...] [--embedder fake]

Each data dir is measured in a fresh child process that runs ``create_app``'s lifespan (as
``cradle serve`` does) and records, per phase (SPARQL engine, graph data, search index), the
wall time and the process's resident memory after it; then the process's peak (VmHWM), the
peak of the engine's worker processes (separate processes), and one page and one coverage
request. Prints one JSON object per data dir. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_mib, tree_peak_mib  # noqa: E402


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(data_dir: Path, embedder: str) -> dict[str, Any]:
    """Run the app's lifespan over ``data_dir`` in this process; return the phases."""
    from fastapi.testclient import TestClient

    from cradle.core.settings import Settings
    from cradle.service import app as app_mod

    phases: dict[str, dict[str, float]] = {}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            out = fn(*args, **kwargs)
            phases[name] = {"seconds": time.perf_counter() - start, "rss_after_mib": _rss_mib()}
            return out

        return wrapper

    import cradle.graph.sparql.engine as engine_mod

    engine_mod.open_engine = timed("engine", engine_mod.open_engine)  # type: ignore[assignment]
    app_mod.load_graph_data = timed("graph_data", app_mod.load_graph_data)  # type: ignore[assignment]
    app_mod._open_searcher = timed("search_index", app_mod._open_searcher)  # type: ignore[assignment]
    settings = Settings.model_validate({"data_dir": data_dir, "embedder": embedder})
    baseline = _rss_mib()
    start = time.perf_counter()
    with TestClient(app_mod.create_app(settings)) as client:
        ready = time.perf_counter() - start
        data = client.app.state.runtime.graph_data  # type: ignore[attr-defined]
        rid = next(iter(data.resources))
        timings = {}
        for path in (
            f"/resource/{rid}",
            f"/resource/{rid}?format=ttl",
            "/topic/scheme?format=ttl",
            "/topics",
            "/gaps",
        ):
            t0 = time.perf_counter()
            status = client.get(path).status_code
            timings[path] = {"status": status, "ms": (time.perf_counter() - t0) * 1000}
        own_peak = peak_mib(os.getpid())
        tree = tree_peak_mib(os.getpid())
    return {
        "data_dir": str(data_dir),
        "resources": len(data.resources),
        "ready_s": ready,
        "baseline_rss_mib": baseline,
        "phases": phases,
        "requests": timings,
        "serve_peak_mib": own_peak,
        "workers_peak_mib": tree - own_peak,
    }


def main() -> None:
    """Measure each data dir in its own child process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dirs", nargs="+", type=Path)
    parser.add_argument("--embedder", default="fake")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.data_dirs[0], args.embedder)))
        return
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    for data_dir in args.data_dirs:
        cmd = [sys.executable, __file__, str(data_dir), "--embedder", args.embedder, "--child"]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if out.returncode:
            print(out.stderr[-2000:], file=sys.stderr)
            continue
        print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
