"""What the linked-data pages and the coverage API read from the built graph.

``build/graph.ttl`` is parsed once at start-up into an rdflib graph and flattened into small
frozen records (resources and controlled terms). Every lookup the pages and APIs make goes
through :class:`GraphData`, so that a larger deployment can swap the in-memory graph for a
store here without touching the routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, RDF, RDFS, SKOS

from cradle.errors import NotBuilt
from cradle.namespaces import ADMS, AUD, BASE, CRADLE, FMT, KIND, LOC, ORGS, PREFIXES, RES, TOPIC
from cradle.namespaces import STATUS as STATUS_NS

GRAPH_FILE = "graph.ttl"
BOROUGH_LEVEL = "metropolitan borough"
#: Path segment -> namespace of every kind of IRI that dereferences through the service.
NAMESPACES: dict[str, str] = {
    "resource": str(RES),
    "topic": str(TOPIC),
    "locality": str(LOC),
    "org": str(ORGS),
    "format": str(FMT),
    "kind": str(KIND),
    "status": str(STATUS_NS),
    "audience": str(AUD),
}
#: Kind of term -> the property linking a resource to it.
LINKS: dict[str, URIRef] = {
    "topic": DCAT.theme,
    "locality": DCTERMS.spatial,
    "org": DCTERMS.publisher,
    "format": DCTERMS.format,
    "kind": DCTERMS.type,
    "status": ADMS.status,
    "audience": DCTERMS.audience,
}
LABELS = (SKOS.prefLabel, DCTERMS.title, FOAF.name, RDFS.label)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Resource:
    """One catalogue entry, with the ids of the terms it links to."""

    id: str
    iri: str
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


@dataclass
class GraphData:
    """The built graph, and the records the pages and coverage API read from it."""

    graph: Graph
    resources: dict[str, Resource] = field(default_factory=dict)
    terms: dict[str, dict[str, Term]] = field(default_factory=dict)
    derived: dict[Any, Any] = field(default_factory=dict)  # results computed from the above

    def term(self, kind: str, term_id: str) -> Term | None:
        """The term of that kind and id, or None."""
        return self.terms.get(kind, {}).get(term_id)

    def label(self, kind: str, term_id: str) -> str:
        """A term's label, or its id when unknown."""
        term = self.term(kind, term_id)
        return term.label if term else term_id

    def boroughs(self) -> list[Term]:
        """The metropolitan boroughs, by name."""
        places = self.terms.get("locality", {}).values()
        return sorted((t for t in places if t.level == BOROUGH_LEVEL), key=lambda t: t.label)

    def descendants(self, topic_id: str) -> set[str]:
        """A topic and every topic narrower than it, at any depth."""
        seen, todo = set(), [topic_id]
        while todo:
            tid = todo.pop()
            if tid not in seen:
                seen.add(tid)
                term = self.term("topic", tid)
                todo.extend(term.narrower if term else ())
        return seen

    def resources_linked(self, kind: str, term_id: str) -> list[Resource]:
        """Resources whose ``kind`` link (topic, locality, publisher, ...) names the term."""
        out = []
        for r in self.resources.values():
            values = {
                "topic": r.topics,
                "locality": (r.locality,),
                "org": (r.publisher,),
                "format": (r.format,),
                "kind": (r.kind,),
                "status": (r.status,),
                "audience": r.audiences,
            }.get(kind, ())
            if term_id in values:
                out.append(r)
        return out

    def adopted_in(self, locality_id: str) -> list[Resource]:
        """Resources another locality published that this locality adopted."""
        return [r for r in self.resources.values() if locality_id in r.adopted_in]

    def exists(self, kind: str, term_id: str) -> bool:
        """Whether the graph says anything about the IRI of that kind and id."""
        iri = URIRef(NAMESPACES[kind] + term_id)
        return (iri, None, None) in self.graph

    def describe(self, kind: str, term_id: str) -> Graph:
        """The RDF description of an IRI: its triples, those of IRIs under it (a resource's
        link and period), links to it from resources, and the labels of what it links to."""
        iri = NAMESPACES[kind] + term_id
        out = Graph()
        for prefix, ns in PREFIXES.items():
            out.bind(prefix, ns, override=True)
        node = URIRef(iri)
        for s, p, o in self.graph.triples((node, None, None)):
            out.add((s, p, o))
            if isinstance(o, URIRef) and str(o).startswith(iri + "/"):
                out += self.graph.triples((o, None, None))
        for s, p, o in self.graph.triples((None, None, node)):
            if str(s).startswith(str(RES)):
                out.add((s, p, o))
        named = {n for n in (*out.objects(), *out.subjects()) if isinstance(n, URIRef)}
        for other in named:
            for p in LABELS:
                for label in self.graph.objects(other, p):
                    out.add((other, p, label))
        return out


