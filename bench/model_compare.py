"""Embedding-model comparison (a script, not a test; issue 27): quality on every judged set and
in-process latency, for one data dir built with the model under test.

Usage (one model at a time, the data dir built with that model first):

    CRADLE_MODEL=FOLDER cradle build --data-dir DIR
    CRADLE_MODEL=FOLDER HF_HUB_OFFLINE=1 .venv/bin/python bench/model_compare.py --data-dir DIR
        [--queries 100]

Prints one JSON object: per set, Cradle's nDCG@10, MRR@10 and P@1 and plain dense cosine's
nDCG@10; the latency of a full in-process ``Searcher.search`` (k=10, every query distinct, so
the query vector is computed each time) at p50/p99; and, in the same process, the reference
the search must not exceed: plain sentence-transformers ``encode`` of the query plus an exact
FAISS inner-product search over the same passages' vectors. Results go in
bench/RESULTS-search.md by hand ("Embedding models compared").
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "dev": ROOT.parent / "shared" / "eval" / "dev_queries.json",
    "probe": ROOT / "bench" / "search_probe_queries.json",
    "long": ROOT / "bench" / "search_probe_long.json",
    "fresh": ROOT / "bench" / "search_probe_fresh.json",
    "practitioner": ROOT / "bench" / "practitioner_queries.json",
    "situations": ROOT / "bench" / "search_probe_situations.json",
}


def quality(searcher: object) -> dict[str, dict[str, float]]:
    """Per set: Cradle's nDCG@10, MRR@10, P@1 and plain dense nDCG@10."""
    from cradle.index.evaluate import evaluate, load_queries

    out = {}
    for name, path in SETS.items():
        if not path.exists():
            continue
        report = evaluate(searcher, load_queries(path))  # type: ignore[arg-type]
        c = report.systems["cradle"]
        out[name] = {
            "nDCG@10": round(c["nDCG@10"], 3),
            "MRR@10": round(c["MRR@10"], 3),
            "P@1": round(c["P@1"], 3),
            "dense-only nDCG@10": round(report.systems["dense-only"]["nDCG@10"], 3),
        }
    return out


def questions(n: int) -> list[str]:
    """``n`` distinct questions: every judged set's, then numbered variants."""
    from cradle.index.evaluate import load_queries

    qs = [j.query for p in SETS.values() if p.exists() for j in load_queries(p)]
    qs = list(dict.fromkeys(qs))
    k = 0
    while len(qs) < n:
        qs.append(f"{qs[k % len(qs)]} {k}")
        k += 1
    return qs[:n]


def pct(times: list[float], p: float) -> float:
    """The ``p`` percentile of ``times`` in milliseconds."""
    return round(float(np.percentile(np.array(times) * 1000, p)), 1)


def latency(searcher: object, model: str, n: int) -> dict[str, float]:
    """p50/p99 ms of a full search and of plain encode + FAISS, in this process."""
    import faiss
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)  # as the search's own query encoder: one thread per search

    qs = questions(2 * n)
    full, plain = [], []
    for q in qs[:n]:
        t = time.perf_counter()
        searcher.search(q, k=10)  # type: ignore[attr-defined]
        full.append(time.perf_counter() - t)
    from cradle.index.transformer import resolve_model

    st = SentenceTransformer(str(resolve_model(model)), device="cpu", local_files_only=True)
    texts = [f"{r.title}. {r.summary}" for r in searcher.index.resources]  # type: ignore[attr-defined]
    vecs = st.encode(texts, normalize_embeddings=True).astype(np.float32)
    flat = faiss.IndexFlatIP(vecs.shape[1])
    flat.add(vecs)
    st.encode(["warm up"], normalize_embeddings=True)
    for q in qs[n:]:
        t = time.perf_counter()
        v = st.encode([q], normalize_embeddings=True).astype(np.float32)
        flat.search(v, 10)
        plain.append(time.perf_counter() - t)
    return {
        "search p50 ms": pct(full, 50),
        "search p99 ms": pct(full, 99),
        "plain encode+FAISS p50 ms": pct(plain, 50),
        "plain encode+FAISS p99 ms": pct(plain, 99),
        "mean search ms": round(statistics.mean(full) * 1000, 1),
    }


def main() -> None:
    """Measure the model the data dir was built with and print the numbers as JSON."""
    from cradle.core.settings import Settings
    from cradle.index.search import open_searcher

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--no-latency", action="store_true")
    ap.add_argument("--no-quality", action="store_true")
    args = ap.parse_args()
    settings = Settings.model_validate({})
    searcher = open_searcher(args.data_dir, settings)
    searcher.search("warm up", k=10)
    out: dict[str, object] = {"model": settings.model}
    if not args.no_latency:  # first: scoring the sets fills the query-vector cache
        out["latency"] = latency(searcher, settings.model, args.queries)
    if not args.no_quality:
        out["quality"] = quality(searcher)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
