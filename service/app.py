"""The FastAPI app: wiring only. Heavy objects (SPARQL engine, search index, catalogue graph)
load in the lifespan, live on ``app.state`` and reach routes through ``deps``; a version
published while serving replaces them between requests (:mod:`cradle.service.swap`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from cradle.core import __version__
from cradle.core.datadir import DataDir
from cradle.core.settings import Settings
from cradle.service import (
    apidocs,
    coverage,
    errors,
    health,
    pages,
    review,
    search,
    suggest,
    swap,
    ui,
)
from cradle.service.headers import AccessLog, HeadAsGet, QuietDisconnect, SecurityHeaders
from cradle.service.misses import Misses
from cradle.service.readonly import ReadOnly
from cradle.service.runtime import PinServed, Runtime
from cradle.service.turns import ClientTurns

log = logging.getLogger("cradle.service")


def _load(rt: Runtime, settings: Settings) -> None:
    """Open the data dir's published version (or the named graphs) as the one served; later
    versions are followed by :func:`cradle.service.swap.watching`."""
    from cradle.index.search import SEARCH_THREADS

    rt.named_graphs = bool(settings.named_graphs)
    rt.search_pool = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="cradle-search")
    rt.data_dir = None if rt.named_graphs else DataDir(settings.data_dir)
    rt.served = swap.open_served(settings, rt.data_dir)


def _close(rt: Runtime) -> None:
    for served in (rt.served, rt.draining):
        if served is not None:
            swap.close_served(served)
    if rt.search_pool is not None:
        rt.search_pool.shutdown(wait=False, cancel_futures=True)


def create_app(settings: Settings) -> FastAPI:
    """The Cradle web service over the build in ``settings.data_dir`` (or, when
    ``settings.named_graphs`` is set, over those RDF files as named graphs only).

    Args:
        settings: data dir, query deadline, limits, named graphs, ...

    Returns:
        The app; its lifespan loads the engine, the index and the graph of the published
        version, and follows newer ones.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            _load(rt, settings)
            swap.settle()
            async with swap.watching(rt):
                yield
        finally:  # also after a failed start: stop the engine's workers if they started
            _close(rt)

    app = FastAPI(
        title="Cradle",
        version=__version__,
        description="Good practice for safeguarding babies under one: search, a read-only "
        "SPARQL 1.1 endpoint, linked data and coverage.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    rt = app.state.runtime = Runtime(
        settings, templates=ui.make_templates(), misses=Misses(enabled=settings.record_misses)
    )
    app.add_middleware(ReadOnly)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    app.add_middleware(HeadAsGet)
    app.add_middleware(PinServed, runtime=rt)
    app.add_middleware(ClientTurns, runtime=rt)
    app.add_middleware(QuietDisconnect)
    errors.install(app)
    from cradle.service.sparql import router as sparql_router

    for router in (
        health.router,
        search.router,
        suggest.router,
        sparql_router,
        coverage.router,
        review.router,
        pages.router,
        ui.router,
        apidocs.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=ui.STATIC_DIR), name="static")
    return app
