"""Dependencies routes receive: heavy objects are made once in the app's lifespan and stored on
``app.state``; routes get them through ``Annotated[..., Depends()]`` aliases defined here. They
are ``async``: FastAPI runs a plain ``def`` dependency on its thread pool, a thread hop per
request for reading an attribute."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates

from cradle.core.datadir import Version
from cradle.core.settings import Settings
from cradle.service.graphdata import GraphData

NAMED_GRAPHS_ONLY = (
    "This server serves the named graphs it was started with (--graph), not the catalogue: "
    "search, linked-data pages and coverage are not available. Use /sparql."
)


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


async def get_engine(request: Request) -> Any:
    """The SPARQL query engine (``cradle.graph.sparql.engine``), made once at start-up."""
    return request.app.state.engine


async def get_searcher(request: Request) -> Any:
    """The search index (``cradle.index``), or None when the app serves named graphs only."""
    return getattr(request.app.state, "searcher", None)


async def require_searcher(request: Request) -> Any:
    """The search index; answers 503 with the reason when the server has none."""
    searcher = getattr(request.app.state, "searcher", None)
    if searcher is None:
        reason = getattr(request.app.state, "search_problem", None) or NAMED_GRAPHS_ONLY
        raise HTTPException(503, reason)
    return searcher


async def get_graph_data(request: Request) -> GraphData:
    """The catalogue graph the pages and coverage API read; 503 when serving named graphs."""
    data = getattr(request.app.state, "graph_data", None)
    if data is None:
        raise HTTPException(503, NAMED_GRAPHS_ONLY)
    return data


async def get_graph_data_or_none(request: Request) -> GraphData | None:
    """The catalogue graph, or None when the app serves named graphs only."""
    return getattr(request.app.state, "graph_data", None)


async def get_version(request: Request) -> Version | None:
    """The data dir's version the app loaded (None when it serves named graphs only)."""
    return request.app.state.version


async def get_templates(request: Request) -> Jinja2Templates:
    """The Jinja2 templates of the web UI."""
    return request.app.state.templates


async def get_search_pool(request: Request) -> ThreadPoolExecutor:
    """The threads search runs on (kept apart from SPARQL, so neither starves the other)."""
    return request.app.state.search_pool


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Any, Depends(get_engine)]
SearcherDep = Annotated[Any, Depends(get_searcher)]
RequiredSearcherDep = Annotated[Any, Depends(require_searcher)]
GraphDataDep = Annotated[GraphData, Depends(get_graph_data)]
OptionalGraphDataDep = Annotated[GraphData | None, Depends(get_graph_data_or_none)]
VersionDep = Annotated[Version | None, Depends(get_version)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
SearchPoolDep = Annotated[ThreadPoolExecutor, Depends(get_search_pool)]
