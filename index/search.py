"""Natural-language search over the built index: the API the CLI, service and notebooks use."""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from cradle.core.datadir import DataDir, Version, open_version
from cradle.core.errors import CradleError, InvalidSearch, StaleIndex
from cradle.core.settings import Settings
from cradle.index.access import access
from cradle.index.close import closeness, place_note
from cradle.index.embed import Embedder, make_embedder
from cradle.index.explain import why
from cradle.index.loaded import LoadedIndex
from cradle.index.query import QueryReader
from cradle.index.rank import Weights, score
from cradle.index.spelling import Speller, label_words
from cradle.index.text import keywords, model_lexicon, stem
from cradle.index.urgent import urgent
from cradle.index.usable import AVAILABLE, badge, out_of_date, usable_first

MAX_K = 100


def _num(x: float) -> float:
    return round(float(x), 4) if math.isfinite(x) else 0.0


@dataclass
class SearchResponse:
    """A search's answer: the query as typed (cut to the model's window), the corrected query
    that was searched instead (or None), how many hits are close matches, a note about the place
    asked for (or None), the concepts and places recognised, and the ranked hits."""

    query: str
    results: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False
    corrected_query: str | None = None
    close_matches: int = 0
    place_note: str | None = None
    understood: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    urgent: bool = False  # the question says a baby may be hurt or unwell now (index/urgent.py)

    def to_dict(self) -> dict[str, Any]:
        """``{"query", "truncated", "corrected_query", "close_matches", "place_note",
        "understood", "urgent",
        "results": [{"uri", "title", "summary", "score", "close", "url", ...}]}``
        (docs/search.md)."""
        return {
            "query": self.query,
            "truncated": self.truncated,
            "corrected_query": self.corrected_query,
            "close_matches": self.close_matches,
            "place_note": self.place_note,
            "understood": self.understood,
            "urgent": self.urgent,
            "results": self.results,
        }


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
        self._titles: dict[int, frozenset[str]] = {}
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

    def search(
        self,
        query: str,
        k: int = 10,
        locality: str | None = None,
        topic: str | None = None,
        format: str | None = None,
        audience: str | None = None,
        status: str | None = None,
        national: bool = True,
        weights: Weights | None = None,
        exact: bool = False,
    ) -> SearchResponse:
        """Rank resources for ``query`` within the exact set the filters allow.

        Unknown words are corrected first (unless ``exact``); close matches that are not
        available yet move down a little (:func:`cradle.index.usable.usable_first`).

        Args:
            query: the practitioner's question, in their own words.
            k: how many hits (1..100).
            locality, topic, format, audience, status: filters, by id or preferred label.
            national: with a locality filter, also keep resources of the wider areas
                containing it; without one, False drops national resources.
            weights: override the fusion weights (evaluation).
            exact: search the words as typed, without spelling correction.

        Raises:
            InvalidSearch: blank query, ``k`` out of range or unknown filter value.
        """
        if not isinstance(query, str) or not query.strip():
            raise InvalidSearch("the query is empty: type what you are looking for")
        if not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise InvalidSearch(f"k must be between 1 and {MAX_K}, got {k!r}")
        filters = {
            "locality": locality,
            "topic": topic,
            "format": format,
            "audience": audience,
            "status": status,
        }
        eligible = self.reader.eligible(filters, national)
        typed, cut = self.embedder.truncate(" ".join(query.split()))
        # misspelt words are corrected before anything reads them: ranking and the thesaurus
        corrected = None if exact else self.speller.correct(typed)
        text = corrected or typed
        u = self.reader.understand(text)
        vocab = self.index.vocab
        response = SearchResponse(query=typed, truncated=cut, corrected_query=corrected)
        response.urgent = urgent(typed) or urgent(text)
        response.understood = {
            facet: [{"id": c, "label": vocab.label(facet, c)} for c in found]
            for facet, found in (("topic", u.topics), ("locality", u.localities))
        }
        if not eligible.any():
            return response
        w = weights or self.weights
        qvec = focused(self.embed_query(text), self.embed_query, u.focus, w.focus)
        tokens = keywords(text)
        s = score(self.index, qvec, tokens, u, eligible, w, k)
        near = closeness(self.index, s.idx, s.dense, text, u)
        available = self.index.mask("status", AVAILABLE)[s.idx]
        wanted = set(tokens)
        named = np.array(
            [bool(wanted) and wanted <= self._title_words(int(i)) for i in s.idx], dtype=bool
        )
        ranked = usable_first(s.total, near.close, available, named)
        order = np.lexsort((s.idx, -ranked))[:k]
        below = {c: self.index.below("topic", c) for c in u.topics}
        below |= {c: self.index.below("locality", c) for c in u.localities}
        has = self.index.postings.present(tokens, s.idx[order])
        today = self.today()
        for j, doc in zip(order, has, strict=True):
            res = self.index.resources[int(s.idx[j])]
            parts = {
                "dense": float(s.dense[j]),
                "keyword": float(s.keyword[j]),
                "topic": float(s.topic[j]),
                "place": float(s.place[j]),
                "form": float(s.form[j]),
                "audience": float(s.audience[j]),
            }
            hit = self._hit(int(s.idx[j]), _num(s.total[j]), today)
            hit["close"] = bool(near.close[j])
            hit["why"] = why(res, vocab, text, u, parts, below, doc)
            hit["why"] |= {"closeness": _num(near.value[j]), "coverage": _num(near.coverage[j]),
                           "about": bool(near.about[j])}  # fmt: skip
            hit["snippet"], hit["snippet_marks"] = self.index.snippets.best(
                int(s.idx[j]), qvec, tokens
            )
            response.results.append(hit)
        response.close_matches = int(near.close.sum())
        place = next(iter(u.localities), None) or (
            self.reader.resolve("locality", locality) if locality else None
        )
        shown = [int(s.idx[j]) for j in order if near.close[j]]
        response.place_note = place_note(self.index, u, place, shown, self.reader.country)
        return response

    def _title_words(self, i: int) -> frozenset[str]:
        """The BM25 tokens of resource ``i``'s title (remembered)."""
        found = self._titles.get(i)
        if found is None:
            found = self._titles[i] = frozenset(keywords(self.index.resources[i].title))
        return found

    def _hit(self, i: int, value: float, today: date | None = None) -> dict[str, Any]:
        r = self.index.resources[i]
        today = today or self.today()
        ways = access(r.url, r.link_domain, r.summary)
        place = self.index.vocab.label("locality", r.locality)
        status_badge, overdue = badge(r.status, r.expected, today)
        return {
            "uri": r.uri,
            "id": r.id,
            "title": r.title,
            "summary": r.summary,
            "score": value,
            "localities": list(dict.fromkeys([r.locality, *r.adopted_in])),
            "topics": list(r.topics),
            "format": r.format,
            "publisher": r.publisher,
            "status": r.status,
            "audience": list(r.audience),
            "kind": r.kind or None,
            "url": ways.url,
            "site": ways.site,
            "shared_via": ways.shared_via,
            "phone": ways.phone,
            "action": ways.action(r.publisher, place, service=r.kind == "service"),
            "badge": status_badge,
            "overdue": overdue,
            "out_of_date": out_of_date(r.period, r.issued, today),
            "expected": r.expected or None,
            "issued": r.issued or None,
            "period": r.period or None,
        }

    def related(self, uri: str, k: int = 5) -> list[dict[str, Any]]:
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
        hits = [
            self._hit(int(i), _num(sc))
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
    from cradle.core.errors import CradleError
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


def search_threads(workers: int) -> int:
    """How many searches one of ``workers`` server processes should run at once: its share
    of the cores this process may use, at least one.

    More threads than cores only queue for the interpreter lock and spread the waits
    (measured at 100k with two workers and 16 clients: bench/findings.md).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // max(1, workers))


_SHARED: dict[tuple[str, str, str], Searcher] = {}
_SHARED_LOCK = threading.Lock()


def search(
    query: str,
    *,
    k: int = 10,
    locality: str | None = None,
    topic: str | None = None,
    format: str | None = None,
    audience: str | None = None,
    status: str | None = None,
    exact: bool = False,
    data_dir: Path | None = None,
    settings: Settings | None = None,
) -> SearchResponse:
    """Search from a notebook: opens (once per published version) the index of the data dir's
    current version and searches it."""
    settings = settings or Settings.model_validate({})
    where = DataDir(data_dir or settings.data_dir)
    version = where.open()
    key = (str(where.root.resolve()), settings.embedder, settings.model)
    with _SHARED_LOCK:
        searcher = _SHARED.get(key)
        sha = _manifest_sha(version)
        if searcher is None or searcher.index.manifest.get("index_sha256") != sha:
            searcher = _SHARED[key] = open_searcher(version, settings)
    return searcher.search(
        query,
        k=k,
        locality=locality,
        topic=topic,
        format=format,
        audience=audience,
        status=status,
        exact=exact,
    )


def _manifest_sha(version: Version) -> str | None:
    """The ``index_sha256`` the version's index manifest records (None when absent)."""
    try:
        return version.index_manifest().get("index_sha256")
    except CradleError:
        return None
