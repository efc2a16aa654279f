"""The service's typed state: what the app's lifespan loads once (settings, templates, the
SPARQL engine, the graph's read model, the search index, ...). Routes read it through the typed
dependencies of :mod:`cradle.service.deps`; nothing else is kept on ``app.state``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.templating import Jinja2Templates

from cradle.core.datadir import DataDir, Version
from cradle.core.settings import Settings
from cradle.graph.sparql.engine import QueryEngine
from cradle.index.search import Searcher
from cradle.service.graphdata import GraphData
from cradle.service.misses import Misses


@dataclass
class Runtime:
    """Everything a running app holds, made once at start-up.

    Attributes:
        settings: the app's settings.
        templates: the web UI's templates (None in a bare SPARQL-only app).
        misses: counts of searches that found no close match (None: not counted).
        engine: the SPARQL query engine.
        search_pool: the threads search runs on.
        data_dir: the data dir served (None when serving named graphs only).
        version: its version, resolved once at start-up.
        graph_data: the graph's read model with its store.
        graph_manifest: the version's graph manifest.
        searcher: the search index (None when there is none).
        search_problem: why search is off, for people (None when it is on).
        named_graphs: whether the app serves named graphs only (``--graph``).
        problems: what start-up found wrong (``/health``).
        sparql_limiter: at most the engine's capacity of SPARQL queries run at once.
        sparql_clients: SPARQL queries running, per client address.
    """

    settings: Settings
    templates: Jinja2Templates | None = None
    misses: Misses | None = None
    engine: QueryEngine | None = None
    search_pool: ThreadPoolExecutor | None = None
    data_dir: DataDir | None = None
    version: Version | None = None
    graph_data: GraphData | None = None
    graph_manifest: dict[str, Any] | None = None
    searcher: Searcher | None = None
    search_problem: str | None = None
    named_graphs: bool = False
    problems: list[str] = field(default_factory=list)
    sparql_limiter: anyio.CapacityLimiter | None = None
    sparql_clients: dict[str, int] = field(default_factory=dict)


def runtime_of(app: FastAPI) -> Runtime:
    """The runtime an app was made with (:func:`cradle.service.app.create_app`)."""
    found: Runtime = app.state.runtime
    return found
