"""The records the pages and coverage API read: controlled terms and catalogue resources.

Frozen slots dataclasses, so that 100k resources cost little more than their text.
"""

from __future__ import annotations

from dataclasses import dataclass

from cradle.core.namespaces import RES


@dataclass(frozen=True, slots=True)
class Term:
    """A controlled term: topic, locality, organisation, format, kind, status or audience."""

    kind: str
    id: str
    iri: str
    label: str
    definition: str | None = None
    alt_labels: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()
    narrower: tuple[str, ...] = ()
    level: str | None = None
    notation: str | None = None
    same_as: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Resource:
    """One catalogue entry, with the ids of the terms it links to."""

    id: str
    title: str
    description: str
    publisher: str
    locality: str
    format: str
    status: str
    order: int
    adopted_in: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    kind: str | None = None
    status_note: str | None = None
    link_text: str | None = None
    link_domain: str | None = None
    issued: str | None = None
    expected: str | None = None
    url: str | None = None

    @property
    def iri(self) -> str:
        """The resource's IRI."""
        return str(RES) + self.id
