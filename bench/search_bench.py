"""Search benchmark (a script, not a test): latency p50/p99 in-process at catalogue size, 10k and
100k synthetic resources; index build throughput and peak memory; HNSW recall against exact.

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/search_bench.py [--sizes 10000 100000]
       [--real-limit 10000] [--queries 200] [--work var/bench-search]

Synthetic catalogues come from ``cradle synth``. Up to ``--real-limit`` resources the index is
built with the real model (cold cache) and its throughput is the project's build throughput;
above it document vectors come from a 384-d hashing embedder (same dimension and index code,
no model time) so that 100k fits a session, while queries are still embedded by the real model.
Writes bench/RESULTS-search.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from cradle.core.datadir import DataDir

ROOT = Path(__file__).resolve().parents[1]
PLACES = ("", "", "", "in Bolton", "in Oldham", "in Leeds", "in Kent", "across Greater Manchester")
FORMS = ("", "", "video", "slides", "leaflet", "template", "policy", "checklist", "briefing")
LEADS = ("", "help with", "what can I give parents about", "resources on", "training on")


def queries(n: int, seed: int = 7) -> list[str]:
    """``n`` distinct practitioner-style questions composed from the thesaurus."""
    from cradle.graph.build.ontology import terms

    words = sorted({s for syns in terms().synonyms.values() for s in syns if len(s) > 3})
    rng, out = random.Random(seed), set()
    while len(out) < n:
        parts = (rng.choice(LEADS), rng.choice(words), rng.choice(FORMS), rng.choice(PLACES))
        out.add(" ".join(p for p in parts if p))
    return sorted(out)


def build_child(data: str, fake: str) -> None:
    """(subprocess) Build the index of the graph published in ``data`` into that version (a
    graph-only build has none); print the manifest as JSON."""
    from cradle.core.datadir import DataDir
    from cradle.core.settings import Settings
    from cradle.index.build import build_index
    from cradle.index.embed import FakeEmbedder

    settings = Settings.model_validate({})
    emb = FakeEmbedder(dimension=384) if fake == "1" else None
    version = DataDir(Path(data)).open()
    result = build_index(version, settings, embedder=emb)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": result.seconds,
                "count": result.count,
                "peak_mib": peak,
                "dense_index": result.dense_index,
            }
        )
    )


def _has_index(data: Path) -> bool:
    from cradle.core.errors import CradleError

    try:
        return DataDir(data).open().has_index()
    except CradleError:
        return False


def prepare(n: int, work: Path, real: bool) -> tuple[Path, dict]:
    """Synthesise and build graph + index for ``n`` resources (index build in a subprocess)."""
    from cradle.commands import run_build as build
    from cradle.core.settings import Settings
    from cradle.graph.sources.synth import write_synthetic

    folder = work / str(n)
    data = folder / "data"
    saved = folder / "stats.json"
    if saved.exists() and _has_index(data):
        return data, json.loads(saved.read_text())
    cat = write_synthetic(n, folder / "synth")
    t = time.perf_counter()
    build(Settings.model_validate({}), catalogue=cat, data_dir=data, with_index=False)
    graph_s = time.perf_counter() - t
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, __file__, "--build-child", str(data), "0" if real else "1"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    stats |= {"graph_seconds": round(graph_s, 1), "real_model": real}
    stats["per_second"] = round(stats["count"] / stats["seconds"], 1)
    saved.write_text(json.dumps(stats))
    return data, stats


def latency(searcher, qs: list[str], filtered: bool) -> dict:  # type: ignore[no-untyped-def]
    searcher._cache.clear()  # every query embedded anew
    for q in qs[:5]:
        searcher.search(q)
    times = []
    warm = []
    for i, q in enumerate(qs[5:]):
        kw = {"locality": "greater-manchester"} if filtered and i % 2 else {}
        t = time.perf_counter()
        searcher.search(q, **kw)
        times.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        searcher.search(q, **kw)  # query vector now cached: the index's own time
        warm.append((time.perf_counter() - t) * 1000)
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p99_ms": round(float(np.percentile(times, 99)), 1),
        "p50_warm": round(float(np.percentile(warm, 50)), 1),
        "p99_warm": round(float(np.percentile(warm, 99)), 1),
        "n": len(times),
    }


def hnsw_recall(vectors: np.ndarray, qvecs: np.ndarray) -> float:
    """recall@10 of the HNSW index search uses against exact inner product."""
    import faiss

    from cradle.index.build import dense_index
    from cradle.index.rank import EF_SEARCH

    index = dense_index(vectors, approximate=True)
    _, got = index.search(qvecs, 10, params=faiss.SearchParametersHNSW(efSearch=EF_SEARCH))
    truth = np.argsort(-(qvecs @ vectors.T), axis=1)[:, :10]
    return float(np.mean([len(set(g) & set(t)) / 10 for g, t in zip(got, truth, strict=True)]))


def machine() -> str:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return f"{cpu}, {os.cpu_count()} cores, {mem} GiB RAM, Python {platform.python_version()}"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    p.add_argument("--real-limit", type=int, default=10_000)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--work", type=Path, default=ROOT / "var" / "bench-search")
    p.add_argument("--build-child", nargs=2)
    args = p.parse_args()
    if args.build_child:
        return build_child(*args.build_child)
    from cradle.core.settings import Settings
    from cradle.index.embed import FakeEmbedder, make_embedder
    from cradle.index.loaded import LoadedIndex
    from cradle.index.search import Searcher

    settings = Settings.model_validate({"embedder": "sentence-transformers"})
    # as the service has it: queries on ONNX Runtime, the export kept in a data dir's cache
    embedder = make_embedder(settings, cache_dir=DataDir(args.work / "catalogue").cache_dir)
    qs = queries(args.queries + 5)
    load_before = os.getloadavg()[0]
    rows = []
    cat_dir = args.work / "catalogue"
    _, stats = prepare_catalogue(cat_dir)
    s = Searcher(LoadedIndex.load(cat_dir), embedder)
    rows.append(("catalogue (39)", stats, latency(s, qs, False), latency(s, qs, True), None))
    for n in args.sizes:
        data, stats = prepare(n, args.work, real=n <= args.real_limit)
        s = Searcher(LoadedIndex.load(data), embedder)
        recall = None
        if n <= args.real_limit or stats["dense_index"] == "hnsw":
            sample = np.asarray(s.index.vectors, dtype=np.float32)
            real = stats["real_model"]
            qvecs = embedder.embed(qs[:100]) if real else FakeEmbedder(384).embed(qs[:100])
            recall = hnsw_recall(sample, qvecs)
        rows.append(
            (f"synthetic {n:,}", stats, latency(s, qs, False), latency(s, qs, True), recall)
        )
        print(rows[-1], flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    write(rows, machine(), load_before, os.getloadavg()[0], peak)


def prepare_catalogue(data: Path) -> tuple[Path, dict]:
    """Build the curated catalogue's graph and index (real model, cold cache)."""
    from cradle.commands import run_build as build
    from cradle.core.settings import Settings

    shutil.rmtree(DataDir(data).cache_dir, ignore_errors=True)  # cold cache: all embedded
    build(Settings.model_validate({}), data_dir=data, with_index=False)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, __file__, "--build-child", str(data), "0"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    stats = json.loads(done.stdout.strip().splitlines()[-1]) | {"real_model": True}
    stats["per_second"] = round(stats["count"] / stats["seconds"], 1)
    return data, stats


