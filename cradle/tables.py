"""The analyst API's ready-made tables: entries, thesaurus, authorities, coverage, adoption, hits.

``boroughs``, ``coverage`` and ``adoption`` are views of the graph's read model
(:mod:`cradle.graph.readmodel`), as the service's pages are; ``resources`` and ``topics`` take
``select``, a function running a SPARQL SELECT and returning a typed DataFrame
(:meth:`cradle.api.Catalogue.sparql` in practice).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from cradle.graph.coverage import DEFAULT_STATUS, check_area
from cradle.graph.coverage import coverage as cover
from cradle.graph.readmodel import ReadModel

Select = Callable[[str], pd.DataFrame]
_RESOURCE_FIELDS = """
SELECT ?uri ?id ?title ?section ?level ?publisher ?format ?kind ?status ?status_note ?issued
       ?expected ?link_text ?link_domain ?order WHERE {
  ?uri a dcat:Resource ; dct:identifier ?id ; dct:title ?title ; cradle:sourceOrder ?order ;
     dct:spatial ?loc ; dct:format/skos:prefLabel ?format ; adms:status/skos:prefLabel ?status .
  ?loc skos:prefLabel ?section . OPTIONAL { ?loc cradle:localityLevel ?level }
  OPTIONAL { ?uri dct:publisher/(skos:prefLabel|foaf:name) ?publisher }
  OPTIONAL { ?uri dct:type/skos:prefLabel ?kind }
  OPTIONAL { ?uri cradle:statusNote ?status_note }
  OPTIONAL { ?uri dct:issued ?issued }
  OPTIONAL { ?uri cradle:expectedDate ?expected }
  OPTIONAL { ?uri dcat:distribution ?d . ?d cradle:linkText ?link_text .
             OPTIONAL { ?d cradle:linkDomain ?link_domain } }
} ORDER BY ?order"""
_RESOURCE_LISTS = """
SELECT ?uri ?field ?value WHERE {
  { ?uri dcat:theme ?v . BIND("topics" AS ?field) }
  UNION { ?uri dct:audience ?v . BIND("audience" AS ?field) }
  UNION { ?uri cradle:adoptedIn ?v . BIND("adopted_in" AS ?field) }
  ?uri a dcat:Resource . ?v skos:prefLabel ?value .
} ORDER BY ?value"""
_TOPICS = """
SELECT ?id ?label ?broader_id ?definition ?resources
       (GROUP_CONCAT(DISTINCT ?alt; separator="|") AS ?alts)
       (GROUP_CONCAT(DISTINCT ?hidden; separator="|") AS ?hiddens) WHERE {
  { SELECT ?t (COUNT(DISTINCT ?r) AS ?resources) WHERE {
      ?t skos:inScheme topic:scheme . OPTIONAL { ?r a dcat:Resource ; dcat:theme ?t } }
    GROUP BY ?t }
  ?t skos:prefLabel ?label . BIND(STRAFTER(STR(?t), STR(topic:)) AS ?id)
  OPTIONAL { ?t skos:broader ?b . BIND(STRAFTER(STR(?b), STR(topic:)) AS ?broader_id) }
  OPTIONAL { ?t skos:definition ?definition }
  OPTIONAL { ?t skos:altLabel ?alt } OPTIONAL { ?t skos:hiddenLabel ?hidden }
} GROUP BY ?id ?label ?broader_id ?definition ?resources"""


def resources(select: Select) -> pd.DataFrame:
    """One row per catalogue entry, in the document's order.

    Returns:
        Columns ``id``, ``title``, ``section`` (the locality it comes from), ``level``,
        ``publisher``, ``format``, ``kind``, ``status``, ``status_note``, ``issued``,
        ``expected``, ``link_text``, ``link_domain``, ``uri``, ``order``, and the lists
        ``topics``, ``audience`` and ``adopted_in`` (labels).
    """
    frame = select(_RESOURCE_FIELDS).drop_duplicates("uri").set_index("uri")
    lists = select(_RESOURCE_LISTS)
    for field in ("topics", "audience", "adopted_in"):
        part = lists[lists["field"] == field].groupby("uri")["value"].agg(list)
        frame[field] = [part.get(uri, []) for uri in frame.index]
    return frame.reset_index().set_index("id")


def topics(select: Select) -> pd.DataFrame:
    """The topic thesaurus, one row per concept, branch by branch.

    Returns:
        Indexed by topic id: ``label``, ``broader_id``, ``broader`` (label), ``branch`` (its
        top concept's label), ``depth``, ``definition``, ``synonyms`` (alternative labels),
        ``hidden`` (hidden labels: abbreviations and misspellings search matches), and
        ``resources`` (entries tagged with exactly this topic).
    """
    frame = select(_TOPICS).drop_duplicates("id").set_index("id")
    for src, dst in (("alts", "synonyms"), ("hiddens", "hidden")):
        frame[dst] = [sorted(v.split("|")) if v else [] for v in frame.pop(src).fillna("")]
    labels = frame["label"].to_dict()
    frame["broader"] = frame["broader_id"].map(labels).astype("string")
    parent = frame["broader_id"].dropna().to_dict()

    def path(tid: str) -> list[str]:
        return path(parent[tid]) + [tid] if tid in parent else [tid]

    keys = {tid: tuple(labels[p] for p in path(tid)) for tid in frame.index}
    frame["branch"] = [labels[path(tid)[0]] for tid in frame.index]
    frame["depth"] = [len(path(tid)) - 1 for tid in frame.index]
    order = sorted(frame.index, key=lambda tid: keys[tid])
    cols = ["label", "broader_id", "broader", "branch", "depth", "definition"]
    return frame.loc[order, [*cols, "synonyms", "hidden", "resources"]]


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
    :func:`cradle.graph.coverage.coverage` (the numbers ``/gaps`` and ``/coverage`` give).

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


def hits(found: dict[str, Any]) -> pd.DataFrame:
    """A search response (``SearchResponse.to_dict()``) as a typed DataFrame, best hit first."""
    hits = found["results"]
    why = [h.get("why") or {} for h in hits]
    frame = pd.DataFrame(
        {
            "rank": pd.array(range(1, len(hits) + 1), dtype="Int64"),
            "id": pd.array([h.get("id") for h in hits], dtype="string"),
            "title": pd.array([h["title"] for h in hits], dtype="string"),
            "score": pd.Series([h["score"] for h in hits], dtype=float),
            "dense": pd.Series([w.get("dense") for w in why], dtype=float),
            "keyword": pd.Series([w.get("keyword") for w in why], dtype=float),
            "why": pd.array([w.get("text") for w in why], dtype="string"),
            "thesaurus": [list(w.get("thesaurus", [])) for w in why],
        }
    )
    for col in ("localities", "topics", "audience"):
        frame[col] = [list(h.get(col) or []) for h in hits]
    for col in ("format", "kind", "publisher", "status", "summary", "uri"):
        frame[col] = pd.array([h.get(col) for h in hits], dtype="string")
    frame.attrs.update(query=found["query"], truncated=found.get("truncated", False))
    return frame
