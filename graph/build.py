"""Build the knowledge graph: catalogue -> checked -> RDF -> SHACL-valid -> Turtle + store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from cradle import __version__
from cradle.errors import ValidationFailed
from cradle.graph.catalogue import load_catalogue
from cradle.graph.ontology import load_ontology
from cradle.graph.rdf import catalogue_graph
from cradle.graph.store import STORE_DIR, load_store
from cradle.graph.validate import violations
from cradle.settings import ONTOLOGY_DIR

GRAPH_FILE = "graph.ttl"
GRAPH_MANIFEST = "graph.json"


@dataclass(frozen=True)
class GraphBuild:
    """What a graph build wrote.

    Attributes:
        graph_sha256: digest of ``graph.ttl``, the graph's identity for later stages.
        triples: number of triples, ontology included.
        resources: number of catalogue entries.
        catalogue: the catalogue file it was built from.
        version: Cradle's version.
    """

    graph_sha256: str
    triples: int
    resources: int
    catalogue: str
    version: str = __version__


def build_graph(catalogue: Path, out_dir: Path, ontology_dir: Path = ONTOLOGY_DIR) -> GraphBuild:
    """Build, validate and store the graph of ``catalogue`` in ``out_dir`` (a fresh folder).

    Writes ``graph.ttl`` (byte-identical for identical input), ``graph.json`` and ``store/``.

    Raises:
        CatalogueError: the catalogue is malformed or refers to unknown terms.
        ValidationFailed: the graph breaks a SHACL shape.
    """
    cat = load_catalogue(catalogue, ontology_dir)
    digest = hashlib.sha256(catalogue.read_bytes()).hexdigest()
    generated = f"{cat.catalogue.modified}T00:00:00Z"
    graph = catalogue_graph(cat, load_ontology(ontology_dir), generated, digest)
    problems = violations(graph, ontology_dir=ontology_dir)
    if problems:
        raise ValidationFailed(problems)
    turtle = graph.serialize(format="turtle").encode("utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / GRAPH_FILE).write_bytes(turtle)
    load_store(turtle, out_dir / STORE_DIR)
    result = GraphBuild(
        hashlib.sha256(turtle).hexdigest(), len(graph), len(cat.resources), str(catalogue)
    )
    (out_dir / GRAPH_MANIFEST).write_text(json.dumps(asdict(result), indent=2) + "\n")
    return result


def graph_sha256(data_dir: Path) -> str:
    """Digest of the graph a data dir holds (from its manifest)."""
    return json.loads((data_dir / GRAPH_MANIFEST).read_text())["graph_sha256"]
