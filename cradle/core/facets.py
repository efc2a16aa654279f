"""The search facets, declared once: every layer (index filters and counts, ``GET /search``
parameters, the page's filters, ``cradle search`` flags) reads this registry.

A new facet is one :class:`Facet` in :data:`FACETS`: its vocabulary must exist in the index
(``LoadedIndex.mask`` facet names) and its hit field on :class:`cradle.index.hit.Hit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: How a filter value selects resources: ``place`` (that place, places within it and where it is
#: adopted; with ``national`` also the wider areas containing it), ``narrower`` (that concept and
#: every narrower one) or ``exact``.
Match = Literal["place", "narrower", "exact"]


@dataclass(frozen=True)
class Facet:
    """One facet.

    Attributes:
        id: the facet's id: its query parameter (``/search?locality=``), its page filter's field
            name and, as ``--id``, its ``cradle search`` flag.
        label: its name on the page ("Locality").
        vocabulary: the vocabulary of its values (the index's and read model's term kind).
        hit_field: the attribute of a hit that holds its value(s).
        match: how a filter value selects resources (:data:`Match`).
    """

    id: str
    label: str
    vocabulary: str
    hit_field: str
    match: Match = "exact"

    @property
    def param(self) -> str:
        """The query parameter (``/search`` and the page)."""
        return self.id

    @property
    def flag(self) -> str:
        """The ``cradle search`` option."""
        return f"--{self.id}"


FACETS: tuple[Facet, ...] = (
    Facet("locality", "Locality", "locality", "localities", "place"),
    Facet("topic", "Topic", "topic", "topics", "narrower"),
    Facet("format", "Format", "format", "format"),
    Facet("audience", "Audience", "audience", "audience"),
    Facet("status", "Status", "status", "status"),
)
#: Fields of a hit counted on ``/search`` besides the facets (no filter of their own).
COUNTED = {"kind": "kind", "publisher": "publisher"}


def facet_ids() -> tuple[str, ...]:
    """The facets' ids, in order."""
    return tuple(f.id for f in FACETS)


def no_filters() -> dict[str, str | None]:
    """Every facet unset: ``{"locality": None, ...}``."""
    return dict.fromkeys(facet_ids())
