"""``cradle build``'s index stage: graph -> texts -> cached embeddings -> FAISS, BM25, manifest."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from cradle.core.errors import MissingDependency, NotBuilt
from cradle.core.settings import Settings
from cradle.index.cache import cached_embed
from cradle.index.corpus import read_graph
from cradle.index.documents import dense_text, keyword_text
from cradle.index.embed import Embedder, make_embedder
from cradle.index.files import (
    BM25_DIR,
    FAISS_FILE,
    INDEX_DIR,
    MANIFEST,
    VECTORS,
    tree_sha256,
    write_meta,
)
from cradle.index.snippets import Snippets, save_words, surface_words
from cradle.index.text import keywords

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200


@dataclass(frozen=True)
class IndexBuild:
    """What an index build wrote (also the manifest ``index.json``)."""

    model: str
    precision: str
    dimension: int
    count: int
    embedded: int
    graph_sha256: str
    index_sha256: str
    dense_index: str
    built_at: str
    seconds: float
    versions: dict[str, str]


def _versions() -> dict[str, str]:
    out = {}
    dists = ("faiss-cpu", "bm25s", "sentence-transformers", "torch", "onnxruntime", "numpy")
    for dist in (*dists, "PyStemmer"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "absent"
    return out


def dense_index(vectors: np.ndarray, approximate: bool):  # type: ignore[no-untyped-def]
    """A FAISS inner-product index of unit ``vectors``: exact (flat) or HNSW when approximate."""
    try:
        import faiss
    except ImportError:
        raise MissingDependency("search needs faiss: pip install faiss-cpu") from None
    dim = vectors.shape[1]
    index: Any
    if approximate:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _bm25(texts: list[str], folder: Path) -> None:
    import bm25s

    tokens = [keywords(t) or [""] for t in texts]
    retriever = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    retriever.index(tokens, show_progress=False)
    retriever.save(str(folder), show_progress=False)


def build_index(
    graph_dir: Path,
    out_dir: Path,
    settings: Settings,
    cache_dir: Path,
    embedder: Embedder | None = None,
) -> IndexBuild:
    """Build the search index of the graph in ``graph_dir`` into ``out_dir``.

    Args:
        graph_dir: folder holding ``graph.json`` and the graph's ``store/``.
        out_dir: where ``index.json`` and the ``search/`` folder are written.
        settings: model, embedder and the size above which the dense index is approximate.
        cache_dir: embedding cache kept between builds (only changed texts are embedded).
        embedder: use this embedder instead of the one ``settings`` names (tests).

    Returns:
        The manifest, as written to ``out_dir/index.json``.

    Raises:
        NotBuilt: ``graph_dir`` holds no graph.
        MissingDependency: faiss, bm25s or the model's packages are missing.
    """
    started = time.perf_counter()
    manifest = graph_dir / "graph.json"
    if not manifest.exists():
        raise NotBuilt(f"no graph in {graph_dir}: run `cradle build` first")
    graph_sha = json.loads(manifest.read_text())["graph_sha256"]
    resources, vocab = read_graph(graph_dir)
    embedder = embedder or make_embedder(settings, cache_dir)
    texts = [dense_text(r, vocab) for r in resources]
    snippets, sentences = Snippets.split([r.summary for r in resources])
    dim = embedder.dimension
    # one cache for passages and summary sentences: the cache keeps only what one call embeds
    every, embedded = cached_embed(
        texts + sentences,
        embedder.name,
        dim,
        lambda t: embedder.embed(t, progress=True),
        cache_dir,
    )
    vectors, snippets.vectors = every[: len(texts)], every[len(texts) :]
    embedder.prepare()  # e.g. the ONNX export queries use, so that serving starts ready
    folder = out_dir / INDEX_DIR
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / VECTORS, vectors)
    approximate = len(resources) > settings.ann_threshold
    import faiss

    faiss.write_index(dense_index(vectors, approximate), str(folder / FAISS_FILE))
    _bm25([keyword_text(r, vocab) for r in resources], folder / BM25_DIR)
    write_meta(folder, resources, vocab)
    snippets.save(folder)
    save_words(folder, surface_words(resources, vocab))
    result = IndexBuild(
        model=embedder.name,
        precision=embedder.precision_used(),
        dimension=dim,
        count=len(resources),
        embedded=embedded,
        graph_sha256=graph_sha,
        index_sha256=tree_sha256(folder),
        dense_index="hnsw" if approximate else "flat",
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        seconds=round(time.perf_counter() - started, 3),
        versions=_versions(),
    )
    (out_dir / MANIFEST).write_text(json.dumps(asdict(result), indent=2) + "\n")
    return result
