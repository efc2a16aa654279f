"""The service's typed state: what the app's lifespan loads (settings, templates, the SPARQL
engine, the graph's read model, the search index, ...). Routes read it through the typed
dependencies of :mod:`cradle.service.deps`; nothing else is kept on ``app.state``.

What belongs to one published version of the data dir (engine, read model, index, manifest)
is one :class:`Served` object, replaced whole when a newer version is published
(:mod:`cradle.service.swap`). Each request pins the :class:`Served` current when it started
(:class:`PinServed`) and reads only that one, so a request never mixes two versions; a
replaced :class:`Served` is closed once its last request has finished.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cradle.core.datadir import DataDir, Version
from cradle.core.settings import Settings
from cradle.graph.sparql.engine import QueryEngine
from cradle.index.process import SearchProcess
from cradle.index.search import Searcher
from cradle.service.graphdata import GraphData
from cradle.service.misses import Misses

#: The key of the pinned :class:`Served` in a request's ``scope["state"]``.
PINNED = "cradle.served"
#: The response header naming the version that answered (docs/service.md).
VERSION = b"x-cradle-version"


@dataclass(eq=False)
class Served:
    """What one published version gives the routes, opened and checked as one.

    Attributes:
        version: the data dir's version (None when serving named graphs only).
        engine: its SPARQL query engine.
        graph_data: its graph's read model with its store.
        graph_manifest: its graph manifest.
        searcher: its search index (None when there is none); an opaque object.
        search_process: the process answering its searches (None: they run on the search
            thread, with ``searcher``; ``CRADLE_SEARCH_PROCESS``).
        search_problem: why search is off, for people (None when it is on).
        problems: what opening it found wrong (``/health``).
        catalogue_date: the catalogue's own date (its ``modified``), for pages.
        opened_at: when this process opened it (seconds since the epoch).
        users: requests reading it now (changed on the event loop only).
        retired: a newer version replaced it: close it when ``users`` falls to 0.
    """

    version: Version | None = None
    engine: QueryEngine | None = None
    graph_data: GraphData | None = None
    graph_manifest: dict[str, Any] | None = None
    searcher: Searcher | None = None
    search_process: SearchProcess | None = None
    search_problem: str | None = None
    problems: list[str] = field(default_factory=list)
    catalogue_date: str | None = None
    opened_at: float = field(default_factory=time.time)
    users: int = 0
    retired: bool = False


@dataclass
class SwapState:
    """What the server knows about versions other than the one it serves (``/health``).

    Attributes:
        pending: the id of a newer published version not served yet (being opened, or
            waiting for the requests on the version before to finish, or for the external
            store to hold its graph).
        pending_why: why it waits, when it waits for something else than opening.
        refused: the id of a published version that failed to open, and kept out.
        refused_why: why, for people (no paths).
        checked_at: when the data dir was last looked at (seconds since the epoch).
    """

    pending: str | None = None
    pending_why: str | None = None
    refused: str | None = None
    refused_why: str | None = None
    checked_at: float | None = None


class Runtime:
    """Everything a running app holds: made at start-up; :attr:`served` is replaced whole
    when a newer version is published.

    Attributes:
        settings: the app's settings.
        templates: the web UI's templates (None in a bare SPARQL-only app).
        misses: counts of searches that found no close match (None: not counted).
        search_pool: the threads search runs on.
        data_dir: the data dir served (None when serving named graphs only).
        named_graphs: whether the app serves named graphs only (``--graph``).
        served: the version served now.
        draining: a replaced version some requests still read (closed after them).
        swap: newer versions pending or refused.
        sparql_limiter: at most the engine's capacity of SPARQL queries run at once.
        sparql_clients: requests to /sparql in progress (from their first byte read), per client
            address.
        sparql_admitted: SPARQL queries past the service's checks and not yet ended (counted
            on the event loop as they are let in, before they reach the limiter).
    """

    def __init__(
        self,
        settings: Settings,
        templates: Jinja2Templates | None = None,
        misses: Misses | None = None,
        engine: QueryEngine | None = None,
        search_pool: ThreadPoolExecutor | None = None,
        data_dir: DataDir | None = None,
        searcher: Searcher | None = None,
        named_graphs: bool = False,
    ) -> None:
        self.settings = settings
        self.templates = templates
        self.misses = misses
        self.search_pool = search_pool
        self.data_dir = data_dir
        self.named_graphs = named_graphs
        self.served = Served(engine=engine, searcher=searcher)
        self.draining: Served | None = None
        self.swap = SwapState()
        self.sparql_limiter: anyio.CapacityLimiter | None = None
        self.sparql_clients: dict[str, int] = {}
        self.sparql_admitted = 0

    # The served version's parts, as attributes of the runtime (the version served now; a
    # request reads its pinned one through :func:`served_of`). Setting one replaces it in the
    # version served (tests put stand-ins there).
    @property
    def engine(self) -> QueryEngine | None:
        """The served version's SPARQL engine."""
        return self.served.engine

    @engine.setter
    def engine(self, value: QueryEngine | None) -> None:
        self.served = replace(self.served, engine=value)

    @property
    def searcher(self) -> Searcher | None:
        """The served version's search index."""
        return self.served.searcher

    @searcher.setter
    def searcher(self, value: Searcher | None) -> None:
        # a stand-in (tests) answers searches itself: the process of the one it replaces stops
        if self.served.search_process is not None:
            self.served.search_process.close()
        self.served = replace(self.served, searcher=value, search_process=None)

    @property
    def graph_data(self) -> GraphData | None:
        """The served version's read model."""
        return self.served.graph_data

    @property
    def version(self) -> Version | None:
        """The served version."""
        return self.served.version

    @property
    def graph_manifest(self) -> dict[str, Any] | None:
        """The served version's graph manifest."""
        return self.served.graph_manifest

    @property
    def search_problem(self) -> str | None:
        """Why search is off in the served version."""
        return self.served.search_problem

    @property
    def problems(self) -> list[str]:
        """What opening the served version found wrong."""
        return self.served.problems

    def acquire(self) -> Served:
        """The version served now, counted as read by one more request (event loop only)."""
        served = self.served
        served.users += 1
        return served

    def release(self, served: Served) -> bool:
        """One request finished reading ``served``; whether it is now retired and unread (the
        caller closes it)."""
        served.users -= 1
        return served.retired and served.users == 0


def runtime_of(app: FastAPI) -> Runtime:
    """The runtime an app was made with (:func:`cradle.service.app.create_app`)."""
    found: Runtime = app.state.runtime
    return found


def served_of(request: Request) -> Served:
    """The version a request reads: the one pinned when it started (:class:`PinServed`), or
    the one served now when nothing pinned it."""
    pinned = request.scope.get("state", {}).get(PINNED)
    return pinned if isinstance(pinned, Served) else runtime_of(request.app).served


class PinServed:
    """ASGI middleware: pin the version served when a request starts, for the whole request
    (streamed answers included), name it in the ``X-Cradle-Version`` response header, and
    close a replaced version after its last request."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        """Wrap ``app``, whose versions ``runtime`` holds."""
        self.app, self.runtime = app, runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request on the version served now."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        served = self.runtime.acquire()
        scope.setdefault("state", {})[PINNED] = served
        label = served.version.id.encode() if served.version is not None else None

        async def send_labelled(message: Message) -> None:
            if label and message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (VERSION, label)]}
            await send(message)

        try:
            await self.app(scope, receive, send_labelled)
        finally:
            if self.runtime.release(served):
                from cradle.service.swap import close_later

                close_later(self.runtime, served)
