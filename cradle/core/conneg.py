"""HTTP content negotiation, the one implementation every stage uses: which of the media types on
offer an ``Accept`` header prefers (RFC 9110 section 12.5.1).

A range's quality is its ``q`` parameter clamped to [0, 1]; an unreadable ``q`` (``q=abc``,
``q=NaN``) counts as 0, so a malformed range never wins. An offered type takes the quality of
the most specific range that matches it (``a/b`` over ``a/*`` over ``*/*``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

#: At most this many media ranges of one Accept header are read, and this many parameters of a
#: range (browsers send fewer than ten of each); the rest are ignored, so that a header's cost
#: is bounded however long it is (bench/findings.md, "Hostile requests, third round").
MAX_RANGES = 64
MAX_PARAMS = 8


class MediaRange(NamedTuple):
    """One media range of an Accept header: ``type/subtype`` (lower case) and its quality."""

    kind: str
    sub: str
    q: float


def parse_accept(accept: str) -> list[MediaRange]:
    """The well-formed media ranges of an Accept header, in order, of its first
    :data:`MAX_RANGES`; bad entries are skipped."""
    out = []
    for part in accept.split(",", MAX_RANGES)[:MAX_RANGES]:
        fields = [f.strip() for f in part.split(";", MAX_PARAMS + 1)[: MAX_PARAMS + 1]]
        media = fields[0].lower()
        if "/" not in media:
            continue
        kind, _, sub = media.partition("/")
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                q = 0.0 if math.isnan(q) else min(max(q, 0.0), 1.0)
        out.append(MediaRange(kind.strip(), sub.strip(), q))
    return out


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The quality ``ranges`` give ``media_type``: the q of the most specific matching range,
    0 when none matches."""
    kind, _, sub = media_type.lower().partition("/")
    q, rank = 0.0, -1
    for r in ranges:
        if (r.kind, r.sub) == (kind, sub):
            specificity = 2
        elif r.kind == kind and r.sub == "*":
            specificity = 1
        elif (r.kind, r.sub) == ("*", "*"):
            specificity = 0
        else:
            continue
        if specificity > rank:
            q, rank = r.q, specificity
    return q


def choose(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the Accept header prefers most.

    Args:
        accept: the Accept header; missing or blank accepts anything.
        offered: media types the server can produce, in the server's order of preference
            (ties go to the earlier one).

    Returns:
        The chosen type, or None when the client accepts none of them (answer 406).
    """
    if not accept or not accept.strip():
        return offered[0] if offered else None
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for media in offered:
        q = quality(ranges, media)
        if q > best_q:
            best, best_q = media, q
    return best


def prefers(accept: str | None, media_type: str, others: Sequence[str]) -> bool:
    """Whether the Accept header ranks ``media_type`` strictly above every one of ``others``
    (a browser's ``text/html`` over RDF, say); a tie or a missing header says no."""
    if not accept or not accept.strip():
        return False
    ranges = parse_accept(accept)
    mine = quality(ranges, media_type)
    return mine > 0 and all(quality(ranges, other) < mine for other in others)
