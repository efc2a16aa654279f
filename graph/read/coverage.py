"""The one coverage function: local authority x topic counts over the read model, zeros kept.

``/gaps``, ``/coverage`` (and its CSV and JSON), :meth:`cradle.api.Catalogue.coverage` and the
analysts' ``queries/coverage_matrix.rq`` answer the same question; this module is where it is
computed, and a test checks that they all agree cell for cell
(tests/graph/test_coverage_agreement.py).

Rows are the upper-tier local authorities (GSS E06, E08, E09, E10) in the area ``within`` at
any depth; columns are every topic of the thesaurus. An authority's **own** resources are those
it published; **adopted** those published elsewhere that it adopted; **shared** those published
by the wider areas containing it (its region, Greater Manchester, England) that it did not adopt
already. Only resources of the chosen ``status`` count (``available`` unless asked otherwise);
a resource on a narrower topic counts for every broader one too.

An authority outside the catalogue's home area (its ``dct:spatial``) is still a row, marked
``outside_catalogue``: the catalogue does not speak for it, so its zeros are not gaps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cradle.core.errors import InvalidCoverage, UnknownArea
from cradle.graph.read.readmodel import ReadModel, Resource, Term

#: ``status`` value counting resources of every status.
ALL_STATUSES = "all"
DEFAULT_STATUS = "available"


@dataclass(frozen=True, slots=True)
class Cell:
    """One authority and topic: how many resources of each kind cover it."""

    locality: str
    topic: str
    own: int
    adopted: int
    shared: int
    count: int
    outside_catalogue: bool = False

    @property
    def local(self) -> int:
        """The authority's own and adopted resources."""
        return self.own + self.adopted

    def to_dict(self) -> dict[str, Any]:
        """The cell as ``/gaps`` shows it."""
        return {
            "locality": self.locality,
            "topic": self.topic,
            "own": self.own,
            "adopted": self.adopted,
            "local": self.local,
            "shared": self.shared,
            "count": self.count,
            "outside_catalogue": self.outside_catalogue,
        }


