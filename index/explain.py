"""Why a resource matched: the words, thesaurus terms, topics, boosts and scores behind a hit."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cradle.index.corpus import Resource, Vocabulary
from cradle.index.query import Understanding
from cradle.index.situations import situation_notes
from cradle.index.text import STOPWORDS, normalise, stem


@lru_cache(maxsize=1024)
def _query_words(query: str) -> tuple[tuple[str, str], ...]:
    """The query's content words, once each, with their stems (once per query, not per hit)."""
    words = [w for w in dict.fromkeys(normalise(query).split()) if w not in STOPWORDS]
    return tuple((w, stem(w)) for w in words)


def why(
    res: Resource,
    vocab: Vocabulary,
    query: str,
    u: Understanding,
    scores: dict[str, float],
    below: dict[str, list[str]],
    doc: frozenset[str],
) -> dict[str, Any]:
    """Explain one hit.

    Args:
        res: the resource.
        vocab: labels for ids.
        query: the (possibly truncated) query.
        u: what the graph recognised in the query.
        scores: ``dense``, ``keyword`` and the boosts that applied (``topic``, ``place``,
            ``form``, ``audience``); a ``topic`` below 1 is a back-off to a broader concept.
        below: topic/locality id named in the query -> it and the ids under it.
        doc: the query's BM25 tokens the resource contains (from ``Postings.present``).

    Returns:
        ``{"text", "dense", "keyword", "terms", "thesaurus", "topics", "locality", "format",
        "backoff", "audience", "purposes"}``: ``backoff`` says "about X, which covers Y" when
        the hit is lifted for a broader concept X of a recognised topic Y that has few
        resources; ``audience`` names the audience the query asked about that the resource
        is for; ``purposes`` lists the everyday words that named the resource's kind, format
        or audience ("something to watch -> Video"); ``situations`` says which situations the
        question described that this hit addresses ("baby sling: a safer sleep question").
    """
    terms = [w for w, stemmed in _query_words(query) if stemmed in doc]
    thesaurus = [
        f"{label} -> {vocab.label('topic', t)}"
        for t, labels in u.topics.items()
        for label in labels
    ]
    topics = [t for t in res.topics if any(t in below.get(c, [c]) for c in u.topics)]
    places = [*dict.fromkeys([res.locality, *res.adopted_in])]
    place = ""
    if scores.get("place", 0.0) >= 1.0:
        for p in places:
            if any(p in below.get(c, [c]) for c in u.localities):
                how = "" if p == res.locality else " (adopted there)"
                place = f"{vocab.label('locality', p)}{how}"
                break
    elif scores.get("place"):
        named = ", ".join(vocab.label("locality", c) for c in u.localities)
        place = f"{vocab.label('locality', res.locality)} (covers {named})"
    form = ""
    if scores.get("form"):
        form = vocab.label("format", res.format) if res.format in u.formats else ""
        form = form or vocab.label("kind", res.kind)
    backoff = _backoff(res, vocab, u) if 0 < scores.get("topic", 0.0) < 1 else ""
    audience = ""
    if scores.get("audience"):
        audience = ", ".join(vocab.label("audience", a) for a in u.audiences if a in res.audience)
    purposes = _purposes(res, vocab, u)
    situations = situation_notes(res.topics, u.situations, vocab, below)  # issue 27
    parts = []
    if terms:
        parts.append("matches: " + ", ".join(terms))
    if topics:
        parts.append("about: " + ", ".join(vocab.label("topic", t) for t in topics))
    if place:
        parts.append(f"place: {place}")
    if backoff:
        parts.append(backoff)
    if form:
        parts.append(f"format: {form}")
    if audience:
        parts.append(f"for: {audience}")
    if purposes:
        parts.append("asked as: " + ", ".join(purposes))
    parts += situations
    if not parts:
        parts.append("close in meaning")  # plain words for the page: the scores stay in the JSON
    return {
        "text": "; ".join(parts),
        "dense": round(scores["dense"], 4),
        "keyword": round(scores["keyword"], 4),
        "terms": terms,
        "thesaurus": thesaurus,
        "topics": topics,
        "locality": place or None,
        "format": form or None,
        "backoff": backoff or None,
        "audience": audience or None,
        "purposes": purposes,
        "situations": situations,
    }


def _backoff(res: Resource, vocab: Vocabulary, u: Understanding) -> str:
    """ "about X, which covers Y" for the broader concepts X the hit is about."""
    said = [
        f"about {vocab.label('topic', b)}, which covers "
        + " and ".join(vocab.label("topic", c) for c in covered)
        for b, covered in u.broader.items()
        if b in res.topics
    ]
    return "; ".join(said)


def _purposes(res: Resource, vocab: Vocabulary, u: Understanding) -> list[str]:
    """The query's everyday words (not the preferred label) naming this resource's kind,
    format or audience, as "words -> label"."""
    out = []
    for facet, found, values in (
        ("kind", u.kinds, [res.kind]),
        ("format", u.formats, [res.format]),
        ("audience", u.audiences, res.audience),
    ):
        for value in values:
            pref = vocab.label(facet, value)
            named = set(normalise(pref).split())
            for label in found.get(value, []):
                if not set(normalise(label).split()) <= named:  # not the label's own words
                    out.append(f"{label} -> {pref}")
    return out
