"""Natural-language search over the built index: the API the CLI, service and notebooks use.

A search runs in three stages, each a small function with typed inputs: retrieve and fuse
(:func:`cradle.index.rank.score`: scores over the eligible set), judge
(:func:`cradle.index.judge.judge`: closeness, usability, tier for every candidate, as arrays),
then present (:func:`cradle.index.present.present`: card, snippet, why and action for the ``k``
hits shown only). :meth:`Searcher.search` composes them; the answer is typed
(:mod:`cradle.index.hit`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from cradle.core.datadir import Version, open_version
from cradle.core.errors import CradleError, InvalidSearch, StaleIndex
from cradle.core.facets import FACETS
from cradle.core.settings import Settings
from cradle.index.close import place_note
from cradle.index.embed import Embedder, make_embedder
from cradle.index.hit import Card, Label, SearchResponse
from cradle.index.judge import TitleWords, judge
from cradle.index.loaded import LoadedIndex
from cradle.index.present import card, present
from cradle.index.query import QueryReader, Understanding
from cradle.index.rank import Weights, score
from cradle.index.spelling import Speller, label_words
from cradle.index.text import keywords, model_lexicon, stem

__all__ = ["MAX_K", "SEARCH_THREADS", "WARM_UP", "SearchResponse", "Searcher", "open_searcher"]
from cradle.index.urgent import urgent

MAX_K = 100
#: The question a server's searcher (or its search process) searches once on opening, so the
#: model loads then and not on the first request.
WARM_UP = "safe sleep"
#: Searches one server process runs at once. One: a process runs Python on one thread at a
#: time (the interpreter lock) and its event loop (HTTP, JSON) needs it too, so a second search
#: thread only queues and contends for it (bench/findings.md, "Search at 10k against round
#: one"). With several processes (``--workers``), each has its own.
SEARCH_THREADS = 1


@dataclass(frozen=True)
class Asked:
    """The question as searched: as typed (cut to the model's window), whether it was cut, the
    corrected text searched instead (or None), the text searched, what the graph recognised in
    it, and its BM25 tokens."""

    typed: str
    truncated: bool
    corrected: str | None
    text: str
    u: Understanding
    tokens: list[str]


def check(query: str, k: int) -> None:
    """Refuse a blank query or a ``k`` out of range.

    Raises:
        InvalidSearch: saying which, and what to do.
    """
    if not isinstance(query, str) or not query.strip():
        raise InvalidSearch("the query is empty: type what you are looking for")
    if not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidSearch(f"k must be between 1 and {MAX_K}, got {k!r}")


def ranking(total: np.ndarray, tier: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Candidate positions, best first: by tier (1 close and usable, 2 close but not usable
    yet, 3 not close), then by score, ties by resource number. A tier is a partition, not a
    nudge: no score gap puts a hit above a better tier (bench/findings.md "Tiers")."""
    return np.lexsort((idx, -total, tier))


class Searcher:
    """Searches one loaded index; every method is safe to call from several threads."""

    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        weights: Weights | None = None,
    ):
        """Wrap a loaded index and the embedder it was built with."""
        self.index = index
        self.embedder = embedder
        self.weights = weights or Weights()
        self.reader = QueryReader(index)
        self.today: Callable[[], date] = date.today
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed_query(self, text: str) -> np.ndarray:
        """The query's unit vector (the last 256 queries are remembered)."""
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        vec = self.embedder.embed([text])[0]
        with self._lock:
            self._cache[text] = vec
            if len(self._cache) > 256:
                self._cache.popitem(last=False)
        return vec

    @cached_property
    def speller(self) -> Speller:
        """Spelling correction against the index's dictionary and the thesaurus; the embedding
        model's whole words are real words, never corrected ("morning" is not "mourning")."""
        vocab = self.index.postings.vocab
        return Speller(
            self.index.words,
            label_words(self.index.vocab),
            lambda w: stem(w) in vocab,
            lexicon=model_lexicon(_model_folder(self.embedder)),
        )

    @cached_property
    def titles(self) -> TitleWords:
        """Which resources' titles hold each word (for questions that name a resource)."""
        return TitleWords([r.title for r in self.index.resources])

    def read(self, query: str, exact: bool = False) -> Asked:
        """The question as searched: cut to the model's window, misspelt words corrected (unless
        ``exact``) before anything reads them, and what the graph recognises in it."""
        typed, cut = self.embedder.truncate(" ".join(query.split()))
        corrected = None if exact else self.speller.correct(typed)
        text = corrected or typed
        return Asked(typed, cut, corrected, text, self.reader.understand(text), keywords(text))

    def search(
        self,
        query: str,
        k: int = 10,
        national: bool = True,
        weights: Weights | None = None,
        exact: bool = False,
        **filters: str | None,
    ) -> SearchResponse:
        """Rank resources for ``query`` within the exact set the filters allow.

        Retrieve and fuse, judge every candidate, then present the ``k`` shown (the module's
        docstring). Unknown words are corrected first (unless ``exact``).

        Args:
            query: the practitioner's question, in their own words.
            k: how many hits (1..100).
            national: with a locality filter, also keep resources of the wider areas
                containing it; without one, False drops national resources.
            weights: override the fusion weights (evaluation).
            exact: search the words as typed, without spelling correction.
            filters: facet id (:mod:`cradle.core.facets`: locality, topic, format, audience,
                status) -> a value's id or preferred label; None or absent: no filter.

        Raises:
            InvalidSearch: blank query, ``k`` out of range, unknown filter or filter value.
        """
        return self.search_filtered(query, k, filters, national, weights, exact)

    def search_filtered(
        self,
        query: str,
        k: int = 10,
        filters: Mapping[str, str | None] | None = None,
        national: bool = True,
        weights: Weights | None = None,
        exact: bool = False,
    ) -> SearchResponse:
        """:meth:`search` with the filters as one mapping (facet id -> value or None)."""
        filters = filters or {}
        check(query, k)
        eligible = self.reader.eligible(filters, national)
        asked = self.read(query, exact)
        understood = self._understood(asked.u)
        alarm = urgent(asked.typed) or urgent(asked.text)  # issue 27: call 999 or NHS 111
        if not eligible.any():
            return SearchResponse(asked.typed, asked.truncated, asked.corrected,
                                  understood=understood, urgent=alarm)  # fmt: skip
        w = weights or self.weights
        qvec = focused(self.embed_query(asked.text), self.embed_query, asked.u.focus, w.focus)
        s = score(self.index, qvec, asked.tokens, asked.u, eligible, w, k)
        named = self.titles.named(asked.tokens, s.idx, asked.u.place_tokens())
        judged = judge(self.index, s.idx, s.dense, asked.text, asked.u, named)
        shown = ranking(s.total, judged.tier, s.idx)[:k]
        hits = present(self.index, s, judged, shown, asked.text, asked.u, qvec, asked.tokens,
                       self.today())  # fmt: skip
        place = next(iter(asked.u.localities), None) or self._place_filter(filters)
        close = [int(s.idx[j]) for j in shown if judged.close[j]]
        note = place_note(self.index, asked.u, place, close, self.reader.country)
        return SearchResponse(asked.typed, asked.truncated, asked.corrected,
                              int(judged.close.sum()), note, understood, hits, alarm)  # fmt: skip

    def _place_filter(self, filters: Mapping[str, str | None]) -> str | None:
        """The place a place-matched facet's filter names (its id), or None."""
        for f in FACETS:
            value = filters.get(f.id) if f.match == "place" else None
            if value:
                return self.reader.resolve(f.vocabulary, value)
        return None

    def _understood(self, u: Understanding) -> dict[str, tuple[Label, ...]]:
        """The topics and places the query named, with their labels."""
        vocab = self.index.vocab
        return {
            facet: tuple(Label(c, vocab.label(facet, c)) for c in found)
            for facet, found in (("topic", u.topics), ("locality", u.localities))
        }

    def related(self, uri: str, k: int = 5) -> list[Card]:
        """The ``k`` resources nearest to the resource ``uri`` by embedding (itself excluded).

        Raises:
            InvalidSearch: no resource has that URI, or ``k`` is out of range.
        """
        if not 1 <= k <= MAX_K:
            raise InvalidSearch(f"k must be between 1 and {MAX_K}, got {k!r}")
        found = [i for i, r in enumerate(self.index.resources) if r.uri == uri or r.id == uri]
        if not found:
            raise InvalidSearch(f"no resource {uri!r} in the index")
        vec = np.asarray(self.index.vectors[found[0]], dtype=np.float32)
        n = min(k + 1, self.index.size)
        scores, ids = self.index.faiss_index.search(vec[None, :], n)
        today = self.today()
        hits = [
            card(self.index, int(i), float(sc), today)
            for sc, i in zip(scores[0], ids[0], strict=True)
            if i >= 0 and int(i) != found[0]
        ]
        return hits[:k]

    def facet_values(self) -> dict[str, list[dict[str, str]]]:
        """Valid filter values per facet: ``{"locality": [{"id", "label"}, ...], ...}``."""
        return self.reader.facet_values()

    def info(self) -> dict[str, Any]:
        """Model, index and graph digests, size, dimension and how queries are embedded (for
        /health)."""
        m = self.index.manifest
        keys = ("model", "index_sha256", "graph_sha256", "count", "dimension", "dense_index")
        return {key: m.get(key) for key in keys} | {"queries": self.embedder.query_runtime_used()}