@dataclass(frozen=True)
class Coverage:
    """The matrix: authorities (rows) x topics (columns), every pair a :class:`Cell`.

    Attributes:
        within: the area whose authorities are the rows.
        status: the status counted (a status id, or ``all``).
        include_shared: whether ``count`` includes the shared resources.
        include_narrower: whether a resource on a narrower topic counts for the broader ones.
        localities: the authorities, by label.
        topics: every topic with its depth, depth-first from the top concepts.
        cells: authority by authority, topic by topic (``len(localities) * len(topics)``).
        home: the catalogue's home area; authorities outside it are ``outside_catalogue``.
    """

    within: Term
    status: str
    include_shared: bool
    include_narrower: bool
    localities: list[Term]
    topics: list[tuple[Term, int]]
    cells: list[Cell]
    home: Term | None = None

    @property
    def gaps(self) -> list[Cell]:
        """The cells whose count is zero, of the authorities inside the catalogue's area."""
        return [c for c in self.cells if c.count == 0 and not c.outside_catalogue]

    @cached_property
    def outside(self) -> list[Term]:
        """The authorities outside the catalogue's home area (the catalogue has no entries for
        them), by label."""
        rows = self._positions[0]
        width = len(self.topics)
        return [p for p in self.localities
                if width and self.cells[rows[p.id] * width].outside_catalogue]  # fmt: skip

    def cell(self, locality: str, topic: str) -> Cell:
        """The cell of one authority and topic (KeyError if either is not in the matrix)."""
        rows, columns = self._positions
        return self.cells[rows[locality] * len(self.topics) + columns[topic]]

    @cached_property
    def _positions(self) -> tuple[dict[str, int], dict[str, int]]:
        rows = {t.id: i for i, t in enumerate(self.localities)}
        return rows, {t.id: i for i, (t, _) in enumerate(self.topics)}

    def gap_count(self, locality: str) -> int:
        """How many topics the authority has nothing on."""
        row = self._positions[0][locality] * len(self.topics)
        cells = self.cells[row : row + len(self.topics)]
        return sum(1 for c in cells if c.count == 0 and not c.outside_catalogue)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as ``/gaps`` answers."""
        outside = {p.id for p in self.outside}
        return {
            "within": {"id": self.within.id, "label": self.within.label, "iri": self.within.iri},
            "catalogue_area": None
            if self.home is None
            else {"id": self.home.id, "label": self.home.label, "iri": self.home.iri},
            "status": self.status,
            "include_shared": self.include_shared,
            "include_narrower": self.include_narrower,
            "localities": [
                {
                    "id": p.id,
                    "label": p.label,
                    "iri": p.iri,
                    "gss": p.notation,
                    "outside_catalogue": p.id in outside,
                }
                for p in self.localities
            ],
            "topics": [
                {"id": t.id, "label": t.label, "iri": t.iri, "depth": d} for t, d in self.topics
            ],
            "cells": [c.to_dict() for c in self.cells],
            "gaps": [{"locality": c.locality, "topic": c.topic} for c in self.gaps],
        }


def check_status(model: ReadModel, status: str) -> str:
    """``status`` if it is ``all`` or a status id of the graph.

    Raises:
        InvalidCoverage: it is neither; the message lists the valid values.
    """
    statuses = model.terms.get("status", {})
    if status == ALL_STATUSES or status in statuses:
        return status
    valid = ", ".join([ALL_STATUSES, *sorted(statuses)])
    raise InvalidCoverage(f"unknown status {status[:80]!r}: use one of {valid}")


def check_area(model: ReadModel, within: str) -> Term:
    """The place ``within`` names, by id.

    Raises:
        UnknownArea: no place has that id; the message says where to find the ids.
    """
    term = model.term("locality", within)
    if term is None:
        examples = [repr(x) for x in dict.fromkeys((model.home, "north-west", "england"))]
        raise UnknownArea(
            f"no area with id {within[:80]!r}: use a locality id such as "
            f"{', '.join(examples[:-1])} or {examples[-1]} (the ids are listed at /localities)"
        )
    return term


def counts_for(model: ReadModel, narrower: bool = True) -> dict[str, tuple[str, ...]]:
    """Topic id -> the topics a resource on it counts for: itself, and (with ``narrower``)
    every broader topic."""
    key = ("counts_for", narrower)
    if key not in model.derived:
        found = {
            t.id: tuple([t.id, *model.above("topic", t.id)] if narrower else [t.id])
            for t, _ in model.topic_tree()
        }
        model.derived[key] = found
    result: dict[str, tuple[str, ...]] = model.derived[key]
    return result


def _counted(r: Resource, status: str) -> bool:
    return status == ALL_STATUSES or r.status == status


def coverage(
    model: ReadModel,
    within: str | None = None,
    status: str = DEFAULT_STATUS,
    include_shared: bool = False,
    narrower: bool = True,
) -> Coverage:
    """The local authority x topic coverage matrix, zeros kept.

    Args:
        model: the graph's read model.
        within: the area whose local authorities are the rows (at any depth; an authority
            itself gives one row); the catalogue's home area if None.
        status: count resources of this status id only (default ``available``), or ``all``.
        include_shared: add the shared resources (of the areas containing an authority) to
            ``count``; ``own``, ``adopted`` and ``shared`` are always given.
        narrower: a resource on a narrower topic also covers the broader ones.

    Returns:
        The matrix; made once per model and arguments (treat it as read-only).

    Raises:
        UnknownArea: ``within`` names no place.
        InvalidCoverage: ``status`` is neither ``all`` nor a status id.
    """
    area = check_area(model, within if within is not None else model.home)
    check_status(model, status)
    key = ("coverage", area.id, status, include_shared, narrower)
    if key not in model.derived:
        model.derived[key] = _coverage(model, area, status, include_shared, narrower)
    result: Coverage = model.derived[key]
    return result


Tally = Counter[tuple[str, str]]


def _tallies(model: ReadModel, status: str, narrower: bool) -> tuple[Tally, Tally, Tally]:
    """(place published in, topic), (place adopting from elsewhere, topic) and (place adopting
    from an area containing it, topic) counts of the resources of ``status``, for every place
    (any ``within`` then only reads them). One pass over the resources counts every status at
    once; ``all`` is their sum. Made once per ``narrower``."""
    key = ("tallies", narrower)
    if key not in model.derived:
        model.derived[key] = _count(model, narrower)
    by_status: dict[str, tuple[Tally, Tally, Tally]] = model.derived[key]
    if status != ALL_STATUSES:
        return by_status.get(status, (Counter(), Counter(), Counter()))
    if ALL_STATUSES not in by_status:
        total: tuple[Tally, Tally, Tally] = (Counter(), Counter(), Counter())
        for tallies in list(by_status.values()):
            for into, part in zip(total, tallies, strict=True):
                into.update(part)
        by_status[ALL_STATUSES] = total
    return by_status[ALL_STATUSES]


def _count(model: ReadModel, narrower: bool) -> dict[str, tuple[Tally, Tally, Tally]]:
    places = model.terms.get("locality", {})
    above = {p: set(model.above("locality", p)) for p in places}
    up = counts_for(model, narrower)
    by_status: dict[str, tuple[Tally, Tally, Tally]] = {}
    for r in model.resources.values():
        tallies = by_status.get(r.status)
        if tallies is None:
            tallies = by_status[r.status] = (Counter(), Counter(), Counter())
        located, adopted, adopted_wider = tallies
        on = dict.fromkeys(t for topic in r.topics for t in up.get(topic, ()))
        took = [p for p in dict.fromkeys(r.adopted_in) if p != r.locality]
        wider = [p for p in took if r.locality in above.get(p, ())]
        for t in on:
            located[(r.locality, t)] += 1
            adopted.update((p, t) for p in took)
            adopted_wider.update((p, t) for p in wider)
    return by_status


def _coverage(
    model: ReadModel, area: Term, status: str, include_shared: bool, narrower: bool
) -> Coverage:
    tree = model.topic_tree()
    rows = model.authorities(area.id)
    located, adopted, adopted_wider = _tallies(model, status, narrower)
    inside = set(model.below("locality", model.home))
    cells = []
    for place in rows:
        outside = place.id not in inside
        above = model.above("locality", place.id)
        for term, _ in tree:
            pair = (place.id, term.id)
            own, took = located[pair], adopted[pair]
            shared = sum(located[(a, term.id)] for a in above) - adopted_wider[pair]
            count = own + took + (shared if include_shared else 0)
            cells.append(Cell(place.id, term.id, own, took, shared, count, outside))
    home = model.term("locality", model.home)
    return Coverage(area, status, include_shared, narrower, rows, tree, cells, home)


OWN, ADOPTED, SHARED = "own", "adopted", "shared"


def belongs(
    locality: str, adopted_in: Collection[str], place: str, above: Collection[str]
) -> str | None:
    """How a resource counts for a place, the one rule coverage and search share: ``"own"``
    (published there), ``"adopted"`` (adopted there), ``"shared"`` (published by an area
    containing it: ``above`` holds those areas, nearest first) or None.

    Args:
        locality: the place the resource was published in.
        adopted_in: the places that adopted it.
        place: the place asked about.
        above: every area containing ``place`` (the read model's ``above``).
    """
    if locality == place:
        return OWN
    if place in adopted_in:
        return ADOPTED
    if locality in above:
        return SHARED
    return None


def cell_resources(
    model: ReadModel,
    locality: str,
    topic: str,
    status: str = DEFAULT_STATUS,
    narrower: bool = True,
) -> dict[str, list[Resource]]:
    """The resources behind one cell, in catalogue order: ``own``, ``adopted`` and ``shared``
    (their numbers are the cell's counts).

    Raises:
        UnknownArea: ``locality`` names no place; InvalidCoverage: unknown status or topic.
    """
    place = check_area(model, locality)
    check_status(model, status)
    if model.term("topic", topic) is None:
        raise InvalidCoverage(f"no topic with id {topic[:80]!r}: the ids are listed at /topics")
    topics = set(model.below("topic", topic) if narrower else [topic])
    above = set(model.above("locality", place.id))
    out: dict[str, list[Resource]] = {OWN: [], ADOPTED: [], SHARED: []}
    for r in model.resources.values():
        if not _counted(r, status) or not topics.intersection(r.topics):
            continue
        how = belongs(r.locality, r.adopted_in, place.id, above)
        if how:
            out[how].append(r)
    return out
