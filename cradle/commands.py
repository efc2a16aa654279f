"""The top-level command that spans stages: ``cradle build`` (graph, then index, then an
external store) into a fresh version of the data dir, published in one atomic step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cradle.core.datadir import DataDir, Version, moved_data_dir
from cradle.core.settings import Settings
from cradle.graph.build.pipeline import GraphBuild, build_graph


def run_build(
    settings: Settings,
    catalogue: Path | None = None,
    data_dir: Path | None = None,
    with_index: bool = True,
    report: Callable[[str], None] | None = None,
    progress: bool = False,
) -> GraphBuild:
    """Build the graph (and the search index) of a catalogue as a new version of the data dir.

    Args:
        settings: the project's settings (model, ontology folder, ...).
        catalogue: the catalogue YAML; ``settings.catalogue`` when omitted.
        data_dir: where outputs go; ``settings.data_dir`` when omitted.
        with_index: also build the search index (needs the ``search`` extra).
        report: called with one line as each stage starts (the CLI prints it on a terminal).
        progress: let the embedding model draw its progress bar (``cradle build -v``).

    Returns:
        The graph build's summary. The data dir's current version changes only when every
        step succeeded, in one atomic switch (:meth:`cradle.core.datadir.DataDir.publish`).
    """
    catalogue = catalogue or settings.catalogue
    target = DataDir(data_dir or settings.data_dir)
    say = report or (lambda line: None)
    if moved := moved_data_dir(target.root):
        say(moved)
    previous = target.published()
    with target.publish() as version:
        say(f"graph: checking {catalogue} and building the knowledge graph")
        result = build_graph(catalogue, version, settings.ontology_dir, previous=previous)
        if with_index:
            from cradle.index.build import build_index

            say(f"index: embedding {result.resources} resources and indexing their words")
            build_index(version, settings, progress=progress)
        if settings.store_url or settings.store_gsp_url:
            from cradle.graph.sparql.remote import publish_to_store

            say("store: loading the graph into the external SPARQL store")
            publish_to_store(version, settings)
    return result


def run_rollback(settings: Settings, report: Callable[[str], None] | None = None) -> str:
    """Publish the data dir's previous version again; with an external store, its graph goes
    back into the store first (as a build loads its own), so servers on the store can take the
    version up.

    Returns:
        The id of the version now published.

    Raises:
        NotBuilt, StaleIndex: no whole previous version (nothing changed).
        StoreUnavailable: the store refused the graph or cannot be reached (nothing changed).
    """
    say = report or (lambda line: None)
    load: Callable[[Version], None] | None = None
    if settings.store_url or settings.store_gsp_url:
        from cradle.graph.sparql.remote import publish_to_store

        def load(version: Version) -> None:
            say("store: loading the previous version's graph into the external SPARQL store")
            publish_to_store(version, settings)

    return DataDir(settings.data_dir).rollback(before=load)
