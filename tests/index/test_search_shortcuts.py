"""The shortcuts search takes at scale (issue 22 item 6) give what the long way gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cradle.index.search import Searcher, open_searcher
from cradle.index.text import keywords
from tests.support import FAKE, indexed_copy


@pytest.fixture(scope="module")
def searcher(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    out = tmp_path_factory.mktemp("shortcuts")
    indexed_copy(graph_dir, out)
    return open_searcher(out, FAKE)


def test_bits_of_the_candidates_match_the_whole_mask(searcher: Searcher) -> None:
    index = searcher.index
    idx = np.random.default_rng(1).permutation(index.size)[: index.size // 2]
    for facet, value in sorted(index._members):
        values = [value, "no-such-value"]
        want = index.any_of(facet, values)[idx]
        np.testing.assert_array_equal(index.any_at(facet, values, idx), want)
        assert index.has_any(facet, values)
    assert not index.any_at("topic", ["no-such-value"], idx).any()
    assert not index.has_any("topic", ["no-such-value"])
    assert not index.any_of("topic", []).any()


def test_snippets_scored_together_are_those_scored_one_by_one(searcher: Searcher) -> None:
    index = searcher.index
    for question in ("crying baby coping", "safe sleep video for dads", "neglect"):
        qvec = searcher.embed_query(question)
        tokens = keywords(question)
        ids = list(range(index.size))
        together = index.snippets.best_of(ids, qvec, tokens)
        assert together == [index.snippets.best(i, qvec, tokens) for i in ids]


def test_cached_keywords_are_a_fresh_list_each_time() -> None:
    first = keywords("Safe sleep for babies")
    first.append("changed")
    assert keywords("Safe sleep for babies") == ["safe", "sleep", "babi"]
