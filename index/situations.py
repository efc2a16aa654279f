"""Situations a question describes instead of naming a topic (ontology/situations.ttl).

A situation (a baby sling, twins sharing a cot, a grandparent caring overnight, a scald) is a
SKOS concept linked by ``skos:related`` to the topics whose resources address it.
:class:`cradle.index.query.QueryReader` reads a situation named in a question as its related
topics (the topic boost and the thesaurus expansion then apply as for a named topic); this
module says so in plain words for ``why``: ``"baby sling: a safer sleep question"``.
"""

from __future__ import annotations

from collections.abc import Mapping

from cradle.index.corpus import Vocabulary


def lower_first(label: str) -> str:
    """``Safer sleep`` -> ``safer sleep``; ``COVID-19 and lockdown`` stays as it is."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def article(phrase: str) -> str:
    """``a safer sleep`` / ``an infant crying``: the phrase with its indefinite article."""
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def as_topics(
    found: Mapping[str, list[str]], related: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """The topics the situations found in a question stand for.

    Args:
        found: situation id -> the labels of it found in the question.
        related: situation id -> its related topic ids (``Vocabulary.related["situation"]``).

    Returns:
        Topic id -> the situation labels that led to it, in the order found.
    """
    out: dict[str, list[str]] = {}
    for situation, labels in found.items():
        for topic in related.get(situation, []):
            seen = out.setdefault(topic, [])
            seen += [label for label in labels if label not in seen]
    return out


def situation_notes(
    topics: list[str],
    situations: Mapping[str, list[str]],
    vocab: Vocabulary,
    below: Mapping[str, list[str]],
) -> list[str]:
    """Plain words for the situations that brought a hit: ``"baby sling: a safer sleep
    question"``, one per situation the hit's topics address.

    Args:
        topics: the hit's topic ids.
        situations: situation id -> labels found in the question (``Understanding.situations``).
        vocab: labels and each situation's related topics.
        below: topic id named in the question -> it and the ids under it.

    Returns:
        One sentence per situation, naming the situation by its preferred label and the
        related topics this hit is about; empty when none applies.
    """
    related = vocab.related.get("situation", {})
    out = []
    for situation in situations:
        about = [
            t for t in related.get(situation, []) if any(r in below.get(t, [t]) for r in topics)
        ]
        if about:
            what = " or ".join(lower_first(vocab.label("topic", t)) for t in about)
            name = lower_first(vocab.label("situation", situation))
            out.append(f"{name}: {article(what)} question")
    return out