def _text(g: Graph, node: URIRef, *props: URIRef) -> str | None:
    for p in props:
        for o in g.objects(node, p):
            if isinstance(o, Literal):
                return str(o)
    return None


def _ids(g: Graph, node: URIRef, prop: URIRef, base: str) -> tuple[str, ...]:
    return tuple(
        sorted(str(o)[len(base) :] for o in g.objects(node, prop) if str(o).startswith(base))
    )


def _terms(g: Graph, kind: str, base: str) -> dict[str, Term]:
    out: dict[str, Term] = {}
    for s in set(g.subjects(SKOS.prefLabel, None)):
        local = str(s)[len(base) :] if str(s).startswith(base) else ""
        if not local or "/" in local or local == "scheme" or not isinstance(s, URIRef):
            continue
        out[local] = Term(
            kind=kind,
            id=local,
            iri=str(s),
            label=_text(g, s, SKOS.prefLabel) or local,
            definition=_text(g, s, SKOS.definition, SKOS.scopeNote, RDFS.comment),
            alt_labels=tuple(sorted(str(o) for o in g.objects(s, SKOS.altLabel))),
            broader=_ids(g, s, SKOS.broader, base),
            narrower=_ids(g, s, SKOS.narrower, base),
            level=_text(g, s, CRADLE.localityLevel),
            notation=_text(g, s, SKOS.notation),
            same_as=tuple(sorted(str(o) for o in g.objects(s, OWL.sameAs))),
        )
    return dict(sorted(out.items(), key=lambda kv: kv[1].label.lower()))


def _resource(g: Graph, s: URIRef) -> Resource:
    def one(prop: URIRef, kind: str) -> str:
        ids = _ids(g, s, prop, NAMESPACES[kind])
        return ids[0] if ids else ""

    dist = next(iter(g.objects(s, DCAT.distribution)), None)
    order = _text(g, s, CRADLE.sourceOrder)
    return Resource(
        id=str(s)[len(str(RES)) :],
        iri=str(s),
        title=_text(g, s, DCTERMS.title) or "",
        description=_text(g, s, DCTERMS.description) or "",
        publisher=one(DCTERMS.publisher, "org"),
        locality=one(DCTERMS.spatial, "locality"),
        format=one(DCTERMS.format, "format"),
        status=one(ADMS.status, "status"),
        order=int(order) if order and order.isdigit() else 0,
        adopted_in=_ids(g, s, CRADLE.adoptedIn, str(LOC)),
        topics=_ids(g, s, DCAT.theme, str(TOPIC)),
        audiences=_ids(g, s, DCTERMS.audience, str(AUD)),
        kind=one(DCTERMS.type, "kind") or None,
        status_note=_text(g, s, CRADLE.statusNote),
        link_text=_text(g, dist, CRADLE.linkText) if isinstance(dist, URIRef) else None,
        link_domain=_text(g, dist, CRADLE.linkDomain) if isinstance(dist, URIRef) else None,
        issued=_text(g, s, DCTERMS.issued),
        expected=_text(g, s, CRADLE.expectedDate),
    )


def graph_data(g: Graph) -> GraphData:
    """Flatten a built graph into the records the pages read."""
    data = GraphData(graph=g)
    for kind, base in NAMESPACES.items():
        if kind != "resource":
            data.terms[kind] = _terms(g, kind, base)
    found = [_resource(g, s) for s in g.subjects(RDF.type, DCAT.Resource) if isinstance(s, URIRef)]
    data.resources = {r.id: r for r in sorted(found, key=lambda r: (r.order, r.id))}
    if not data.terms["org"]:  # organisations carry foaf:name too; prefLabel covers them
        data.terms["org"] = {
            str(s)[len(str(ORGS)) :]: Term("org", str(s)[len(str(ORGS)) :], str(s), str(n))
            for s, n in g.subject_objects(FOAF.name)
            if (s, RDF.type, ORG.Organization) in g
        }
    return data


def load_graph_data(data_dir: Path) -> GraphData:
    """Parse ``graph.ttl`` in ``data_dir``.

    Raises:
        NotBuilt: the data dir holds no graph, or a damaged one; run ``cradle build``.
    """
    path = data_dir / GRAPH_FILE
    if not path.is_file():
        raise NotBuilt(f"no {GRAPH_FILE} in the data dir: run `cradle build` first")
    try:
        graph = Graph().parse(path, format="turtle")
    except Exception:  # rdflib raises many kinds; the file is damaged either way
        raise NotBuilt(
            f"{GRAPH_FILE} in the data dir cannot be parsed: run `cradle build`"
        ) from None
    return graph_data(graph)


def iri_path(iri: str) -> str | None:
    """The service path (``/topic/safer-sleep``) of one of Cradle's IRIs, else None."""
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else None
