"""End to end with the real embedding model (slow: loads all-MiniLM-L6-v2 from its package)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cradle.core.settings import Settings
from cradle.index.evaluate import evaluate, load_queries
from cradle.index.search import Searcher, open_searcher
from tests.support import SHARED, indexed_copy, shared

pytestmark = pytest.mark.slow
REAL = Settings.model_validate({"embedder": "sentence-transformers"})


@pytest.fixture(scope="module")
def searcher(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    pytest.importorskip("sentence_transformers")
    out = tmp_path_factory.mktemp("real")
    indexed_copy(graph_dir, out, REAL)
    return open_searcher(out, REAL)


def test_practitioner_questions(searcher: Searcher) -> None:
    crying = searcher.search("what can I give parents whose baby won't stop crying?", k=3)
    assert "ICON Babies cry, you can cope Programme" in [h.title for h in crying.results]
    slides = searcher.search("slides to brief staff on the invisible men review", k=1).results
    assert slides[0].format == "powerpoint" and "male-carers" in slides[0].topics
    bolton = searcher.search("safe sleep resources in Bolton", k=10).results
    assert "bolton" in bolton[0].localities
    # Bolton's other safe-sleep resource is awaiting information: a close match, tier 2
    review = next(h for h in bolton if h.title == "Local thematic safe sleeping review")
    assert review.close and review.tier == 2


def test_usable_first_and_an_honest_cut_off(searcher: Searcher) -> None:
    crying = searcher.search("baby won't stop crying", k=5).to_dict()
    assert crying["results"][0]["title"] == "ICON Babies cry, you can cope Programme"
    assert crying["results"][0]["how_to_get"]["href"] == "https://iconcope.org/"
    rochdale = crying["results"][1]
    assert rochdale["close"] and rochdale["overdue"] and rochdale["status"] == "in-development"
    for nonsense in ("xqzv blorp", "car seat safety", "weaning onto solid food"):
        assert searcher.search(nonsense, k=10).close_matches == 0, nonsense
    shaken = searcher.search("shakn baby", k=3)
    assert shaken.corrected_query == "shaken baby" and shaken.close_matches >= 2


def test_long_query_is_cut_to_the_model_window(searcher: Searcher) -> None:
    out = searcher.search("safe sleep advice for parents " * 120, k=3)
    assert out.truncated and out.results
    assert len(out.query) < len("safe sleep advice for parents " * 120)


def test_dev_set_meets_target_and_beats_baselines(searcher: Searcher) -> None:
    path = SHARED / "eval" / "dev_queries.json"
    shared(path)
    report = evaluate(searcher, load_queries(path))
    ndcg = {name: vals["nDCG@10"] for name, vals in report.systems.items()}
    assert ndcg["cradle"] >= 0.90
    assert ndcg["cradle"] > ndcg["bm25-only"]
    # Tiers put close matches that are not available yet after the usable ones, where the dev
    # judgements grade some of them best: dense-only (which ignores status) edges ahead on dev
    # (bench/findings.md "Tiers"); on the probe set Cradle is far ahead (bench/RESULTS.md).
    assert ndcg["cradle"] >= ndcg["dense-only"] - 0.01


QUERIES = ["safe sleep resources in Bolton", "Caring Dads", "what helps a dad cope? " * 3]


def test_queries_run_on_onnx_runtime_and_agree_with_torch(searcher: Searcher) -> None:
    from cradle.index.transformer import SentenceTransformerEmbedder

    fast = searcher.embedder
    assert isinstance(fast, SentenceTransformerEmbedder) and fast.cache_dir is not None
    assert fast.query_encoder() is not None  # exported at build time, found by the service
    made = sorted(p.name for p in fast.cache_dir.glob("onnx/*.onnx"))
    assert len(made) == 2 and made[0].endswith("-int8.onnx")  # 8-bit copy, float32 export
    full = SentenceTransformerEmbedder(
        REAL.model, cache_dir=fast.cache_dir, query_precision="float32"
    )
    slow = SentenceTransformerEmbedder(REAL.model, query_runtime="torch", precision="float32")
    truth = slow.embed(QUERIES)
    assert (full.embed(QUERIES) * truth).sum(axis=1).min() >= 0.9999
    small = (fast.embed(QUERIES) * truth).sum(axis=1)
    assert small.min() >= 0.999 and small.max() < 0.99999  # close, and really quantized
    assert searcher.info()["queries"] == "onnx-int8" and full.query_runtime_used() == "onnx-float32"
    long = "the baby would not settle at night and the mother was exhausted " * 40
    assert fast.truncate(long) == slow.truncate(long)
    assert fast.truncate(long)[1] and fast.truncate("short")[0] == "short"


def test_a_quantized_model_that_disagrees_is_dropped_for_float32(
    searcher: Searcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cradle.index import ort
    from cradle.index.transformer import SentenceTransformerEmbedder

    assert isinstance(searcher.embedder, SentenceTransformerEmbedder)
    assert searcher.embedder.cache_dir is not None
    shutil.copytree(searcher.embedder.cache_dir / "onnx", tmp_path / "onnx")
    for small in tmp_path.glob("onnx/*-int8.onnx"):
        small.unlink()
    monkeypatch.setitem(ort.AGREEMENT, "int8", 1.01)  # no 8-bit model can pass
    picky = SentenceTransformerEmbedder(REAL.model, cache_dir=tmp_path)
    encoder = picky.query_encoder()
    assert encoder is not None and not list(tmp_path.glob("onnx/*-int8.onnx"))
    assert picky.query_runtime_used() == "onnx-float32"
    assert (picky.embed(QUERIES) * searcher.embedder.embed(QUERIES)).sum(axis=1).min() > 0.999


def test_bfloat16_batches_agree_with_float32() -> None:
    from cradle.index.transformer import SentenceTransformerEmbedder

    texts = [
        f"Safer sleep guidance for parents, part {n}: where the baby sleeps." for n in range(9)
    ]
    half = SentenceTransformerEmbedder(REAL.model, precision="bfloat16").embed(texts)
    full = SentenceTransformerEmbedder(REAL.model, precision="float32").embed(texts)
    assert half.dtype == full.dtype and half.shape == full.shape == (9, 384)
    assert (half * full).sum(axis=1).min() >= 0.999
    assert abs(float(half[0] @ half[0]) - 1.0) < 1e-5
