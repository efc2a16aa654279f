"""CRADLE_SENTENCE_VECTORS=false (issue 22): the build embeds no sentence, and snippets are then
chosen by the question's words."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from cradle.core.datadir import Version
from cradle.core.settings import Settings
from cradle.index.build import build_index
from cradle.index.search import open_searcher


@pytest.mark.parametrize("on", [True, False])
def test_sentence_vectors_can_be_turned_off(graph_dir: Path, tmp_path: Path, on: bool) -> None:
    settings = Settings.model_validate({"embedder": "fake", "sentence_vectors": on})
    out = tmp_path / "data"
    shutil.copytree(graph_dir, out)
    build_index(out, settings, Version.at(out).cache_dir)
    saved = np.load(Version.at(out).sentence_vectors_file)
    assert (len(saved) > 0) == on
    hits = open_searcher(out, settings).search("nurse who visits young mothers", k=5).results
    assert all(h.snippet for h in hits)
    fnp = next(h for h in hits if h.id == "family-nurse-partnership")
    assert fnp.snippet_marks  # the question's words are marked either way


def test_an_index_without_sentence_words_gets_the_same_snippets(
    graph_dir: Path, tmp_path: Path
) -> None:
    """Sentence words are worked out at build time; an index built before they were saved
    has them worked out when it is loaded, and answers the same."""
    settings = Settings.model_validate({"embedder": "fake"})
    out = tmp_path / "data"
    shutil.copytree(graph_dir, out)
    build_index(out, settings, Version.at(out).cache_dir)
    questions = ["nurse who visits young mothers", "safe sleep video", "crying baby coping"]

    def snippets() -> list[tuple[str, tuple[tuple[int, int], ...]]]:
        searcher = open_searcher(out, settings)
        return [
            (h.snippet, h.snippet_marks)
            for q in questions
            for h in searcher.search(q, k=10).results
        ]

    built = snippets()
    assert any(marks for _, marks in built)
    Version.at(out).sentence_words_file.unlink()
    assert snippets() == built
