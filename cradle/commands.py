"""The top-level command that spans stages: ``cradle build`` (graph, then index, then an
external store) into a fresh version of the data dir, published in one atomic step."""

from __future__ import annotations

from pathlib import Path

from cradle.core.datadir import DataDir
from cradle.core.settings import Settings
from cradle.graph.build import GraphBuild, build_graph


def run_build(
    settings: Settings,
    catalogue: Path | None = None,
    data_dir: Path | None = None,
    with_index: bool = True,
) -> GraphBuild:
    """Build the graph (and the search index) of a catalogue as a new version of the data dir.

    Args:
        settings: the project's settings (model, ontology folder, ...).
        catalogue: the catalogue YAML; ``settings.catalogue`` when omitted.
        data_dir: where outputs go; ``settings.data_dir`` when omitted.
        with_index: also build the search index (needs the ``search`` extra).

    Returns:
        The graph build's summary. The data dir's current version changes only when every
        step succeeded, in one atomic switch (:meth:`cradle.core.datadir.DataDir.publish`).
    """
    catalogue = catalogue or settings.catalogue
    target = DataDir(data_dir or settings.data_dir)
    with target.publish() as version:
        result = build_graph(catalogue, version, settings.ontology_dir)
        if with_index:
            from cradle.index.build import build_index

            build_index(version, version, settings, cache_dir=version.cache_dir)
        if settings.store_url or settings.store_gsp_url:
            from cradle.graph.sparql.remote import publish_to_store

            publish_to_store(version, settings)
    return result