def write(rows: list, mach: str, load0: float, load1: float, peak: float) -> None:
    out = [
        "# Search benchmark",
        "",
        "Made by `HF_HUB_OFFLINE=1 .venv/bin/python bench/search_bench.py`.",
        "",
        f"Machine: {mach}. Load average {load0:.1f} at start, {load1:.1f} at end "
        "(other work was sharing the machine). Search process peak RSS "
        f"{peak:.0f} MiB.",
        "",
        "| catalogue | dense index | build (index stage) | resources/s | build peak MiB | "
        "p50 / p99 ms | without query embedding | filtered | filtered, without embedding "
        "| HNSW recall@10 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, st, lat, latf, rec in rows:
        model = "real model" if st["real_model"] else "hashing vectors, no model"
        out.append(
            f"| {name} | {st['dense_index']} | {st['seconds']:.1f} s ({model}) | "
            f"{st['per_second']} | {st['peak_mib']:.0f} | {lat['p50_ms']} / {lat['p99_ms']} | "
            f"{lat['p50_warm']} / {lat['p99_warm']} | {latf['p50_ms']} / {latf['p99_ms']} | "
            f"{latf['p50_warm']} / {latf['p99_warm']} | {'' if rec is None else f'{rec:.3f}'} |"
        )
    out += [
        "",
        "Latency is one `Searcher.search` call in process, k=10, including the query embedding "
        "by the real model (every query distinct, so its cache never answers); "
        '"without query embedding" repeats each query at once (its vector cached) to time '
        'the index\'s own work; "filtered" '
        "alternates no filter and `locality=greater-manchester`. HNSW recall@10 compares "
        "the approximate index (M=32, efConstruction=200, efSearch=512) with exact inner "
        "product on that catalogue's vectors for 100 query embeddings (hashing ones for "
        "hashing vectors).",
    ]
    (ROOT / "bench" / "RESULTS-search.md").write_text("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
