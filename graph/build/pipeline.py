"""Build the knowledge graph: catalogue -> checked -> RDF -> SHACL-valid -> Turtle + store."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from cradle.core import __version__
from cradle.core.datadir import Version
from cradle.core.errors import ValidationFailed
from cradle.core.settings import ONTOLOGY_DIR
from cradle.graph.build.catalogue import Catalogue, load_catalogue
from cradle.graph.build.changes import record_changes
from cradle.graph.build.chunks import default_workers, run_chunks
from cradle.graph.build.datafiles import links_beside
from cradle.graph.build.ontology import load_ontology
from cradle.graph.build.rdf import catalogue_graph, context_graph
from cradle.graph.build.store import load_store
from cradle.graph.build.validate import violations

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


def build_graph(
    catalogue: Path,
    out_dir: Path | Version,
    ontology_dir: Path = ONTOLOGY_DIR,
    workers: int | None = None,
    previous: Version | None = None,
) -> GraphBuild:
    """Build, validate and store the graph of ``catalogue`` in ``out_dir`` (a fresh folder).

    Writes the version's graph (byte-identical for identical input, however many workers ran),
    its store, what changed since the ``previous`` version (:mod:`cradle.graph.build.changes`),
    a copy of the last link check found beside the catalogue and, last, its manifest
    (:class:`cradle.core.datadir.Version`).

    Args:
        catalogue: the catalogue YAML.
        out_dir: the version (or a folder, taken as one) where outputs go.
        ontology_dir: the ontology and shapes.
        workers: processes validating chunks of a large catalogue; all usable CPUs by default.
        previous: the data dir's published version before this build (what changed since).

    Raises:
        CatalogueError: the catalogue is malformed or refers to unknown terms.
        ValidationFailed: the graph breaks a SHACL shape.
    """
    cat = load_catalogue(catalogue, ontology_dir)
    digest = hashlib.sha256(catalogue.read_bytes()).hexdigest()
    generated = f"{cat.catalogue.modified}T00:00:00Z"
    if len(cat.resources) > CHUNK:
        turtle, triples = _chunked(cat, ontology_dir, generated, digest, workers)
    else:
        graph = catalogue_graph(cat, load_ontology(ontology_dir), generated, digest)
        problems = violations(graph, ontology_dir=ontology_dir)
        if problems:
            raise ValidationFailed(problems)
        turtle, triples = graph.serialize(format="turtle").encode("utf-8"), len(graph)
    out = out_dir if isinstance(out_dir, Version) else Version.at(out_dir)
    out.path.mkdir(parents=True, exist_ok=True)
    out.graph_file.write_bytes(turtle)
    load_store(turtle, out.store_dir)
    result = GraphBuild(
        hashlib.sha256(turtle).hexdigest(), triples, len(cat.resources), str(catalogue)
    )
    record_changes(cat, previous, out)
    links = links_beside(catalogue)
    if links.is_file():
        shutil.copyfile(links, out.links_file)
    out.write_graph_manifest(asdict(result))
    return result


def _chunked(
    cat: Catalogue, ontology_dir: Path, generated: str, digest: str, workers: int | None
) -> tuple[bytes, int]:
    """Validate and serialise a large catalogue ``CHUNK`` resources at a time.

    Each chunk is validated together with the context (ontology, localities, organisations):
    every shape constrains one resource's own properties or the class of what it points to, so
    chunk by chunk finds exactly the violations of the whole graph, in bounded memory. The
    Turtle is the context, then each chunk in catalogue order (prefixes repeated, as Turtle
    allows); the same input still gives the same bytes. Chunks run in ``workers`` processes
    (:mod:`cradle.graph.build.chunks`).

    Returns:
        The Turtle and the number of triples.

    Raises:
        ValidationFailed: with the violations of every chunk.
    """
    context = context_graph(cat, load_ontology(ontology_dir), generated, digest)
    parts = [context.serialize(format="turtle").encode("utf-8")]
    triples, problems = len(context), set()
    res = cat.resources
    jobs = [(cat.catalogue.id, res[i : i + CHUNK], i + 1) for i in range(0, len(res), CHUNK)]
    done = run_chunks(jobs, context, ontology_dir, workers or default_workers())
    for turtle, count, found in tqdm(
        done, total=len(jobs), desc="graph", unit="chunk", disable=None
    ):
        problems.update(found)
        triples += count
        parts.append(turtle)
    if problems:
        raise ValidationFailed(sorted(problems))
    return b"\n".join(parts), triples
