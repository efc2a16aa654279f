"""BM25 over the index's postings: weighted scores in one pass, and which query words a hit has.

bm25s precomputes each word's BM25 score in every resource that contains it (a sparse
word x resource matrix, one posting list per word). Scoring a query is summing the postings
of its words; bm25s does that with ``np.add.at``, which at 100k resources costs more than the
sum itself. A posting list holds each resource once, so plain fancy-index addition is exact
and several times faster, and the query words and the thesaurus expansion (at its weight) go
through in one pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np


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
        self.size = int(bm25.scores["num_docs"])

    def _posting(self, token: str) -> tuple[np.ndarray, np.ndarray] | None:
        tid = self.vocab.get(token)
        if tid is None:
            return None
        start, end = int(self.indptr[tid]), int(self.indptr[tid + 1])
        return self.indices[start:end], self.data[start:end]

    def scores(self, weighted: dict[str, float]) -> np.ndarray:
        """``sum(weight * BM25(token, resource))`` for every resource, as float32.

        Args:
            weighted: token -> weight; tokens not in the index add nothing.
        """
        out = np.zeros(self.size, dtype=np.float32)
        for token, weight in weighted.items():
            found = self._posting(token)
            if found is not None and weight:
                ids, values = found
                out[ids] += values if weight == 1.0 else np.float32(weight) * values
        return out

    def present(self, tokens: list[str], resource: int) -> frozenset[str]:
        """The ``tokens`` that resource number ``resource`` contains."""
        out = []
        for token in dict.fromkeys(tokens):
            found = self._posting(token)
            if found is None:
                continue
            ids = found[0]
            at = int(np.searchsorted(ids, resource))
            if at < len(ids) and ids[at] == resource:
                out.append(token)
        return frozenset(out)
