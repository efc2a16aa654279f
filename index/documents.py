"""The text search sees for each resource: one for the embedding model, one for BM25."""

from __future__ import annotations

from cradle.index.corpus import Resource, Vocabulary


def dense_text(res: Resource, vocab: Vocabulary) -> str:
    """Title, summary, topics, kind, format, publisher and place, as one passage to embed."""
    topics = ", ".join(vocab.label("topic", t) for t in res.topics)
    places = [vocab.label("locality", res.locality)]
    places += [vocab.label("locality", p) for p in res.adopted_in]
    kind = vocab.label("kind", res.kind) if res.kind else "Resource"
    parts = [
        f"{res.title}.",
        res.summary.strip(),
        f"Topics: {topics}." if topics else "",
        f"{kind} ({vocab.label('format', res.format)}) from {res.publisher}, {', '.join(places)}.",
    ]
    return " ".join(p for p in parts if p)


def keyword_text(res: Resource, vocab: Vocabulary) -> str:
    """Everything BM25 may match: the passage above plus every thesaurus label of its topics."""
    labels = []
    for t in res.topics:
        labels += vocab.labels.get("topic", {}).get(t, [])
        labels += vocab.hidden.get("topic", {}).get(t, [])
    return " ".join([dense_text(res, vocab), res.link_text, " ; ".join(labels)])
