"""Present: the last stage of a search, for the hits shown only: each one's card (the way to it,
its badges), why it matched and its answering sentence (see :mod:`cradle.index.search`)."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import date
from typing import Any

import numpy as np

from cradle.index.access import access
from cradle.index.explain import Explainer, Near
from cradle.index.hit import Card, Hit, HowToGet
from cradle.index.judge import Judged
from cradle.index.loaded import LoadedIndex
from cradle.index.query import Understanding
from cradle.index.rank import Scored
from cradle.index.usable import badge, out_of_date

#: The scores a hit's why reads, and the judgements it carries (fields of Scored and Judged).
_PARTS = ("dense", "keyword", "topic", "place", "form", "audience")
_JUDGED = ("value", "word_share", "about", "close", "tier")

#: At most this many resources' card fields are kept (then they are worked out afresh).
CARDS_KEPT = 20_000


def num(x: float) -> float:
    """A score for the JSON: four decimals, and 0.0 for what is not a finite number."""
    return round(float(x), 4) if math.isfinite(x) else 0.0


def card(index: LoadedIndex, i: int, score: float, today: date) -> Card:
    """Resource ``i``'s card with ``score``: its facts, the way to it and its badges."""
    before, after = _card_parts(index, i, today)
    return Card(*before, num(score), *after)


#: A card's fields in order, and where its score is (the only one that is not the resource's).
_CARD = tuple(f.name for f in fields(Card))
_SCORE = _CARD.index("score")


def _card_parts(index: LoadedIndex, i: int, today: date) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Resource ``i``'s card fields before the score and after it, in order. They depend only
    on the resource and the day: worked out once per resource and day (a resource is shown in
    many searches), and passed by position, not by name (bench/findings.md, "Search at 10k
    against round one")."""
    found = index.cards.get(i)
    if found is None or found[0] != today:
        if len(index.cards) >= CARDS_KEPT:
            index.cards.clear()
        f = _fields(index, i, today)
        before = tuple(f[name] for name in _CARD[:_SCORE])
        after = tuple(f[name] for name in _CARD[_SCORE + 1 :])
        found = index.cards[i] = (today, before, after)
    return found[1], found[2]


def _fields(index: LoadedIndex, i: int, today: date) -> dict[str, object]:
    r = index.resources[i]
    ways = access(r.url, r.link_domain, r.summary)
    way = HowToGet(r.get_kind, r.get_label, r.get_href or None)  # chosen when the index was built
    status_badge, overdue = badge(r.status, r.expected, today)
    return {
        "uri": r.uri,
        "id": r.id,
        "title": r.title,
        "summary": r.summary,
        "localities": tuple(dict.fromkeys([r.locality, *r.adopted_in])),
        "topics": tuple(r.topics),
        "format": r.format,
        "publisher": r.publisher,
        "status": r.status,
        "audience": tuple(r.audience),
        "kind": r.kind or None,
        "url": ways.url,
        "site": ways.site,
        "shared_via": ways.shared_via,
        "phone": ways.phone,
        "how_to_get": way,
        "for_": r.intended_for,
        "for_label": r.for_label,
        "badge": status_badge,
        "overdue": overdue,
        "out_of_date": out_of_date(r.period, r.issued, today),
        "expected": r.expected or None,
        "issued": r.issued or None,
        "period": r.period or None,
    }


def present(
    index: LoadedIndex,
    s: Scored,
    judged: Judged,
    shown: np.ndarray,
    text: str,
    u: Understanding,
    qvec: np.ndarray,
    tokens: list[str],
    today: date,
) -> tuple[Hit, ...]:
    """The hits at positions ``shown`` of the candidates, in that order.

    Args:
        index: the loaded index.
        s: the candidates' scores (retrieve and fuse).
        judged: the candidates' closeness, usability and tier (judge).
        shown: candidate positions to present, best first.
        text: the query searched (corrected when it was).
        u: what the graph recognised in it.
        qvec: the query vector (for the answering sentence).
        tokens: the query's BM25 tokens.
        today: the date badges are worked out for.
    """
    below = {c: index.below("topic", c) for c in u.topics}
    below |= {c: index.below("locality", c) for c in u.localities}
    explainer = Explainer(index.vocab, text, u, below)
    rows = s.idx[shown].tolist()
    has = index.postings.present(tokens, s.idx[shown])
    answers = index.snippets.best_of(rows, qvec, tokens)
    # each array read once for the hits shown, as Python values (not one numpy scalar a field)
    parts = zip(*(getattr(s, name)[shown].tolist() for name in _PARTS), strict=True)
    judgements = zip(*(getattr(judged, name)[shown].tolist() for name in _JUDGED), strict=True)
    out = []
    for i, total, doc, (snippet, spans), scores, (value, share, about, close, tier) in zip(
        rows, s.total[shown].tolist(), has, answers, parts, judgements, strict=True
    ):
        near = Near(value=num(value), word_share=num(share), about=about, close=close)
        before, after = _card_parts(index, i, today)
        out.append(
            Hit(
                *before,
                num(total),
                *after,
                close=close,
                tier=tier,
                why=explainer.why(
                    index.resources[i], dict(zip(_PARTS, scores, strict=True)), doc, near
                ),
                snippet=snippet,
                snippet_marks=tuple((a, b) for a, b in spans),
            )
        )
    return tuple(out)
