"""HTTP content negotiation: pick the offered media type the client's Accept header prefers."""

from __future__ import annotations


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    """(type, subtype, q) of every well-formed media range in an Accept header."""
    out = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        kind, _, sub = media.partition("/")
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
                if q != q:  # NaN
                    q = 0.0
        out.append((kind.strip(), sub.strip(), q))
    return out


def choose(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the Accept header prefers most.

    For each offered type the most specific matching range (``a/b`` over ``a/*`` over ``*/*``)
    gives its quality; the highest quality above zero wins, ties going to the earlier offer.

    Args:
        accept: the Accept header; missing or blank accepts anything.
        offered: media types the server can produce, in the server's order of preference.

    Returns:
        The chosen type, or None when the client accepts none of them (answer 406).
    """
    if not accept or not accept.strip():
        return offered[0] if offered else None
    ranges = _ranges(accept)
    best, best_q = None, 0.0
    for media in offered:
        kind, _, sub = media.lower().partition("/")
        q, rank = 0.0, -1
        for r_kind, r_sub, r_q in ranges:
            if (r_kind, r_sub) == (kind, sub):
                specificity = 2
            elif r_kind == kind and r_sub == "*":
                specificity = 1
            elif (r_kind, r_sub) == ("*", "*"):
                specificity = 0
            else:
                continue
            if specificity > rank:
                q, rank = r_q, specificity
        if q > best_q:
            best, best_q = media, q
    return best
