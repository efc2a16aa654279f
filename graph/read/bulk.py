"""Bulk SPARQL SELECTs on the read-only store, the read model's only way in (:mod:`.readmodel`).

Each SELECT asks for one or a few predicates over the whole default graph (no joins: Oxigraph
answers those by one index scan) and comes back as CSV, which Python's C parser reads instead
of walking the solutions term by term. Ids repeated across records (topics, localities,
publishers, ...) are interned, so 100k resources share one copy of each.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, RDFS, SDO, SKOS

from cradle.core.namespaces import ADMS, AUD, CRADLE, FMT, KIND, LOC, ORGS, RES, STATUS, TOPIC

#: Resource property -> (field name, namespace of the ids it links to, or None for text).
RESOURCE_PROPS: dict[str, tuple[str, str | None]] = {
    str(DCTERMS.title): ("title", None),
    str(DCTERMS.description): ("description", None),
    str(DCTERMS.publisher): ("publisher", str(ORGS)),
    str(DCTERMS.spatial): ("locality", str(LOC)),
    str(DCTERMS.format): ("format", str(FMT)),
    str(ADMS.status): ("status", str(STATUS)),
    str(CRADLE.sourceOrder): ("order", None),
    str(CRADLE.adoptedIn): ("adopted_in", str(LOC)),
    str(DCAT.theme): ("topics", str(TOPIC)),
    str(DCTERMS.audience): ("audiences", str(AUD)),
    str(DCTERMS.type): ("kind", str(KIND)),
    str(CRADLE.statusNote): ("status_note", None),
    str(DCTERMS.issued): ("issued", None),
    str(CRADLE.expectedDate): ("expected", None),
    str(DCAT.landingPage): ("url", None),
    str(DCTERMS.modified): ("reviewed", None),
    str(CRADLE.reviewEvery): ("review_every", None),
    str(CRADLE.statusSince): ("status_since", None),
    str(CRADLE.intendedFor): ("intended_for", None),
    str(CRADLE.referralCriteria): ("referral_criteria", None),
    str(CRADLE.topicsReviewed): ("topics_suggested", None),
}
#: Fields holding every linked id (sorted); the other link fields hold the first id in order.
MULTI = {"adopted_in", "topics", "audiences"}
LINK_PROPS = {str(CRADLE.linkText): "link_text", str(CRADLE.linkDomain): "link_domain"}
#: Term property -> field name; ``definition`` takes the first of three properties.
TERM_PROPS: dict[str, str] = {
    str(SKOS.prefLabel): "label",
    str(SKOS.definition): "definition",
    str(SKOS.scopeNote): "definition2",
    str(RDFS.comment): "definition3",
    str(SKOS.altLabel): "alt_labels",
    str(SKOS.hiddenLabel): "hidden_labels",
    str(SKOS.broader): "broader",
    str(SKOS.narrower): "narrower",
    str(SKOS.related): "related",
    str(CRADLE.localityLevel): "level",
    str(SKOS.notation): "notation",
    str(OWL.sameAs): "same_as",
}
Row = dict[str, list[str]]
FETCH_THREADS = 2


def fetch(store: ox.Store, query: str) -> bytes:
    """The answer to a SELECT, as CSV (IRIs and literals by their lexical form). pyoxigraph
    lets go of the GIL meanwhile, so two threads fetch two answers at once."""
    solutions = store.query(query)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError("fetch() runs SELECT queries only")
    return solutions.serialize(format=ox.QueryResultsFormat.CSV) or b""


def rows(body: bytes) -> Iterator[list[str]]:
    """The rows of a CSV answer, without its header."""
    text = io.TextIOWrapper(io.BytesIO(body), encoding="utf-8", newline="")  # decoded lazily
    found = csv.reader(text)
    next(found, None)
    return found


def select(store: ox.Store, query: str) -> Iterator[list[str]]:
    """The rows of a SELECT, as strings."""
    return rows(fetch(store, query))


def pairs(store: ox.Store, predicates: list[str]) -> Iterator[tuple[str, Iterator[list[str]]]]:
    """For each predicate, in order, its ``[subject, object]`` rows in the default graph
    (fetched two at a time)."""
    with ThreadPoolExecutor(FETCH_THREADS) as pool:
        queries = [f"SELECT ?s ?o WHERE {{ ?s <{p}> ?o }}" for p in predicates]
        for p, body in zip(predicates, pool.map(lambda q: fetch(store, q), queries), strict=True):
            yield p, rows(body)


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


Column = list[Any]


def resource_columns(store: ox.Store) -> tuple[list[str], dict[str, Column]]:
    """The IRIs of the catalogue's resources, and field -> value per resource, aligned with the
    IRIs (columns, not a record per resource, keep the start-up peak low at 100k resources).

    Text fields hold their first value or None; single links the first linked id (sorted) or
    None; ``adopted_in``, ``topics`` and ``audiences`` a sorted tuple of ids. Ids are interned.
    ``link_text`` and ``link_domain`` come from the resource's (first) distribution.
    """
    typed = select(store, f"SELECT ?s WHERE {{ ?s a <{DCAT.Resource}> }}")
    found = [s for (s,) in typed if s.startswith(str(RES))]
    index = {s: i for i, s in enumerate(found)}
    columns: dict[str, Column] = {}
    props = [*RESOURCE_PROPS, str(DCAT.distribution), *LINK_PROPS]
    answers = pairs(store, props)
    for prop, found_rows in answers:
        if prop not in RESOURCE_PROPS:
            break
        name, base = RESOURCE_PROPS[prop]
        column = columns[name] = [None] * len(found)
        for s, o in found_rows:
            i = index.get(s)
            if i is None:
                continue
            if base is None:
                column[i] = o if column[i] is None else column[i]
            elif o.startswith(base):
                local = sys.intern(o[len(base) :])
                old = column[i]
                if name in MULTI:
                    column[i] = (local,) if old is None else (*old, local)
                else:
                    column[i] = local if old is None else min(old, local)
        if name in MULTI:
            columns[name] = [tuple(sorted(v)) if v else () for v in column]
    dist: dict[str, int] = {}  # distribution IRI -> its resource (the first one only)
    for s, o in found_rows:  # the answer that ended the loop: dcat:distribution
        i = index.pop(s, None)
        if i is not None:
            dist[o] = i
    for prop, link_rows in answers:
        column = columns[LINK_PROPS[prop]] = [None] * len(found)
        for d, o in link_rows:
            i = dist.get(d)
            if i is not None and column[i] is None:
                column[i] = o
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


#: schema.org ContactPoint property -> the field of :class:`cradle.graph.read.obtain.Contact`.
CONTACT_PROPS: dict[str, str] = {
    str(SDO.url): "website",
    str(SDO.email): "email",
    str(SDO.telephone): "phone",
    str(SDO.address): "address",
    str(SDO.description): "how_to_request",
}


def org_contacts(store: ox.Store) -> dict[str, dict[str, str]]:
    """Organisation id -> contact field -> value, from each organisation's schema:contactPoint."""
    values = " ".join(f"<{p}>" for p in CONTACT_PROPS)
    query = (
        f"SELECT ?s ?p ?o WHERE {{ ?s <{SDO.contactPoint}> ?c . VALUES ?p {{ {values} }} "
        f'?c ?p ?o FILTER(STRSTARTS(STR(?s), "{ORGS}")) }}'
    )
    out: dict[str, dict[str, str]] = {}
    for s, p, o in select(store, query):
        out.setdefault(s[len(str(ORGS)) :], {}).setdefault(CONTACT_PROPS[p], o)
    return out


def has_subject(store: ox.Store, iri: str) -> bool:
    """Whether the default graph has a triple about ``iri``."""
    quads = store.quads_for_pattern(ox.NamedNode(iri), None, None, ox.DefaultGraph())
    return next(iter(quads), None) is not None


def ids(values: list[str], base: str) -> tuple[str, ...]:
    """The local ids of the IRIs under ``base``, sorted and interned."""
    return tuple(sorted(sys.intern(v[len(base) :]) for v in values if v.startswith(base)))
