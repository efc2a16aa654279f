"""The analyst API's ready-made tables: entries, thesaurus, authorities, coverage, adoption, hits.

Each is a view of the graph's read model (:mod:`cradle.graph.read.readmodel`), as the service's
pages and the search index are; ``hits`` turns a search response into a DataFrame.
"""

from __future__ import annotations

import typing

import numpy as np
import pandas as pd

from cradle.core.facets import FACETS
from cradle.frames import dates
from cradle.graph.read.coverage import DEFAULT_STATUS, check_area
from cradle.graph.read.coverage import coverage as cover
from cradle.graph.read.readmodel import ReadModel
from cradle.index.hit import Hit, SearchResponse


def _text(values: list[str | None]) -> pd.Series:
    return pd.Series(pd.array(values, dtype="string"))


def _dated(values: list[str | None]) -> pd.Series:
    """Dates, months and years as ``datetime64`` (a month or year dated to its first day)."""
    return dates(values) if any(v is not None for v in values) else _text(values)


def resources(model: ReadModel) -> pd.DataFrame:
    """One row per catalogue entry, in the document's order (a view of the read model).

    Returns:
        Indexed by ``id``: ``uri``, ``title``, ``section`` (the locality it comes from),
        ``level``, ``publisher``, ``format``, ``kind``, ``status``, ``status_note``, ``issued``,
        ``expected``, ``link_text``, ``link_domain``, ``order``, and the lists ``topics``,
        ``audience`` and ``adopted_in`` (labels, alphabetical).
    """
    rows = list(model.resources.values())

    def label(kind: str, value: str | None) -> str | None:
        return model.label(kind, value) if value else None

    def labels(kind: str, values: tuple[str, ...]) -> list[str]:
        return sorted(model.label(kind, v) for v in values)

    places = [model.term("locality", r.locality) for r in rows]
    frame = pd.DataFrame(
        {
            "uri": _text(["res:" + r.id for r in rows]),
            "title": _text([r.title for r in rows]),
            "section": _text(
                [p.label if p else r.locality for p, r in zip(places, rows, strict=True)]
            ),
            "level": _text([p.level if p else None for p in places]),
            "publisher": _text([label("org", r.publisher) for r in rows]),
            "format": _text([label("format", r.format) for r in rows]),
            "kind": _text([label("kind", r.kind) for r in rows]),
            "status": _text([label("status", r.status) for r in rows]),
            "status_note": _text([r.status_note for r in rows]),
            "issued": _dated([r.issued for r in rows]),
            "expected": _dated([r.expected for r in rows]),
            "link_text": _text([r.link_text for r in rows]),
            "link_domain": _text([r.link_domain if r.link_text else None for r in rows]),
            "order": pd.Series(pd.array([r.order for r in rows], dtype="Int64")),
            "topics": [labels("topic", r.topics) for r in rows],
            "audience": [labels("audience", r.audiences) for r in rows],
            "adopted_in": [labels("locality", r.adopted_in) for r in rows],
        }
    )
    frame.index = pd.Index([r.id for r in rows], name="id")
    return frame


def topics(model: ReadModel) -> pd.DataFrame:
    """The topic thesaurus, one row per concept, branch by branch (a view of the read model).

    Returns:
        Indexed by topic id: ``label``, ``broader_id``, ``broader`` (label), ``branch`` (its
        top concept's label), ``depth``, ``definition``, ``synonyms`` (alternative labels),
        ``hidden`` (hidden labels: abbreviations and misspellings search matches), and
        ``resources`` (entries tagged with exactly this topic).
    """
    terms = model.terms.get("topic", {})
    paths = {tid: [*reversed(model.above("topic", tid)), tid] for tid in terms}
    order = sorted(terms, key=lambda tid: tuple(model.label("topic", p) for p in paths[tid]))
    rows = [terms[tid] for tid in order]
    parent = [t.broader[0] if t.broader else None for t in rows]
    frame = pd.DataFrame(
        {
            "label": pd.array([t.label for t in rows], dtype="string"),
            "broader_id": pd.array(parent, dtype="string"),
            "broader": pd.array([p and model.label("topic", p) for p in parent], dtype="string"),
            "branch": pd.array([model.label("topic", paths[t.id][0]) for t in rows], "string"),
            "depth": pd.array([len(paths[t.id]) - 1 for t in rows], dtype="int64"),
            "definition": pd.array([t.definition for t in rows], dtype="string"),
            "synonyms": [list(t.alt_labels) for t in rows],
            "hidden": [list(t.hidden_labels) for t in rows],
            "resources": pd.array(
                [len(model.resources_linked("topic", t.id)) for t in rows], dtype="Int64"
            ),
        },
        index=pd.Index(order, name="id"),
    )
    return frame


