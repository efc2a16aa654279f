"""Build the knowledge graph: catalogue -> checked -> RDF -> SHACL-valid -> Turtle + store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from cradle import __version__
from cradle.errors import ValidationFailed
from cradle.graph.catalogue import Catalogue, load_catalogue
from cradle.graph.ontology import load_ontology, load_shapes
from cradle.graph.rdf import catalogue_graph, context_graph, resources_graph
from cradle.graph.store import STORE_DIR, load_store
from cradle.graph.validate import violations
from cradle.settings import ONTOLOGY_DIR

GRAPH_FILE = "graph.ttl"
GRAPH_MANIFEST = "graph.json"
#: Catalogues larger than this are validated and serialised chunk by chunk (see _chunked).
CHUNK = 5000


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
    if len(cat.resources) > CHUNK:
        turtle, triples = _chunked(cat, ontology_dir, generated, digest)
    else:
        graph = catalogue_graph(cat, load_ontology(ontology_dir), generated, digest)
        problems = violations(graph, ontology_dir=ontology_dir)
        if problems:
            raise ValidationFailed(problems)
        turtle, triples = graph.serialize(format="turtle").encode("utf-8"), len(graph)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / GRAPH_FILE).write_bytes(turtle)
    load_store(turtle, out_dir / STORE_DIR)
    result = GraphBuild(
        hashlib.sha256(turtle).hexdigest(), triples, len(cat.resources), str(catalogue)
    )
    (out_dir / GRAPH_MANIFEST).write_text(json.dumps(asdict(result), indent=2) + "\n")
    return result


def _chunked(cat: Catalogue, ontology_dir: Path, generated: str, digest: str) -> tuple[bytes, int]:
    """Validate and serialise a large catalogue ``CHUNK`` resources at a time.

    Each chunk is validated together with the context (ontology, localities, organisations):
    every shape constrains one resource's own properties or the class of what it points to, so
    chunk by chunk finds exactly the violations of the whole graph, in bounded memory. The
    Turtle is the context, then each chunk in catalogue order (prefixes repeated, as Turtle
    allows); the same input still gives the same bytes.

    Returns:
        The Turtle and the number of triples.

    Raises:
        ValidationFailed: with the violations of every chunk.
    """
    context = context_graph(cat, load_ontology(ontology_dir), generated, digest)
    shapes = load_shapes(ontology_dir)
    parts = [context.serialize(format="turtle").encode("utf-8")]
    triples, problems = len(context), set()
    starts = range(0, len(cat.resources), CHUNK)
    for start in tqdm(starts, desc="graph", unit="chunk", disable=None):
        part = resources_graph(cat, start, start + CHUNK)
        problems.update(violations(part + context, shapes))
        triples += len(part)
        parts.append(part.serialize(format="turtle").encode("utf-8"))
    if problems:
        raise ValidationFailed(sorted(problems))
    return b"\n".join(parts), triples


def graph_sha256(data_dir: Path) -> str:
    """Digest of the graph a data dir holds (from its manifest)."""
    return json.loads((data_dir / GRAPH_MANIFEST).read_text())["graph_sha256"]
