"""Flatten the built graph into records with a few bulk SPARQL SELECTs on the read-only store.

Each SELECT asks for one or a few predicates over the whole default graph (no joins: Oxigraph
answers those by one index scan) and comes back as CSV, which Python's C parser reads far faster
than it could walk the solutions term by term. Ids repeated across records (topics, localities,
publishers, ...) are interned, so 100k resources share one copy of each.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import defaultdict
from collections.abc import Iterator

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, RDFS, SKOS

from cradle.namespaces import ADMS, CRADLE, ORGS, RES

#: Resource property -> (field name, namespace of the ids it links to, or None for text).
RESOURCE_PROPS: dict[str, tuple[str, str | None]] = {
    str(DCTERMS.title): ("title", None),
    str(DCTERMS.description): ("description", None),
    str(DCTERMS.publisher): ("publisher", "org"),
    str(DCTERMS.spatial): ("locality", "locality"),
    str(DCTERMS.format): ("format", "format"),
    str(ADMS.status): ("status", "status"),
    str(CRADLE.sourceOrder): ("order", None),
    str(CRADLE.adoptedIn): ("adopted_in", "locality"),
    str(DCAT.theme): ("topics", "topic"),
    str(DCTERMS.audience): ("audiences", "audience"),
    str(DCTERMS.type): ("kind", "kind"),
    str(CRADLE.statusNote): ("status_note", None),
    str(DCTERMS.issued): ("issued", None),
    str(CRADLE.expectedDate): ("expected", None),
}
MULTI = {"adopted_in", "topics", "audiences"}
LINK_PROPS = {str(CRADLE.linkText): "link_text", str(CRADLE.linkDomain): "link_domain"}
#: Term property -> field name; ``definition`` takes the first of three properties.
TERM_PROPS: dict[str, str] = {
    str(SKOS.prefLabel): "label",
    str(SKOS.definition): "definition",
    str(SKOS.scopeNote): "definition2",
    str(RDFS.comment): "definition3",
    str(SKOS.altLabel): "alt_labels",
    str(SKOS.broader): "broader",
    str(SKOS.narrower): "narrower",
    str(CRADLE.localityLevel): "level",
    str(SKOS.notation): "notation",
    str(OWL.sameAs): "same_as",
}
Row = dict[str, list[str]]


def select(store: ox.Store, query: str) -> Iterator[list[str]]:
    """The rows of a SELECT, as strings (IRIs and literals by their lexical form)."""
    solutions = store.query(query)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError("select() runs SELECT queries only")
    body = solutions.serialize(format=ox.QueryResultsFormat.CSV) or b""
    rows = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
    next(rows, None)  # the header
    return rows


def triples(store: ox.Store, predicates: list[str]) -> Iterator[list[str]]:
    """Every ``[subject, predicate, object]`` of the default graph with one of ``predicates``."""
    values = " ".join(f"<{p}>" for p in predicates)
    return select(store, f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o }}")


def by_subject(rows: Iterator[list[str]], fields: dict[str, str]) -> dict[str, Row]:
    """Group ``[s, p, o]`` rows by subject: subject -> field -> values, in store order."""
    out: dict[str, Row] = defaultdict(lambda: defaultdict(list))
    for s, p, o in rows:
        out[s][fields[p]].append(o)
    return out


def resource_columns(store: ox.Store) -> tuple[list[str], dict[str, dict[str, list[str]]]]:
    """The IRIs of the catalogue's resources, and field -> resource IRI -> values (by column,
    not by resource: 14 dicts hold 100k resources in far less memory than 100k dicts would).
    ``link_text`` and ``link_domain`` come from the resource's (first) distribution."""
    typed = select(store, f"SELECT ?s WHERE {{ ?s a <{DCAT.Resource}> }}")
    found = [s for (s,) in typed if s.startswith(str(RES))]
    known = set(found)
    columns: dict[str, dict[str, list[str]]] = {}
    for prop, (name, _) in RESOURCE_PROPS.items():
        column = columns[name] = {}
        for s, _, o in triples(store, [prop]):
            if s in known:
                column.setdefault(s, []).append(o)
    dist: dict[str, str] = {}  # distribution IRI -> its resource (the first one only)
    for s, _, o in triples(store, [str(DCAT.distribution)]):
        if s in known:
            known.discard(s)
            dist[o] = s
    for name in LINK_PROPS.values():
        columns[name] = {}
    for d, p, o in triples(store, list(LINK_PROPS)):
        owner = dist.get(d)
        if owner is not None:
            columns[LINK_PROPS[p]].setdefault(owner, [o])
    return found, columns


def term_rows(store: ox.Store) -> dict[str, Row]:
    """IRI -> field -> values for everything with a preferred label."""
    return by_subject(triples(store, list(TERM_PROPS)), TERM_PROPS)


def org_names(store: ox.Store) -> dict[str, str]:
    """Organisation IRI -> foaf:name, for graphs whose organisations carry no prefLabel."""
    query = (
        f"SELECT ?s ?n WHERE {{ ?s a <{ORG.Organization}> ; <{FOAF.name}> ?n "
        f'FILTER(STRSTARTS(STR(?s), "{ORGS}")) }}'
    )
    return {s: n for s, n in select(store, query)}


def has_subject(store: ox.Store, iri: str) -> bool:
    """Whether the default graph has a triple about ``iri``."""
    quads = store.quads_for_pattern(ox.NamedNode(iri), None, None, ox.DefaultGraph())
    return next(iter(quads), None) is not None


def ids(values: list[str], base: str) -> tuple[str, ...]:
    """The local ids of the IRIs under ``base``, sorted and interned."""
    return tuple(sorted(sys.intern(v[len(base) :]) for v in values if v.startswith(base)))
