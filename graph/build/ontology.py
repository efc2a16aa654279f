"""The ontology files: vocabulary, thesaurus, localities, controlled values and shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH, SKOS

from cradle.core.namespaces import AUD, FMT, KIND, LOC, STATUS, TOPIC
from cradle.core.settings import ONTOLOGY_DIR
from cradle.graph.build.need import authorities_in, need_graph

#: Turtle files merged into every built graph (shapes are kept apart, for validation only).
DATA_FILES = (
    "vocabulary.ttl", "topics.ttl", "situations.ttl", "localities.ttl", "values.ttl",
)  # fmt: skip
SHAPES_FILE = "shapes.ttl"
#: How a shape names its focus nodes (SHACL Core targets).
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)


@dataclass(frozen=True)
class Terms:
    """The identifiers (IRI local names) the catalogue may use, with their labels.

    Attributes:
        topics: topic id -> preferred label.
        localities: locality id -> preferred label.
        formats, kinds, statuses, audiences: value id -> preferred label.
        synonyms: topic id -> every label (pref, alt, hidden), lower-cased.
        aliases: value list (``topic``, ``locality``, ``format``, ``kind``, ``status``,
            ``audience``) -> lower-cased id, preferred or alternative label -> id; a label two
            values share is left out (it names neither).
    """

    topics: dict[str, str]
    localities: dict[str, str]
    formats: dict[str, str]
    kinds: dict[str, str]
    statuses: dict[str, str]
    audiences: dict[str, str]
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)


def load_ontology(ontology_dir: Path = ONTOLOGY_DIR) -> Graph:
    """Parse the ontology's data files (not the shapes) into one graph.

    Args:
        ontology_dir: folder holding the Turtle files.

    Returns:
        The merged graph.
    """
    return _load(ontology_dir.resolve())


@cache
def _load(ontology_dir: Path) -> Graph:
    g = Graph()
    for name in DATA_FILES:
        g.parse(ontology_dir / name, format="turtle")
    # need per authority (babies under one, deprivation) as Data Cube statistics about places
    g += need_graph(authorities_in(g))
    return g


def load_shapes(ontology_dir: Path = ONTOLOGY_DIR) -> Graph:
    """Parse the SHACL shapes, each property shape of a targeted node shape given that node
    shape's targets (:func:`targeted_property_shapes`)."""
    return targeted_property_shapes(Graph().parse(ontology_dir / SHAPES_FILE, format="turtle"))


def targeted_property_shapes(shapes: Graph) -> Graph:
    """``shapes`` with the property shapes of each node shape that only targets nodes and
    lists property shapes made shapes of their own, with the node shape's targets.

    Both forms find the same violations (the same focus node, value and message): a node
    conforms to such a node shape exactly when it conforms to each of its property shapes. But
    pyshacl validates a listed property shape once per focus node, re-reading its parameters
    from the shapes graph each time, and a targeted one once for all its focus nodes: at 10k
    resources that is most of the validation's cost (bench/findings.md, "Graph-only build at
    10k against round one"). A node shape that is named elsewhere (``sh:node``, ``sh:or``, ...)
    or has constraints of its own is left as written.

    Args:
        shapes: the shapes as written (changed in place).

    Returns:
        ``shapes``.
    """
    allowed = {RDF.type, SH.property, *_TARGETS}
    for node in set(shapes.subjects(RDF.type, SH.NodeShape)):
        targets = [(p, o) for p in _TARGETS for o in shapes.objects(node, p)]
        own = set(shapes.predicates(node, None))
        if not targets or not own <= allowed or (None, None, node) in shapes:
            continue
        for prop in list(shapes.objects(node, SH.property)):
            shapes.remove((node, SH.property, prop))
            shapes.add((prop, RDF.type, SH.PropertyShape))
            for p, o in targets:
                shapes.add((prop, p, o))
    return shapes


def _labels(g: Graph, base: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for s, label in g.subject_objects(SKOS.prefLabel):
        if isinstance(s, URIRef) and str(s).startswith(base) and not str(s).endswith("scheme"):
            out[str(s)[len(base) :]] = str(label)
    return dict(sorted(out.items()))


def _aliases(g: Graph, base: str) -> dict[str, str]:
    """Lower-cased id and preferred/alternative labels -> id, for one value list."""
    out: dict[str, str] = {}
    clash: set[str] = set()
    for prop in (SKOS.prefLabel, SKOS.altLabel):
        for s, label in g.subject_objects(prop):
            if not (isinstance(s, URIRef) and str(s).startswith(base)) or str(s).endswith("scheme"):
                continue
            ident = str(s)[len(base) :]
            for key in (ident.lower(), " ".join(str(label).lower().split())):
                if out.setdefault(key, ident) != ident:
                    clash.add(key)
    return {k: v for k, v in out.items() if k not in clash}


def terms(ontology_dir: Path = ONTOLOGY_DIR) -> Terms:
    """Read the controlled terms of the ontology in ``ontology_dir``."""
    g = load_ontology(ontology_dir)
    topics = _labels(g, str(TOPIC))
    synonyms: dict[str, list[str]] = {}
    for tid in topics:
        node = TOPIC[tid]
        labels = [
            str(o)
            for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)
            for o in g.objects(node, p)
        ]
        synonyms[tid] = sorted({label.lower() for label in labels})
    return Terms(
        topics=topics,
        localities=_labels(g, str(LOC)),
        formats=_labels(g, str(FMT)),
        kinds=_labels(g, str(KIND)),
        statuses=_labels(g, str(STATUS)),
        audiences=_labels(g, str(AUD)),
        synonyms=synonyms,
        aliases={
            name: _aliases(g, str(ns))
            for name, ns in (
                ("topic", TOPIC),
                ("locality", LOC),
                ("format", FMT),
                ("kind", KIND),
                ("status", STATUS),
                ("audience", AUD),
            )
        },
    )
