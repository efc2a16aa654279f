"""``cradle build``'s index stage: graph -> texts -> cached embeddings -> FAISS, BM25, manifest."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from cradle.core.datadir import Version
from cradle.core.errors import MissingDependency
from cradle.core.settings import Settings
from cradle.index.cache import cached_embed
from cradle.index.corpus import read_graph
from cradle.index.documents import dense_text, keyword_text
from cradle.index.embed import Embedder, make_embedder
from cradle.index.files import tree_sha256, write_meta
from cradle.index.snippets import Snippets
from cradle.index.spelling import word_counts
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
    graph_dir: Path | Version,
    out_dir: Path | Version,
    settings: Settings,
    cache_dir: Path,
    embedder: Embedder | None = None,
    progress: bool = False,
) -> IndexBuild:
    """Build the search index of the graph in ``graph_dir`` into ``out_dir``.

    Args:
        graph_dir: the version (or a folder, taken as one) holding the graph and its store.
        out_dir: the version whose index manifest and index folder are written.
        settings: model, embedder and the size above which the dense index is approximate.
        cache_dir: embedding cache kept between builds (only changed texts are embedded).
        embedder: use this embedder instead of the one ``settings`` names (tests).
        progress: show the embedding model's progress bar.

    Returns:
        The manifest, as written to the version's index manifest.

    Raises:
        NotBuilt: ``graph_dir`` holds no graph.
        MissingDependency: faiss, bm25s or the model's packages are missing.
    """
    started = time.perf_counter()
    graph = graph_dir if isinstance(graph_dir, Version) else Version.at(graph_dir)
    out = out_dir if isinstance(out_dir, Version) else Version.at(out_dir)
    graph_sha = graph.graph_sha256()
    resources, vocab = read_graph(graph)
    embedder = embedder or make_embedder(settings, cache_dir)
    texts = [dense_text(r, vocab) for r in resources]
    snippets, sentences = Snippets.split([r.summary for r in resources])
    if not settings.sentence_vectors:  # snippets are then chosen by the question's words
        sentences = []
    dim = embedder.dimension
    # one cache for passages and summary sentences: the cache keeps only what one call embeds
    every, embedded = cached_embed(
        texts + sentences,
        embedder.name,
        dim,
        lambda t: embedder.embed(t, progress=progress),
        cache_dir,
    )
    vectors, snippets.vectors = (
        every[: len(texts)],
        every[len(texts) :].reshape(len(sentences), dim),
    )
    embedder.prepare()  # e.g. the ONNX export queries use, so that serving starts ready
    out.index_dir.mkdir(parents=True, exist_ok=True)
    np.save(out.vectors_file, vectors)
    approximate = len(resources) > settings.ann_threshold
    import faiss

    faiss.write_index(dense_index(vectors, approximate), str(out.faiss_file))
    _bm25([keyword_text(r, vocab) for r in resources], out.bm25_dir)
    write_meta(out, resources, vocab)
    snippets.save(out)
    words = word_counts(resources, vocab)
    out.words_file.write_text(json.dumps(words, ensure_ascii=False, separators=(",", ":")))
    result = IndexBuild(
        model=embedder.name,
        precision=embedder.precision_used(),
        dimension=dim,
        count=len(resources),
        embedded=embedded,
        graph_sha256=graph_sha,
        index_sha256=tree_sha256(out.index_dir),
        dense_index="hnsw" if approximate else "flat",
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        seconds=round(time.perf_counter() - started, 3),
        versions=_versions(),
    )
    out.write_index_manifest(asdict(result))
    return result
