"""What the linked-data pages and the coverage API read from the built graph.

At start-up the read-only Oxigraph store of the data dir's version (written by ``cradle
build``) is flattened into small frozen records (resources and controlled terms) by a few bulk
SPARQL SELECTs (:mod:`cradle.service.graphload`); nothing parses ``graph.ttl``. The RDF of one
IRI, for its linked-data page, is read from the store when asked for. Every lookup the pages and
APIs make goes through :class:`GraphData`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDFS, SKOS, XSD

from cradle.core.datadir import Version, open_version
from cradle.core.errors import NotBuilt
from cradle.core.namespaces import ADMS, AUD, BASE, FMT, KIND, LOC, ORGS, PREFIXES, RES, TOPIC
from cradle.core.namespaces import STATUS as STATUS_NS
from cradle.graph.store import open_store
from cradle.service import graphload
from cradle.service.records import Resource, Term

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
_LABELS = tuple(ox.NamedNode(str(p)) for p in LABELS)
_DEFAULT = ox.DefaultGraph()


@dataclass
class GraphData:
    """The built graph (its read-only store), and the records the pages and coverage API read
    from it."""

    store: ox.Store
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
        return self._links().get((kind, term_id), [])

    def adopted_in(self, locality_id: str) -> list[Resource]:
        """Resources another locality published that this locality adopted."""
        return self._links().get(("adopted", locality_id), [])

    def _links(self) -> dict[tuple[str, str], list[Resource]]:
        """(kind, term id) -> the resources linking to it, in catalogue order (made once)."""
        links = self.derived.get("links")
        if links is None:
            links = {}
            for r in self.resources.values():
                for kind, values in (
                    ("topic", r.topics),
                    ("locality", (r.locality,)),
                    ("org", (r.publisher,)),
                    ("format", (r.format,)),
                    ("kind", (r.kind,) if r.kind else ()),
                    ("status", (r.status,)),
                    ("audience", r.audiences),
                    ("adopted", r.adopted_in),
                ):
                    for value in dict.fromkeys(values):
                        links.setdefault((kind, value), []).append(r)
            self.derived["links"] = links
        return links

    def exists(self, kind: str, term_id: str) -> bool:
        """Whether the graph says anything about the IRI of that kind and id."""
        return graphload.has_subject(self.store, NAMESPACES[kind] + term_id)

    def describe(self, kind: str, term_id: str) -> Graph:
        """The RDF description of an IRI, read from the store: its triples, those of IRIs under
        it (a resource's link and period), links to it from resources, and the labels of what
        it links to."""
        iri = NAMESPACES[kind] + term_id
        node = ox.NamedNode(iri)
        found = list(self.store.quads_for_pattern(node, None, None, _DEFAULT))
        for q in list(found):
            if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(iri + "/"):
                found += self.store.quads_for_pattern(q.object, None, None, _DEFAULT)
        for q in self.store.quads_for_pattern(None, None, node, _DEFAULT):
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(str(RES)):
                found.append(q)
        named = {n for q in found for n in (q.subject, q.object) if isinstance(n, ox.NamedNode)}
        for other in named:
            for p in _LABELS:
                found += self.store.quads_for_pattern(other, p, None, _DEFAULT)
        out = Graph()
        for prefix, ns in PREFIXES.items():
            out.bind(prefix, ns, override=True)
        for q in found:
            out.add((_rdflib(q.subject), URIRef(q.predicate.value), _rdflib(q.object)))
        return out


def _rdflib(term: Any) -> Any:
    """The rdflib term for a pyoxigraph one (a plain string stays without a datatype)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype))


def _terms(rows: dict[str, graphload.Row], names: dict[str, str]) -> dict[str, dict[str, Term]]:
    terms: dict[str, dict[str, Term]] = {k: {} for k in NAMESPACES if k != "resource"}
    for kind, out in terms.items():
        base = NAMESPACES[kind]
        for iri, row in rows.items():
            local = iri[len(base) :] if iri.startswith(base) else ""
            if not local or "/" in local or local == "scheme" or not row.get("label"):
                continue
            text = {k: v[0] for k, v in row.items() if v}
            out[local] = Term(
                kind=kind,
                id=sys.intern(local),
                iri=iri,
                label=text["label"],
                definition=text.get("definition", text.get("definition2", text.get("definition3"))),
                alt_labels=tuple(sorted(row.get("alt_labels", ()))),
                broader=graphload.ids(row.get("broader", []), base),
                narrower=graphload.ids(row.get("narrower", []), base),
                level=text.get("level"),
                notation=text.get("notation"),
                same_as=tuple(sorted(row.get("same_as", ()))),
            )
        terms[kind] = dict(sorted(out.items(), key=lambda kv: kv[1].label.lower()))
    if not terms["org"]:  # organisations carry foaf:name too; prefLabel covers them
        base = str(ORGS)
        terms["org"] = {i[len(base) :]: Term("org", i[len(base) :], i, n) for i, n in names.items()}
    return terms


def _resources(found: list[str], cols: dict[str, graphload.Column]) -> list[Resource]:
    fields = [f for f in Resource.__dataclass_fields__ if f not in ("id", "order")]
    out = []
    for i, iri in enumerate(found):
        values = {f: cols[f][i] for f in fields}
        order = cols["order"][i]
        for name in ("title", "description", "publisher", "locality", "format", "status"):
            values[name] = values[name] or ""
        for name in ("title", "description", "link_text"):  # the search index's texts too
            if values[name]:
                values[name] = sys.intern(values[name])
        out.append(
            Resource(
                id=iri[len(str(RES)) :],
                order=int(order) if order and order.isdigit() else 0,
                **values,
            )
        )
    return out


def graph_data(store: ox.Store) -> GraphData:
    """Flatten the graph in a store into the records the pages read."""
    data = GraphData(store=store)
    data.terms = _terms(graphload.term_rows(store), graphload.org_names(store))
    found, columns = graphload.resource_columns(store)
    ordered = sorted(_resources(found, columns), key=lambda r: (r.order, r.id))
    data.resources = {r.id: r for r in ordered}
    return data


def load_graph_data(where: Path | Version) -> GraphData:
    """Open the built store of a version (or of a data dir's current version) read-only and
    read its records.

    Raises:
        NotBuilt: no build, no graph store, or a damaged one; run ``cradle build``.
    """
    version = open_version(where)
    version.require_store()
    try:
        return graph_data(open_store(version))
    except (OSError, RuntimeError, ValueError, SyntaxError):  # pyoxigraph on a damaged store
        raise NotBuilt(
            f"the graph store in {version.path} cannot be read: run `cradle build`"
        ) from None


def iri_path(iri: str) -> str | None:
    """The service path (``/topic/safer-sleep``) of one of Cradle's IRIs, else None."""
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else None
