"""The top-level command that spans stages: ``cradle build`` (graph, then index, then an
external store), every stage into a staging folder, then published atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cradle.core.publish import staging
from cradle.core.settings import Settings
from cradle.graph.build import GraphBuild, build_graph


def run_build(
    settings: Settings,
    catalogue: Path | None = None,
    data_dir: Path | None = None,
    with_index: bool = True,
    report: Callable[[str], None] | None = None,
    progress: bool = False,
) -> GraphBuild:
    """Build the graph (and the search index) of a catalogue into the data dir.

    Args:
        settings: the project's settings (model, ontology folder, ...).
        catalogue: the catalogue YAML; ``settings.catalogue`` when omitted.
        data_dir: where outputs go; ``settings.data_dir`` when omitted.
        with_index: also build the search index (needs the ``search`` extra).
        report: called with one line as each stage starts (the CLI prints it on a terminal).
        progress: let the embedding model draw its progress bar (``cradle build -v``).

    Returns:
        The graph build's summary. Nothing in ``data_dir`` changes if any step fails.
    """
    catalogue = catalogue or settings.catalogue
    data_dir = data_dir or settings.data_dir
    say = report or (lambda line: None)
    with staging(data_dir) as stage:
        say(f"graph: checking {catalogue} and building the knowledge graph")
        result = build_graph(catalogue, stage, settings.ontology_dir, previous=data_dir)
        if with_index:
            from cradle.index.build import build_index
            from cradle.index.files import CACHE_DIR

            say(f"index: embedding {result.resources} resources and indexing their words")
            build_index(stage, stage, settings, cache_dir=data_dir / CACHE_DIR, progress=progress)
        if settings.store_url or settings.store_gsp_url:
            from cradle.graph.sparql.remote import publish_to_store

            say("store: loading the graph into the external SPARQL store")
            publish_to_store(stage, settings)
    return result
