"""What the linked-data pages and the coverage API read: the graph's read model
(:mod:`cradle.graph.read.readmodel`, loaded once at start-up; nothing parses ``graph.ttl``) and the
read-only store it came from, for the RDF of one IRI when a page asks for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS, XSD

from cradle.core.datadir import Version
from cradle.core.namespaces import PREFIXES, RES
from cradle.graph.read import bulk
from cradle.graph.read.readmodel import NAMESPACES, ReadModel, Resource, Term, iri_path, open_model

__all__ = ["NAMESPACES", "GraphData", "Resource", "Term", "iri_path", "load_graph_data"]

LABELS = (SKOS.prefLabel, DCTERMS.title, FOAF.name, RDFS.label)
_LABELS = tuple(ox.NamedNode(str(p)) for p in LABELS)
_DEFAULT = ox.DefaultGraph()


@dataclass(eq=False)
class GraphData(ReadModel):
    """The read model of the built graph, with the read-only store it was read from."""

    store: ox.Store = field(kw_only=True)

    def exists(self, kind: str, term_id: str) -> bool:
        """Whether the graph says anything about the IRI of that kind and id."""
        return bulk.has_subject(self.store, NAMESPACES[kind] + term_id)

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


def graph_data(store: ox.Store, model: ReadModel) -> GraphData:
    """The service's view of a read model and its store."""
    return GraphData(
        resources=model.resources,
        terms=model.terms,
        home=model.home,
        contacts=model.contacts,
        feedback_email=model.feedback_email,
        store=store,
    )


def load_graph_data(where: Path | Version) -> GraphData:
    """Open the built store of a version (or of a data dir's current version) read-only and
    read its model.

    Raises:
        NotBuilt: no build, no graph store, or a damaged one; run ``cradle build``.
    """
    store, model = open_model(where)
    return graph_data(store, model)
