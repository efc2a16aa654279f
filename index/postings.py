"""BM25 over the index's postings: weighted scores in one pass, and which query words a hit has.

bm25s precomputes each word's BM25 score in every resource that contains it (a sparse
word x resource matrix, one posting list per word). Scoring a query is summing the postings
of its words; bm25s does that with one ``np.add.at`` per word, which at 100k resources costs
several times the sum itself. Here a query's words are summed in one ``bincount``, and each
topic's thesaurus expansion once per index (:meth:`Postings.summed`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Token groups (a topic's expansion) whose summed scores are kept: at most this many vectors of
#: one float64 per resource.
SUMS_KEPT = 32


class Postings:
    """Read-only view of a loaded ``bm25s.BM25`` index; safe to share between threads."""

    def __init__(self, bm25: Any) -> None:
        """Wrap ``bm25`` (a ``bm25s.BM25`` built with a method that has no non-occurrence
        score, e.g. ``lucene``)."""
        if getattr(bm25, "nonoccurrence_array", None) is not None:
            raise ValueError(f"BM25 method {bm25.method!r} scores absent words; use 'lucene'")
        self.vocab: dict[str, int] = dict(bm25.vocab_dict)
        self.indptr: np.ndarray = np.asarray(bm25.scores["indptr"])
        indices, data = np.asarray(bm25.scores["indices"]), np.asarray(bm25.scores["data"])
        words = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        rising = np.diff(indices) > 0
        if not (rising | (np.diff(words) > 0)).all():  # each posting sorted, for searchsorted
            order = np.lexsort((indices, words))
            indices, data = indices[order], data[order]
        self.indices, self.data = indices, data
        self._bounds: list[int] = self.indptr.tolist()  # plain ints: read for every query word
        self.size = int(bm25.scores["num_docs"])
        self._sums: dict[tuple[str, ...], np.ndarray] = {}

    def _posting(self, token: str) -> tuple[np.ndarray, np.ndarray] | None:
        tid = self.vocab.get(token)
        if tid is None or tid + 1 >= len(self._bounds):  # bm25s lists "" without a column
            return None
        start, end = self._bounds[tid], self._bounds[tid + 1]
        return self.indices[start:end], self.data[start:end]

    def frequency(self, token: str) -> int:
        """How many resources contain ``token`` (0 when the index has never seen it)."""
        found = self._posting(token)
        return 0 if found is None else len(found[0])

    def summed(self, tokens: tuple[str, ...]) -> np.ndarray:
        """``sum(BM25(token, resource))`` over ``tokens`` for every resource, as float64,
        remembered for up to ``SUMS_KEPT`` token groups (a topic's expansion tokens recur in
        every question naming it)."""
        found = self._sums.get(tokens)
        if found is None:
            found = self.scores(dict.fromkeys(tokens, 1.0), np.float64)
            if len(self._sums) >= SUMS_KEPT:  # all at once: safe while other threads read
                self._sums.clear()
            self._sums[tokens] = found
        return found

    def scores(self, weighted: dict[str, float], dtype: type = np.float32) -> np.ndarray:
        """``sum(weight * BM25(token, resource))`` for every resource, as float32.

        The postings of all the tokens are summed in one ``bincount`` (half the time of one
        fancy-indexed addition per token at 100k resources).

        Args:
            weighted: token -> weight; tokens not in the index add nothing.
        """
        ids, values, weights = [], [], []
        for token, weight in weighted.items():
            found = self._posting(token)
            if found is not None and weight:
                ids.append(found[0])
                values.append(found[1])
                weights.append(weight)
        if not ids:
            return np.zeros(self.size, dtype=dtype)
        data = np.concatenate(values)
        if any(w != 1.0 for w in weights):  # one product for every weighted posting, not one each
            lengths = [len(v) for v in values]
            data = data * np.repeat(np.asarray(weights, dtype=np.float32), lengths)
        summed = np.bincount(np.concatenate(ids), data, minlength=self.size)
        return summed if dtype is np.float64 else summed.astype(dtype)

    def has(self, token: str, resources: np.ndarray) -> np.ndarray:
        """Per resource number in ``resources`` (int64), whether it contains ``token``."""
        posting = self._posting(token)
        if posting is None or not len(resources):
            return np.zeros(len(resources), dtype=bool)
        ids = posting[0]
        at = np.minimum(ids.searchsorted(resources), len(ids) - 1)
        return np.asarray(ids[at] == resources)

    def present(self, tokens: list[str], resources: np.ndarray) -> list[frozenset[str]]:
        """For each resource number in ``resources``, the ``tokens`` it contains."""
        resources = np.asarray(resources, dtype=np.int64)
        found: list[list[str]] = [[] for _ in range(len(resources))]
        for token in dict.fromkeys(tokens):
            posting = self._posting(token)
            if posting is None or not len(resources):
                continue
            ids = posting[0]
            at = np.minimum(ids.searchsorted(resources), len(ids) - 1)
            for j in (ids[at] == resources).nonzero()[0]:
                found[int(j)].append(token)
        return [frozenset(f) for f in found]