def boroughs(model: ReadModel, within: str | None = None) -> pd.DataFrame:
    """The local authorities in an area (the catalogue's home area by default): ``id``,
    ``label``, ``gss``, by label.

    Raises:
        UnknownArea: ``within`` names no place.
    """
    area = check_area(model, within if within is not None else model.home)
    rows = model.authorities(area.id)
    return pd.DataFrame(
        {
            "id": pd.array([t.id for t in rows], dtype="string"),
            "label": pd.array([t.label for t in rows], dtype="string"),
            "gss": pd.array([t.notation for t in rows], dtype="string"),
        }
    )


def coverage(
    model: ReadModel,
    within: str | None = None,
    status: str = DEFAULT_STATUS,
    include_national: bool = False,
    include_adopted: bool = True,
    include_narrower: bool = True,
) -> pd.DataFrame:
    """The local authority x topic coverage matrix, zeros kept: a view of
    :func:`cradle.graph.read.coverage.coverage` (the numbers ``/gaps`` and ``/coverage`` give).

    Args:
        within: the area whose local authorities (GSS E06/E08/E09/E10, at any depth) are the
            rows; the catalogue's home area (Greater Manchester for the shipped one) if None;
            ``"england"`` gives every authority.
        status: count resources of this status id only (default ``"available"``), or ``"all"``.
        include_national: also count, for every authority, the resources of the wider areas
            containing it (its region, Greater Manchester, England): ``shared`` on ``/gaps``.
        include_adopted: count the resources an authority adopts (ICON, FNP, ...) as well as
            its own.
        include_narrower: a topic also counts resources on its narrower topics (so *Safer
            sleep* includes *Co-sleeping*), as the search's topic filter does.

    Returns:
        Rows: the authorities (labels, alphabetical); columns: every topic of the thesaurus
        (labels, depth-first); values: number of distinct resources.

    Raises:
        UnknownArea: ``within`` names no place; InvalidCoverage: unknown ``status``.
    """
    found = cover(model, within, status, include_shared=False, narrower=include_narrower)
    places = [p.label for p in found.localities]
    topics = [t.label for t, _ in found.topics]
    values = np.zeros((len(places), len(topics)), dtype="int64")
    for i, cell in enumerate(found.cells):
        n = cell.own + (cell.adopted if include_adopted else 0)
        values.flat[i] = n + (cell.shared if include_national else 0)
    matrix = pd.DataFrame(values, index=pd.Index(places), columns=pd.Index(topics))
    matrix.index.name, matrix.columns.name = "borough", "topic"
    return matrix


def adoption(model: ReadModel, within: str | None = None) -> pd.DataFrame:
    """Which local authority adopts which programme: a boolean authority x programme table.

    Returns:
        Rows: the authorities of the area (the home area by default), adopters or not;
        columns: the titles of resources with adopting authorities; True where one adopts it.
    """
    pairs = pd.DataFrame(
        [
            (r.title, model.label("locality", p))
            for r in model.resources.values()
            for p in r.adopted_in
        ],
        columns=["programme", "borough"],
    )
    table = pd.crosstab(pairs["borough"], pairs["programme"]).astype(bool)
    table = table.reindex(boroughs(model, within)["label"].tolist(), fill_value=False)
    table.index.name, table.columns.name = "borough", "programme"
    return table


def _many(field: str) -> bool:
    """Whether a hit's ``field`` holds several values (a tuple), read from the hit's type so
    that a frame with no hits has the same column types as one with hits."""
    return typing.get_origin(typing.get_type_hints(Hit)[field]) is tuple


def hits(found: SearchResponse) -> pd.DataFrame:
    """A search response as a typed DataFrame, best hit first."""
    hits = found.results
    frame = pd.DataFrame(
        {
            "rank": pd.array(range(1, len(hits) + 1), dtype="Int64"),
            "id": pd.array([h.id for h in hits], dtype="string"),
            "title": pd.array([h.title for h in hits], dtype="string"),
            "score": pd.Series([h.score for h in hits], dtype=float),
            "dense": pd.Series([h.why.dense for h in hits], dtype=float),
            "keyword": pd.Series([h.why.keyword for h in hits], dtype=float),
            "why": pd.array([h.why.text for h in hits], dtype="string"),
            "thesaurus": pd.Series([list(h.why.thesaurus) for h in hits], dtype=object),
        }
    )
    for facet in FACETS:  # the registry's order: a new facet is a new column
        values = [getattr(h, facet.hit_field) for h in hits]
        frame[facet.hit_field] = (
            pd.Series([list(v) for v in values], dtype=object)
            if _many(facet.hit_field)
            else pd.array(values, dtype="string")
        )
    for col in ("kind", "publisher", "summary", "uri"):
        frame[col] = pd.array([getattr(h, col) for h in hits], dtype="string")
    frame["close"] = pd.array([h.close for h in hits], dtype="boolean")
    frame["tier"] = pd.array([h.tier for h in hits], dtype="Int64")
    frame.attrs.update(query=found.query, truncated=found.truncated)
    return frame
