"""BM25 from the postings agrees with bm25s, weights the expansion, finds a hit's query words."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from cradle.index.postings import Postings

DOCS = [["safe", "sleep", "sleep", "cot"], ["cri", "cope"], ["sleep", "cri"], [""]]


def _bm25(docs: list[list[str]] = DOCS, method: str = "lucene") -> bm25s.BM25:
    bm25 = bm25s.BM25(k1=1.2, b=0.75, method=method)
    bm25.index(docs, show_progress=False)
    return bm25


def test_scores_agree_with_bm25s() -> None:
    bm25 = _bm25()
    got = Postings(bm25).scores({"sleep": 1.0, "cri": 1.0, "unknown": 1.0})
    np.testing.assert_allclose(got, bm25.get_scores(["sleep", "cri"]), rtol=1e-6)
    assert got[2] > got[0] > 0 and got[3] == 0


def test_a_word_listed_without_a_posting_scores_nothing() -> None:
    bm25 = _bm25([["safe", "sleep"], ["cri"]])
    p = Postings(bm25)
    p.vocab["orphan"] = len(p.indptr) - 1  # in the vocabulary, past the last posting list
    assert not p.scores({"orphan": 1.0}).any() and p.present(["orphan"], [0]) == [frozenset()]


def test_weights_scale_each_word() -> None:
    bm25 = _bm25()
    p = Postings(bm25)
    got = p.scores({"sleep": 1.0, "cope": 0.5})
    want = bm25.get_scores(["sleep"]) + 0.5 * bm25.get_scores(["cope"])
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert not p.scores({}).any() and not p.scores({"sleep": 0.0}).any()


def test_present_lists_the_query_words_a_resource_has() -> None:
    p = Postings(_bm25())
    assert p.present(["sleep", "cri", "nope"], np.array([2, 1, 3, 0])) == [
        {"sleep", "cri"}, {"cri"}, frozenset(), {"sleep"}]  # fmt: skip
    assert p.present(["sleep"], np.array([], dtype=int)) == []


def test_unsorted_postings_are_sorted_on_load() -> None:
    bm25 = _bm25()
    want = Postings(bm25).scores({"sleep": 1.0})
    indptr = bm25.scores["indptr"]
    tid = bm25.vocab_dict["sleep"]
    s, e = indptr[tid], indptr[tid + 1]
    assert e - s == 2
    for key in ("indices", "data"):
        bm25.scores[key][s:e] = bm25.scores[key][s:e][::-1].copy()
    p = Postings(bm25)
    np.testing.assert_allclose(p.scores({"sleep": 1.0}), want, rtol=1e-6)
    assert p.present(["sleep"], np.array([0, 1, 2])) == [{"sleep"}, frozenset(), {"sleep"}]


def test_methods_scoring_absent_words_are_refused() -> None:
    with pytest.raises(ValueError, match="lucene"):
        Postings(_bm25(method="bm25+"))
