"""Scoring: dense and BM25 scores fused, plus boosts from what the graph recognised."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from cradle.index.loaded import LoadedIndex
from cradle.index.query import Understanding

#: Eligible sets up to this size are scored completely; larger ones are pruned safely (see
#: :func:`score`).
EXACT_LIMIT = 2_000
#: Above ``EXACT_LIMIT`` with an exact (flat) dense index, the candidates judged are the
#: resources with the best ``CANDIDATES`` totals (all ties at the last included).
CANDIDATES = 256
WINDOW = 128
#: Keyword windows over more resources than this estimate their cut-off from ``SAMPLE`` scores.
SAMPLED_FROM = 16_384
SAMPLE = 4_096
#: HNSW search depth, chosen on recall@10 against exact search on the 100k real vectors and on
#: its cost per query (the values tried: bench/findings.md).
EF_SEARCH = 384
#: Rounding allowance in the bound (it and the exact totals sum the same terms differently).
BOUND_SLACK = 1e-6


@dataclass(frozen=True)
class Weights:
    """How scores combine (chosen on the dev set, see README "Search").

    Attributes:
        dense: weight of the cosine similarity; the BM25 score, scaled to [0, 1] by the best
            eligible one, gets ``1 - dense``.
        expansion: weight of thesaurus expansion terms relative to the query's own words.
        topic: added when the resource is about a concept named in the query (or narrower).
        place: added when the resource is of, within or adopted in a place named in the query.
        form: added when the resource has a format or kind named in the query.
        backoff: share of ``topic`` added when the resource is about a broader concept of a
            recognised topic that has few resources of its own (back-off).
        audience: added when the resource is for an audience the query names.
        families: added, when the question asks for something to give a family, to the
            resources for families (bench/search_families.py).
        narrative: weight, in a long question, of the words outside every phrase the graph
            recognised (the story around the need).
        focus: share of the query vector, in a long question, taken from the embedding of the
            recognised phrases (the rest from the whole question).
        fusion: ``convex`` (weighted sum of cosine and scaled BM25) or ``rrf`` (reciprocal rank
            fusion, k=60, scaled so that first in both lists scores 1).
    """

    dense: float = 0.4
    expansion: float = 0.5
    topic: float = 0.1
    place: float = 0.15
    form: float = 0.05
    backoff: float = 0.5
    audience: float = 0.1
    families: float = 0.1
    narrative: float = 0.5
    focus: float = 0.5
    fusion: str = "convex"


@dataclass
class Scored:
    """Scores of the candidates (indices into the index's resources)."""

    idx: np.ndarray
    total: np.ndarray
    dense: np.ndarray
    keyword: np.ndarray
    topic: np.ndarray
    place: np.ndarray
    form: np.ndarray
    audience: np.ndarray


def _bm25(
    index: LoadedIndex,
    tokens: list[str],
    u: Understanding,
    weight: float,
    narrative: frozenset[str] = frozenset(),
    narrative_weight: float = 1.0,
) -> np.ndarray:
    """BM25 of the query's words (those in ``narrative`` at ``narrative_weight``) plus
    ``weight`` times BM25 of the expansion terms (``u.expansion``)."""
    weighted = {t: narrative_weight if t in narrative else 1.0 for t in tokens if t}
    expansion = [t for t in dict.fromkeys(u.expansion) if t]
    if not (weight and expansion):
        return index.postings.scores(weighted)
    own = index.postings.scores(weighted, np.float64)
    return (own + weight * _expansion(index, u, expansion, weighted)).astype(np.float32)


def _expansion(
    index: LoadedIndex, u: Understanding, expansion: list[str], own: dict[str, float]
) -> np.ndarray:
    """BM25 of the expansion terms, each once: the sums of the recognised topics' groups (once
    per index), less the postings of the terms counted twice or that are the query's own."""
    groups = u.expansion_groups
    counts = Counter(t for group in groups for t in group)
    if [t for t in counts if t not in own] != expansion:  # not made by QueryReader.understand
        return index.postings.scores(dict.fromkeys(expansion, 1.0), np.float64)
    summed = [index.postings.summed(group) for group in groups]
    out = summed[0] if len(summed) == 1 else np.sum(summed, axis=0)
    extra = {t: float(1 - n) for t, n in counts.items() if n > 1 and t not in own}
    extra |= {t: float(-n) for t, n in counts.items() if t in own}
    return out + index.postings.scores(extra, np.float64) if extra else out


def topic_match(index: LoadedIndex, u: Understanding, backoff: float) -> np.ndarray:
    """1 for resources about a recognised topic (or a narrower one); ``backoff`` for those
    about a broader concept it backs off to (:meth:`QueryReader.back_off`); else 0."""
    if not u.topics and not u.broader:
        return np.zeros(index.size)
    exact = index.any_of("topic", [t for c in u.topics for t in index.below("topic", c)])
    out = exact.astype(np.float64)
    if u.broader and backoff:
        lifted = index.any_of("topic", list(u.broader)) & ~exact
        out[lifted] = backoff
    return out


def audience_match(index: LoadedIndex, u: Understanding) -> np.ndarray:
    """Resources for an audience the query names (who it is about or for)."""
    if len(u.audiences) != 1:  # naming both audiences, or none, narrows nothing
        return np.zeros(index.size, dtype=bool)
    return index.any_of("audience", list(u.audiences))


def boosts(
    index: LoadedIndex, u: Understanding, backoff: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resources matching the query's topics, places and formats (1 = match, 0 = not; a
    broader topic backed off to scores ``backoff``).

    A place named in the query matches resources of it, within it or adopted there (1) and,
    at half strength, resources of the wider areas containing it other than the country
    (a Greater Manchester policy applies in Oldham).
    """
    topic = topic_match(index, u, backoff)
    place = np.zeros(index.size)
    if u.localities:
        below = [p for c in u.localities for p in index.below("locality", c)]
        inside = index.any_of("place", below)
        wider = [a for c in u.localities for a in index.above("locality", c)]
        covering = index.any_of("spatial", [a for a in wider if index.above("locality", a)])
        if len(inside) and inside.all():
            inside = np.zeros(index.size, dtype=bool)  # naming the country narrows nothing
        place[covering] = 0.5
        place[inside] = 1.0
    form = np.zeros(index.size, dtype=bool)
    if u.formats or u.kinds:
        form = index.any_of("format", list(u.formats)) | index.any_of("kind", list(u.kinds))
    return topic, place, form


def _dense_window(
    index: LoadedIndex, qvec: np.ndarray, eligible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    import faiss as faiss_module

    faiss: Any = faiss_module
    selector = None
    if not eligible.all():
        bitmap = np.packbits(eligible, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(eligible), faiss.swig_ptr(bitmap))
    if index.manifest.get("dense_index") == "hnsw":
        params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(WINDOW, EF_SEARCH))
    elif selector is not None:
        params = faiss.SearchParameters(sel=selector)
    else:  # making an empty parameters object costs as much as the search (bench/findings.md)
        params = None
    scores, ids = index.faiss_index.search(qvec[None, :], WINDOW, params=params)
    found = ids[0] >= 0
    return ids[0][found], scores[0][found]


def _keyword_window(kw_all: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """About the ``WINDOW`` eligible resources with the best keyword scores (those above zero).

    Only a seed for the k-th best score: the bound in :func:`score` makes the ranking exact
    whatever the window holds. Above ``SAMPLED_FROM`` resources the cut-off is estimated from
    an evenly spaced sample (one pass instead of partitioning every score).
    """
    values = kw_all if eligible.all() else np.where(eligible, kw_all, 0.0)
    if len(values) > SAMPLED_FROM:
        sample = values[:: len(values) // SAMPLE]
        m = max(1, WINDOW * len(sample) // len(values))
        cut = float(np.partition(sample, len(sample) - m)[len(sample) - m])
        found = np.flatnonzero(values >= cut) if cut > 0 else np.flatnonzero(values > 0)
    else:
        found = np.flatnonzero(values > 0)
    if len(found) > WINDOW:
        found = found[np.argpartition(values[found], len(found) - WINDOW)[-WINDOW:]]
    return found


def _rrf(values: np.ndarray, k: int = 60) -> np.ndarray:
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[np.argsort(-values, kind="stable")] = np.arange(1, len(values) + 1)
    return (k + 1) / (k + ranks)


def _rest(kw_all: np.ndarray, extra: np.ndarray, best: float, w: Weights) -> np.ndarray:
    """Every resource's total without its cosine part: (1 - dense) x BM25 scaled by the best
    eligible one, plus its boosts."""
    return kw_all * ((1.0 - w.dense) / best) + extra if best > 0 else extra


def _best_totals(
    index: LoadedIndex, qvec: np.ndarray, rest: np.ndarray, eligible: np.ndarray, dense: float
) -> tuple[np.ndarray, np.ndarray]:
    """An exact dense index: every resource's cosine in one product (cheaper than FAISS's flat
    search, which computes the same products and keeps a heap; bench/findings.md), so every
    eligible total is exact; the candidates are the ``CANDIDATES`` best (ties at the last
    included) and their cosines."""
    cosine = np.asarray(index.vectors @ qvec, dtype=np.float32)
    # float32 for choosing (partitioning float64 costs more); the candidates' totals are worked
    # out again in float64 by the caller
    totals = np.float32(dense) * cosine + rest.astype(np.float32)
    if not eligible.all():
        totals = np.where(eligible, totals, -np.inf)
    idx = _at_or_above_kth(totals, CANDIDATES)
    if idx is None:
        idx = eligible.nonzero()[0]
    return idx, cosine[idx]


def _at_or_above_kth(values: np.ndarray, k: int) -> np.ndarray | None:
    """Positions (in order) of the ``values`` at or above the ``k``-th largest, ties included;
    None when there are not ``k`` finite values. The ``k``-th largest is partitioned among the
    values at or above the ``k``-th largest of every eighth one (a lower bound of it, leaving
    about ``8 k`` values), and those positions are kept, so every value is compared once."""
    n = len(values)
    if n <= k:
        return None
    sample = values[::8]
    if len(sample) >= k:
        above = np.flatnonzero(values >= np.partition(sample, len(sample) - k)[len(sample) - k])
    else:
        above = np.arange(n)
    held = values[above]
    cut = np.partition(held, len(held) - k)[len(held) - k]
    return above[held >= cut] if np.isfinite(cut) else None


def _pruned(
    index: LoadedIndex,
    qvec: np.ndarray,
    kw_all: np.ndarray,
    rest: np.ndarray,
    eligible: np.ndarray,
    dense: float,
    k: int,
) -> np.ndarray:
    """An approximate dense index (HNSW): the dense window (FAISS, the filter applied inside
    the search) and the BM25 window, then every other eligible resource whose total could still
    reach the k-th best (bounded by the window's lowest cosine plus its own BM25 score and
    boosts): the best ``k`` are exactly those of a full scan."""
    window, window_scores = _dense_window(index, qvec, eligible)
    chosen = np.zeros(index.size, dtype=bool)
    chosen[window] = True
    chosen[_keyword_window(kw_all, eligible)] = True
    first = np.flatnonzero(chosen)
    totals = dense * (index.vectors[first] @ qvec) + rest[first]
    kth = float(np.sort(totals)[-k]) if len(totals) >= k else -np.inf
    floor = float(window_scores.min()) if len(window) >= WINDOW else -1.0
    # no resource outside the window has a cosine above its floor: bound its total by that
    reach = rest >= kth - dense * floor - BOUND_SLACK
    chosen |= reach & eligible
    return np.flatnonzero(chosen)


def score(
    index: LoadedIndex,
    qvec: np.ndarray,
    tokens: list[str],
    u: Understanding,
    eligible: np.ndarray,
    w: Weights,
    k: int = 10,
) -> Scored:
    """Score the eligible resources for a query: the candidates to judge and their scores.

    Eligible sets up to ``EXACT_LIMIT`` are scored completely. Larger ones, with an exact
    (flat) dense index: every eligible total exactly, and the ``CANDIDATES`` best are the
    candidates (:func:`_best_totals`); with an approximate one (HNSW): windows and a bound, so
    that the best ``k`` are exactly those of a full scan (:func:`_pruned`).
    """
    kw_all = _bm25(index, tokens, u, w.expansion, u.narrative, w.narrative)
    topic, place, form = boosts(index, u, w.backoff)
    audience = audience_match(index, u)
    n_eligible = int(eligible.sum())
    every = n_eligible == index.size
    best = float(kw_all.max() if every else kw_all[eligible].max()) if n_eligible else 0.0
    extra = np.zeros(index.size)
    # a boost is added only when the question names what it is for (else it is zero everywhere)
    for weight, named, hits in (
        (w.topic, u.topics or u.broader, topic),
        (w.place, u.localities, place),
        (w.form, u.formats or u.kinds, form),
        (w.audience, len(u.audiences) == 1, audience),
    ):
        if weight and named:
            extra += weight * hits
    if w.families and u.to_give:
        extra += w.families * index.mask("for", "families")
    if n_eligible <= EXACT_LIMIT or w.fusion == "rrf":
        idx = np.flatnonzero(eligible)
        dense = np.asarray(index.vectors[idx] @ qvec, dtype=np.float32)
    elif index.manifest.get("dense_index") == "hnsw":
        idx = _pruned(index, qvec, kw_all, _rest(kw_all, extra, best, w), eligible, w.dense, k)
        dense = np.asarray(index.vectors[idx] @ qvec, dtype=np.float32)
    else:
        idx, dense = _best_totals(index, qvec, _rest(kw_all, extra, best, w), eligible, w.dense)
    kw = kw_all[idx]
    kw_norm = kw / best if best > 0 else np.zeros_like(kw)
    if w.fusion == "rrf":
        base = w.dense * _rrf(dense) + (1.0 - w.dense) * _rrf(kw)
    else:
        base = w.dense * dense + (1.0 - w.dense) * kw_norm
    total = base + extra[idx]
    return Scored(idx, total, dense, kw_norm, topic[idx], place[idx], form[idx], audience[idx])
