"""The FastAPI app: wiring only. Heavy objects (SPARQL engine, search index, catalogue graph)
load once in the lifespan, live on ``app.state`` and reach routes through ``deps``."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from cradle.core import __version__
from cradle.core.datadir import DataDir, Version
from cradle.core.errors import InvalidSearch, MissingDependency, NotBuilt, StaleIndex
from cradle.core.settings import Settings
from cradle.graph.read.coverage import coverage as count_coverage
from cradle.service import apidocs, coverage, errors, health, pages, review, search, suggest, ui
from cradle.service.graphdata import load_graph_data
from cradle.service.headers import AccessLog, HeadAsGet, QuietDisconnect, SecurityHeaders
from cradle.service.misses import Misses
from cradle.service.readonly import ReadOnly
from cradle.service.runtime import Runtime

log = logging.getLogger("cradle.service")
WARM_UP = "safe sleep"
#: Why search is off, per error opening the index (client-safe: no paths).
SEARCH_PROBLEMS: list[tuple[type[Exception], str]] = [
    (NotBuilt, "no search index in the data dir: run `cradle build`"),
    (StaleIndex, "the search index was built from another graph: run `cradle build`"),
    (
        InvalidSearch,
        "the embedding model is missing or is not the one the index was built with: "
        "check CRADLE_MODEL, then run `cradle build`",
    ),
    (MissingDependency, "search needs the 'search' extra: pip install -e '.[search]'"),
    (ImportError, "search needs the 'search' extra: pip install -e '.[search]'"),
    (Exception, "the search index could not be loaded (damaged?): run `cradle build`"),
]


def _open_searcher(rt: Runtime, settings: Settings, version: Version) -> None:
    rt.searcher = None
    try:
        from cradle.index.search import open_searcher

        searcher = open_searcher(version, settings)
        searcher.search(WARM_UP, k=1)  # loads the model now, not on the first request
        rt.searcher = searcher
    except Exception as exc:  # start anyway: SPARQL, pages and coverage need no index
        reason = next(msg for cls, msg in SEARCH_PROBLEMS if isinstance(exc, cls))
        rt.search_problem = f"Search is not available: {reason}."
        rt.problems.append(reason)
        log.warning("search disabled: %s (%s: %s)", reason, exc.__class__.__name__, exc)


def _load(rt: Runtime, settings: Settings) -> None:
    """Load everything the routes need into the runtime, all from one version of the data dir
    (resolved once here: a build published meanwhile is served after a restart)."""
    from cradle.graph.sparql.engine import open_engine
    from cradle.index.search import search_threads

    rt.problems, rt.graph_data, rt.searcher, rt.graph_manifest = [], None, None, None
    rt.data_dir, rt.version = None, None
    rt.named_graphs = bool(settings.named_graphs)
    threads = search_threads(settings.workers)
    rt.search_pool = ThreadPoolExecutor(threads, thread_name_prefix="cradle-search")
    version = None
    if not rt.named_graphs:
        rt.data_dir = DataDir(settings.data_dir)
        version = rt.version = rt.data_dir.open()
    rt.engine = open_engine(settings, version)
    if version is not None:
        rt.graph_data = load_graph_data(version)
        # count coverage's one pass over the resources now, not on the first /gaps
        # (bench/RESULTS.md, "Coverage at 100k")
        count_coverage(rt.graph_data)
        rt.graph_manifest = version.graph_manifest()
        _open_searcher(rt, settings, version)


def _settle() -> None:
    """After loading: keep what was loaded out of the garbage collector's way, and hand the
    C heap's free pages back to the system.

    ``gc.freeze()`` moves every object alive now (the records of every resource) to a
    generation the collector never scans, so that a full collection no longer walks them all
    while requests wait. glibc's ``malloc_trim`` returns what loading freed but the allocator
    kept, in every server worker.
    """
    gc.collect()
    gc.freeze()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _close(rt: Runtime) -> None:
    if rt.engine is not None:
        rt.engine.close()
    rt.engine, rt.searcher = None, None
    if rt.search_pool is not None:
        rt.search_pool.shutdown(wait=False, cancel_futures=True)


def create_app(settings: Settings) -> FastAPI:
    """The Cradle web service over the build in ``settings.data_dir`` (or, when
    ``settings.named_graphs`` is set, over those RDF files as named graphs only).

    Args:
        settings: data dir, query deadline, limits, named graphs, ...

    Returns:
        The app; its lifespan loads the engine, the index and the graph once.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            _load(rt, settings)
            _settle()
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
