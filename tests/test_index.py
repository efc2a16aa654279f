"""Index build: graph -> FAISS + BM25 + manifest; embedding cache; stale and missing indexes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from cradle.core.datadir import Version
from cradle.core.errors import NotBuilt, StaleIndex
from cradle.core.settings import Settings
from cradle.graph.build.pipeline import build_graph
from cradle.index.build import build_index, dense_index
from cradle.index.embed import FakeEmbedder
from cradle.index.files import read_meta, tree_sha256
from cradle.index.search import open_searcher
from cradle.index.snippets import Snippets
from tests.conftest import CATALOGUE

FAKE = Settings.model_validate({"embedder": "fake"})


def fake_build(graph_dir: Path, out: Path) -> tuple[Version, FakeEmbedder]:
    """Copy the graph to ``out`` and build a fake-embedder index there."""
    shutil.copytree(graph_dir, out, dirs_exist_ok=True)
    embedder = FakeEmbedder()
    version = Version.at(out)
    build_index(version, version, FAKE, version.cache_dir, embedder=embedder)
    return version, embedder


def test_manifest_records_model_graph_and_digest(graph_dir: Path, tmp_path: Path) -> None:
    data, _ = fake_build(graph_dir, tmp_path / "d")
    manifest = data.index_manifest()
    graph = data.graph_manifest()
    assert manifest["graph_sha256"] == graph["graph_sha256"]
    assert manifest["count"] == graph["resources"]
    assert manifest["model"] == "fake" and manifest["dimension"] == 64
    assert manifest["index_sha256"] == tree_sha256(data.index_dir)
    assert {"faiss-cpu", "bm25s"} <= set(manifest["versions"])
    vectors = np.load(data.vectors_file)
    assert vectors.shape == (graph["resources"], 64)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_faiss_agrees_with_exact_numpy_search(graph_dir: Path, tmp_path: Path) -> None:
    data, embedder = fake_build(graph_dir, tmp_path / "d")
    vectors = np.load(data.vectors_file)
    queries = embedder.embed(["safe sleep", "crying baby", "domestic abuse policy"])
    index = dense_index(vectors, approximate=False)
    scores, ids = index.search(queries, 10)
    exact = queries @ vectors.T
    for q in range(len(queries)):
        assert np.allclose(scores[q], np.sort(exact[q])[::-1][:10], atol=1e-5)
        assert np.allclose(exact[q][ids[q]], scores[q], atol=1e-5)


def test_hnsw_recall_against_exact(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[:50] + 0.1 * rng.normal(size=(50, 32)).astype(np.float32)
    approx = dense_index(vectors, approximate=True)
    approx.hnsw.efSearch = 256
    _, got = approx.search(queries, 10)
    truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    recall = np.mean([len(set(g) & set(t)) / 10 for g, t in zip(got, truth, strict=True)])
    assert recall >= 0.99


def test_rebuild_embeds_only_the_changed_entry(graph_dir: Path, tmp_path: Path) -> None:
    data, first = fake_build(graph_dir, tmp_path / "d")
    resources, _ = read_meta(data)
    _, sentences = Snippets.split([r.summary for r in resources])
    assert sentences  # summaries of several sentences have theirs embedded too (snippets)
    assert first.calls == data.index_manifest()["count"] + len(set(sentences))
    text = CATALOGUE.read_text(encoding="utf-8")
    old = "The Lullaby Trust raises awareness"
    assert old in text
    changed = tmp_path / "catalogue.yaml"
    changed.write_text(text.replace(old, "The Lullaby Trust, a charity, raises awareness"))
    graph2 = tmp_path / "g2"
    build_graph(changed, graph2)
    again = FakeEmbedder()
    result = build_index(graph2, graph2, FAKE, data.cache_dir, embedder=again)
    assert again.calls == 1 and result.embedded == 1
    unchanged = FakeEmbedder()
    build_index(graph2, graph2, FAKE, data.cache_dir, embedder=unchanged)
    assert unchanged.calls == 0


def test_stale_index_is_refused(graph_dir: Path, tmp_path: Path) -> None:
    data, _ = fake_build(graph_dir, tmp_path / "d")
    data.write_graph_manifest(data.graph_manifest() | {"graph_sha256": "0" * 64})
    with pytest.raises(StaleIndex, match="cradle build"):
        open_searcher(data, FAKE)


def test_missing_index_says_build(graph_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(graph_dir, tmp_path / "d")
    with pytest.raises(NotBuilt, match="cradle build"):
        open_searcher(tmp_path / "d", FAKE)
    with pytest.raises(NotBuilt, match=r"no graph manifest \(graph\.json\) in .*empty"):
        build_index(tmp_path / "empty", tmp_path / "empty", FAKE, tmp_path)


def test_unknown_model_is_never_downloaded(tmp_path: Path) -> None:
    from cradle.core.errors import InvalidSearch
    from cradle.index.transformer import resolve_model

    with pytest.raises(InvalidSearch, match="never downloaded"):
        resolve_model("sentence-transformers/all-mpnet-base-v2")
    assert resolve_model(str(tmp_path)) == tmp_path


def test_index_of_another_model_is_refused(graph_dir: Path, tmp_path: Path) -> None:
    data, _ = fake_build(graph_dir, tmp_path / "d")
    with pytest.raises(StaleIndex, match="model"):
        open_searcher(data, Settings.model_validate({"model": str(tmp_path)}))
