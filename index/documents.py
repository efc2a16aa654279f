"""The text search sees for each resource: one for the embedding model, one for BM25."""

from __future__ import annotations

from cradle.index.corpus import Resource, Vocabulary


def dense_text(res: Resource, vocab: Vocabulary) -> str:
    """Title, summary, topics, kind and format, as one passage to embed."""
    topics = ", ".join(vocab.label("topic", t) for t in res.topics)
    kind = vocab.label("kind", res.kind) if res.kind else "Resource"
    parts = [
        f"{res.title}.",
        res.summary.strip(),
        f"Topics: {topics}." if topics else "",
        f"{kind} ({vocab.label('format', res.format)}).",
    ]
    return " ".join(p for p in parts if p)


def _where(res: Resource, vocab: Vocabulary) -> str:
    places = [vocab.label("locality", res.locality)]
    places += [vocab.label("locality", p) for p in res.adopted_in]
    return f"From {res.publisher}, {', '.join(places)}."


def _labels(vocab: Vocabulary, facet: str, values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out += vocab.labels.get(facet, {}).get(v, []) + vocab.hidden.get(facet, {}).get(v, [])
    return out


def keyword_text(res: Resource, vocab: Vocabulary) -> str:
    """Everything BM25 may match: the passage above plus every thesaurus label of its topics,
    and the everyday words for its kind, format and audiences (ontology/values.ttl)."""
    labels = _labels(vocab, "topic", res.topics)
    labels += _labels(vocab, "kind", [res.kind] if res.kind else [])
    labels += _labels(vocab, "format", [res.format] if res.format != "none" else [])
    return " ".join([dense_text(res, vocab), _where(res, vocab), res.link_text, " ; ".join(labels)])
