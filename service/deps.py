"""Dependencies routes receive: heavy objects are made once in the app's lifespan and kept in
its typed :class:`~cradle.service.runtime.Runtime`; routes get them through the
``Annotated[..., Depends()]`` aliases defined here. What the server does not serve raises
:class:`~cradle.core.errors.NotServed` (503 through the one table, :mod:`cradle.service.errors`).
They are ``async``: FastAPI runs a plain ``def`` dependency on its thread pool, a thread hop per
request for reading an attribute.

Everything that belongs to a published version (engine, index, read model, version) comes
from the version the request pinned when it started (:func:`~cradle.service.runtime.served_of`),
so one request never mixes two versions while a newer one is swapped in."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from cradle.core.datadir import Version
from cradle.core.errors import NotServed
from cradle.core.settings import Settings
from cradle.graph.sparql.engine import QueryEngine
from cradle.index.process import SearchProcess
from cradle.index.search import Searcher
from cradle.service.graphdata import GraphData
from cradle.service.misses import Misses
from cradle.service.runtime import Runtime, runtime_of, served_of

NAMED_GRAPHS_ONLY = (
    "This server serves the named graphs it was started with (--graph), not the catalogue: "
    "search, linked-data pages and coverage are not available. Use /sparql."
)


async def get_runtime(request: Request) -> Runtime:
    """What the app loaded at start-up."""
    return runtime_of(request.app)


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return runtime_of(request.app).settings


async def get_engine(request: Request) -> QueryEngine:
    """The SPARQL query engine (``cradle.graph.sparql.engine``) of the version served."""
    engine = served_of(request).engine
    if engine is None:
        raise NotServed("The SPARQL engine is not running.")
    return engine


async def get_searcher(request: Request) -> Searcher | None:
    """The search index (``cradle.index``), or None when the app serves named graphs only."""
    return served_of(request).searcher


async def require_searcher(request: Request) -> Searcher:
    """The search index; answers 503 with the reason when the server has none."""
    served = served_of(request)
    if served.searcher is None:
        raise NotServed(served.search_problem or NAMED_GRAPHS_ONLY)
    return served.searcher


async def get_search_process(request: Request) -> SearchProcess | None:
    """The process answering the searches of the version served (None: they run on the
    search thread; ``CRADLE_SEARCH_PROCESS``)."""
    return served_of(request).search_process


async def get_graph_data(request: Request) -> GraphData:
    """The catalogue graph the pages and coverage API read; 503 when serving named graphs."""
    data = served_of(request).graph_data
    if data is None:
        raise NotServed(NAMED_GRAPHS_ONLY)
    return data


async def get_graph_data_or_none(request: Request) -> GraphData | None:
    """The catalogue graph, or None when the app serves named graphs only."""
    return served_of(request).graph_data


async def get_version(request: Request) -> Version | None:
    """The data dir's version the request reads (None when serving named graphs only)."""
    return served_of(request).version


async def get_templates(request: Request) -> Jinja2Templates:
    """The Jinja2 templates of the web UI."""
    templates = runtime_of(request.app).templates
    if templates is None:
        raise NotServed("This server has no web pages.")
    return templates


async def get_search_pool(request: Request) -> ThreadPoolExecutor:
    """The threads search runs on (kept apart from SPARQL, so neither starves the other)."""
    pool = runtime_of(request.app).search_pool
    if pool is None:
        raise NotServed(NAMED_GRAPHS_ONLY)
    return pool


async def get_misses(request: Request) -> Misses | None:
    """Counts of searches with no close match (None when not counted)."""
    return runtime_of(request.app).misses


def client_address(request: Request, trusted_proxies: list[str]) -> str:
    """The client's address: the peer's, or, when the peer is a trusted proxy, the last
    ``X-Forwarded-For`` entry that is not itself a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    if peer not in trusted_proxies:
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted_proxies:
            return hop
    return peer


async def client_gone(request: Request) -> None:
    """Return once the client of ``request`` has gone away (the ASGI ``http.disconnect``); a
    request's body, if any, must have been read (this reads what comes after it). A server that
    answers the end of the body again instead of waiting has nothing more to tell: then this
    waits until cancelled (asking again would never let the event loop run)."""
    ended = False
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return
        if ended:
            await anyio.sleep_forever()
        ended = not message.get("more_body", False)


async def get_client(request: Request) -> str:
    """Who sent the request, as per-client limits and turns count it (:func:`client_address`)."""
    return client_address(request, runtime_of(request.app).settings.trusted_proxies)


SettingsDep = Annotated[Settings, Depends(get_settings)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
EngineDep = Annotated[QueryEngine, Depends(get_engine)]
SearcherDep = Annotated[Searcher | None, Depends(get_searcher)]
RequiredSearcherDep = Annotated[Searcher, Depends(require_searcher)]
SearchProcessDep = Annotated[SearchProcess | None, Depends(get_search_process)]
MissesDep = Annotated[Misses | None, Depends(get_misses)]
GraphDataDep = Annotated[GraphData, Depends(get_graph_data)]
OptionalGraphDataDep = Annotated[GraphData | None, Depends(get_graph_data_or_none)]
VersionDep = Annotated[Version | None, Depends(get_version)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
SearchPoolDep = Annotated[ThreadPoolExecutor, Depends(get_search_pool)]
ClientDep = Annotated[str, Depends(get_client)]