def focused(
    qvec: np.ndarray, embed: Callable[[str], np.ndarray], focus: str, share: float
) -> np.ndarray:
    """The query vector of a long question: ``share`` of it from the embedding of ``focus``
    (the phrases the graph recognised in it), the rest from the whole question; unchanged
    when there is no focus (a short query)."""
    if not focus or share <= 0:
        return qvec
    mixed = (1.0 - share) * qvec + share * embed(focus)
    norm = float(np.linalg.norm(mixed))
    return (mixed / norm).astype(np.float32) if norm > 0 else qvec


def _model_folder(embedder: Embedder) -> Path | None:
    """The folder of the embedder's model on disk, if it has one (not for fake or hashing)."""
    from cradle.index.transformer import resolve_model

    if embedder.name in ("fake", "hashing") or embedder.name.startswith("hashing"):
        return None
    try:
        return resolve_model(embedder.name)
    except CradleError:
        return None


def open_searcher(where: Path | Version, settings: Settings) -> Searcher:
    """Load the index of a version (or of a data dir's current version) with the embedder it
    was built with.

    Raises:
        NotBuilt: no index there; StaleIndex: built from another graph.
        StaleIndex: also when the index was built with another model than ``settings`` names.
    """
    version = open_version(where)
    index = LoadedIndex.load(version)
    embedder = make_embedder(settings, cache_dir=version.cache_dir)
    if index.manifest.get("model") != embedder.name:
        raise StaleIndex(
            f"the index in {version.path} was built with model {index.manifest.get('model')!r}, "
            f"settings name {embedder.name!r}: run `cradle build` with the same model"
        )
    return Searcher(index, embedder)
