"""The typed answer of a search: a hit, why it matched, the way to it, and the response.

These are the one shape every layer reads (the service's JSON, the page, the CLI, the
notebooks' tables): made once by the index, read as attributes, turned into JSON by
:func:`plain` (or, by an encoder, through :func:`fields_of`) only. A field's JSON name is its
Python name unless its metadata says otherwise (``field(metadata={"json": "for"})`` for a name
Python reserves). Adding a field to a hit is one edit here plus where the index fills it
(:mod:`cradle.index.present`); docs/search.md lists the fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache
from typing import Any, Literal

from cradle.graph.read.obtain import HowToGet

__all__ = ["CLOSE_NOT_USABLE", "CLOSE_USABLE", "NOT_CLOSE", "Card", "Hit", "HowToGet", "Label",
           "SearchResponse", "Why", "fields_of", "plain"]  # fmt: skip

# The classes are frozen but not slotted: an answer crosses from the search process pickled
# (cradle.index.process), and a slotted dataclass pickles through Python-level __getstate__ and
# __setstate__ for every object (what that costs: bench/findings.md, "Search at 10k against
# round one, fourth pass").

#: The three tiers of a ranking, best first (docs/search.md "Tiers").
CLOSE_USABLE: Literal[1] = 1
CLOSE_NOT_USABLE: Literal[2] = 2
NOT_CLOSE: Literal[3] = 3
Tier = Literal[1, 2, 3]


@dataclass(frozen=True)
class Why:
    """Why a hit matched: words, thesaurus terms, topics, boosts, and its scores.

    ``text`` is the sentence the page shows; the numbers stay in the JSON.
    """

    text: str
    dense: float
    keyword: float
    terms: tuple[str, ...]
    thesaurus: tuple[str, ...]
    topics: tuple[str, ...]
    locality: str | None
    format: str | None
    backoff: str | None
    audience: str | None
    purposes: tuple[str, ...]
    situations: tuple[str, ...]
    closeness: float
    # the share of the query's words the resource holds (index/close.py); the JSON contract
    # (tests/index/search_fields.json) keeps its first name
    word_share: float = field(metadata={"json": "coverage"})
    about: bool


@dataclass(frozen=True)
class Card:
    """What is shown of a resource wherever it is listed (a search hit, a related resource)."""

    uri: str
    id: str
    title: str
    summary: str
    score: float
    localities: tuple[str, ...]
    topics: tuple[str, ...]
    format: str
    publisher: str
    status: str
    audience: tuple[str, ...]
    kind: str | None
    url: str | None
    site: str | None
    shared_via: str | None
    phone: str | None
    how_to_get: HowToGet
    for_: str = field(metadata={"json": "for"})
    for_label: str
    badge: str | None
    overdue: bool
    out_of_date: str | None
    expected: str | None
    issued: str | None
    period: str | None


@dataclass(frozen=True)
class Hit(Card):
    """One search result: the resource's card, whether it is a close match, its tier
    (1 close and usable now, 2 close but not usable yet, 3 not close), why it matched, and the
    sentence of its summary that answers best (with the spans of the query's words)."""

    close: bool
    tier: Tier
    why: Why
    snippet: str | None
    snippet_marks: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Label:
    """A concept or place the query named: its id and preferred label."""

    id: str
    label: str


@dataclass(frozen=True)
class SearchResponse:
    """A search's answer: the query as typed (cut to the model's window), the corrected query
    that was searched instead (or None), how many hits are close matches, a note about the place
    asked for (or None), the concepts and places recognised, and the ranked hits."""

    query: str
    truncated: bool = False
    corrected_query: str | None = None
    close_matches: int = 0
    place_note: str | None = None
    understood: dict[str, tuple[Label, ...]] = field(default_factory=dict)
    results: tuple[Hit, ...] = ()
    urgent: bool = False  # a baby may be hurt or unwell now (index/urgent.py): call 999 or 111

    def to_dict(self) -> dict[str, Any]:
        """``{"query", "truncated", "corrected_query", "close_matches", "place_note",
        "understood", "results": [{"uri", "title", ..., "close", "tier", "why", ...}]}``
        (docs/search.md): plain JSON values."""
        out: dict[str, Any] = plain(self)
        return out


#: Values that are JSON as they are.
_SCALARS = frozenset({str, int, float, bool, type(None)})


@cache
def _names(cls: type) -> tuple[tuple[str, str], ...] | None:
    """``(attribute, JSON name)`` of each field of a dataclass, in order (None: not one)."""
    if not is_dataclass(cls):
        return None
    return tuple((f.name, f.metadata.get("json", f.name)) for f in fields(cls))


def fields_of(value: Any) -> dict[str, Any] | None:
    """A dataclass value's fields under their JSON names, in order, not converted further
    (None when ``value`` is not a dataclass value): what a JSON encoder's hook returns."""
    cls: type = type(value)
    names = _names(cls)
    if names is None:
        return None
    return {key: getattr(value, name) for name, key in names}


def plain(value: Any) -> Any:
    """``value`` as plain JSON values: dataclasses as dicts (fields in order, under their JSON
    names), tuples as lists. Every answer goes through here: the type tests are by exact type,
    and each dataclass's field names are looked up once (bench/findings.md, "Search at 10k
    against round one")."""
    cls: type = type(value)
    if cls in _SCALARS:
        return value
    names = _names(cls)
    if names is not None:
        out = {}
        for name, key in names:
            v = getattr(value, name)
            out[key] = v if type(v) in _SCALARS else plain(v)
        return out
    if isinstance(value, list | tuple):
        return [v if type(v) in _SCALARS else plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
