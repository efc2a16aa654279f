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
