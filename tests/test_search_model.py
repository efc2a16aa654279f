"""End to end with the real embedding model (slow: loads all-MiniLM-L6-v2 from its package)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cradle.index.build import build_index
from cradle.index.evaluate import evaluate, load_queries
from cradle.index.search import Searcher, open_searcher
from cradle.settings import Settings

from .conftest import SHARED

pytestmark = pytest.mark.slow
REAL = Settings.model_validate({"embedder": "sentence-transformers"})


@pytest.fixture(scope="module")
def searcher(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    pytest.importorskip("sentence_transformers")
    out = tmp_path_factory.mktemp("real")
    shutil.copytree(graph_dir, out, dirs_exist_ok=True)
    build_index(out, out, REAL, out / "cache")
    return open_searcher(out, REAL)


def test_practitioner_questions(searcher: Searcher) -> None:
    crying = searcher.search("what can I give parents whose baby won't stop crying?", k=3)
    assert "ICON Babies cry, you can cope Programme" in [h["title"] for h in crying.results]
    slides = searcher.search("slides to brief staff on the invisible men review", k=1).results
    assert slides[0]["format"] == "powerpoint" and "male-carers" in slides[0]["topics"]
    bolton = searcher.search("safe sleep resources in Bolton", k=2).results
    assert all("bolton" in h["localities"] for h in bolton)


def test_long_query_is_cut_to_the_model_window(searcher: Searcher) -> None:
    out = searcher.search("safe sleep advice for parents " * 120, k=3)
    assert out.truncated and out.results
    assert len(out.query) < len("safe sleep advice for parents " * 120)


def test_dev_set_meets_target_and_beats_baselines(searcher: Searcher) -> None:
    path = SHARED / "eval" / "dev_queries.json"
    if not path.exists():
        pytest.skip(f"{path} not found")
    report = evaluate(searcher, load_queries(path))
    ndcg = {name: vals["nDCG@10"] for name, vals in report.systems.items()}
    assert ndcg["cradle"] >= 0.90
    assert ndcg["cradle"] > ndcg["bm25-only"] and ndcg["cradle"] > ndcg["dense-only"]
