"""``cradle validate``: every catalogue problem and SHACL violation, without writing anything."""

from __future__ import annotations

from pathlib import Path

from cradle.errors import CatalogueError
from cradle.graph.catalogue import load_catalogue
from cradle.graph.ontology import load_ontology
from cradle.graph.rdf import catalogue_graph
from cradle.graph.validate import violations


def check(catalogue: Path, ontology_dir: Path) -> list[str]:
    """Check ``catalogue`` and validate the graph it would build.

    Returns:
        One line per problem (``entry <id>: <field>: <what is wrong>``); empty when it conforms.
    """
    try:
        cat = load_catalogue(catalogue, ontology_dir)
    except CatalogueError as exc:
        return exc.problems
    graph = catalogue_graph(
        cat, load_ontology(ontology_dir), f"{cat.catalogue.modified}T00:00:00Z", "unchecked"
    )
    return violations(graph, ontology_dir=ontology_dir)
