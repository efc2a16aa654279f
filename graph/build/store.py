"""The embedded on-disk Oxigraph store that commands and the service query."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from cradle.core.datadir import Version, open_version


def load_store(turtle: bytes, path: Path, named_graphs: dict[str, bytes] | None = None) -> None:
    """Create an Oxigraph store at ``path`` holding ``turtle`` in its default graph.

    The store is compacted after loading: a bulk load leaves many small sorted files behind,
    and a read-only store (what the service and queries open) cannot compact itself; lookups
    on the uncompacted files cost markedly more (bench/RESULTS.md, "store as built").

    Args:
        turtle: the graph, as Turtle.
        path: a folder that must not exist yet.
        named_graphs: optional IRI -> Turtle/N-Triples bytes, loaded as named graphs.
    """
    store = ox.Store(str(path))
    store.bulk_load(turtle, format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
    for iri, data in (named_graphs or {}).items():
        store.bulk_load(data, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(iri))
    store.flush()
    store.optimize()
    del store


def open_store(where: Path | Version) -> ox.Store:
    """Open the built store of a version (or of a data dir's current version) read-only.

    Raises:
        NotBuilt: there is no build or no store; run ``cradle build``.
    """
    return ox.Store.read_only(str(open_version(where).require_store()))


def memory_store(
    turtle: bytes | None = None, named_graphs: dict[str, bytes] | None = None
) -> ox.Store:
    """An in-memory store (tests, notebooks, named-graph serving)."""
    store = ox.Store()
    if turtle:
        store.bulk_load(turtle, format=ox.RdfFormat.TURTLE)
    for iri, data in (named_graphs or {}).items():
        store.bulk_load(data, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(iri))
    return store
