"""The SPARQL query engine behind ``/sparql``: read-only, deadline-bound, isolated in processes.

:class:`QueryEngine` is the small protocol-level interface the service uses; an engine that
forwards to an external SPARQL server implements the same three calls and reuses
:func:`prepare` (text checks, dataset checks, content negotiation) before sending anything.

:class:`EmbeddedEngine` evaluates with pyoxigraph in a pool of worker processes
(:mod:`cradle.graph.worker`). A query that runs past the deadline has its process killed and
replaced, so it is really stopped; a bounded number of callers may wait for a free worker,
beyond that callers are told the engine is busy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing as mp
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cradle.errors import (
    EngineBusy,
    NotBuilt,
    QueryAborted,
    QueryFailed,
    QuerySyntaxError,
    QueryTimeout,
)
from cradle.graph.formats import Format, formats_for, negotiate
from cradle.graph.guard import CheckedQuery, check_graphs, check_query
from cradle.settings import Settings

STORE_DIR = "store"
GRAPH_MANIFEST = "graph.json"
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class EngineResult:
    """A serialised query result.

    Attributes:
        media_type: its media type (e.g. ``application/sparql-results+json``).
        body: the serialised result.
        rows: solutions (SELECT), triples (CONSTRUCT/DESCRIBE) or 1 (ASK) in ``body``.
        truncated: True when the row cap cut the result short.
        row_cap: the cap that applied.
    """

    media_type: str
    body: bytes
    rows: int
    truncated: bool
    row_cap: int


class QueryEngine(Protocol):
    """What the service needs from a SPARQL engine."""

    capacity: int  # most execute() calls accepted at once; more raise EngineBusy

    def execute(
        self,
        query: str,
        *,
        default_graphs: list[str],
        named_graphs: list[str],
        accept: str | None,
        fmt: str | None = None,
        base_iri: str | None = None,
    ) -> EngineResult:
        """Evaluate a read-only query (blocking; call it off the event loop).

        Args:
            query: SPARQL 1.1 query text.
            default_graphs: protocol ``default-graph-uri`` values.
            named_graphs: protocol ``named-graph-uri`` values.
            accept: the client's Accept header.
            fmt: an explicit ``format=`` value, overriding ``accept``.
            base_iri: base for relative IRIs in the query (the endpoint's URL, say).

        Raises:
            QuerySyntaxError, QueryRefused, UpdateRefused, NotAcceptable: the client's fault.
            QueryTimeout: stopped at the deadline. EngineBusy: too many queries waiting.
            QueryFailed: the engine itself failed.
        """
        ...

    def info(self) -> dict[str, Any]:
        """``engine``, ``source``, ``triples``, ``graphs``, ``graph_sha256`` and limits."""
        ...

    def close(self) -> None:
        """Stop the engine's workers or connections."""
        ...


@dataclass(frozen=True)
class Prepared:
    """A checked request, ready to evaluate: the query, its dataset and its result format."""

    query: CheckedQuery
    default_graphs: list[str]
    named_graphs: list[str]
    format: Format


def prepare(
    query: str,
    *,
    default_graphs: list[str],
    named_graphs: list[str],
    accept: str | None,
    fmt: str | None = None,
    base_iri: str | None = None,
) -> Prepared:
    """Check a request before any evaluation; every engine calls this first.

    Refuses updates, LOAD and SERVICE, file and other non-web graph IRIs, queries nested or
    sized beyond limits, and picks the result format (406 material when none fits).
    Graphs the engine does not hold are left to be treated as empty graphs (never fetched).
    """
    checked = check_query(query, base_iri=base_iri)
    check_graphs(default_graphs, where="default-graph-uri")
    check_graphs(named_graphs, where="named-graph-uri")
    chosen = negotiate(accept, formats_for(checked.form), fmt)
    return Prepared(checked, list(default_graphs), list(named_graphs), chosen)


@dataclass(eq=False)
class _Worker:
    proc: Any
    conn: Any
    info: dict[str, Any] = field(default_factory=dict)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(2)
        self.conn.close()


class EmbeddedEngine:
    """pyoxigraph in worker processes: the built store read-only, or RDF files as named graphs."""

    def __init__(
        self,
        *,
        store_dir: Path | None,
        named: dict[str, Path],
        workers: int,
        timeout: float,
        row_cap: int,
        queue_size: int,
        graph_sha256: str,
    ) -> None:
        self._args = (str(store_dir) if store_dir else None, {k: str(v) for k, v in named.items()})
        self._timeout = timeout
        self._row_cap = row_cap
        self._sha = graph_sha256
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.capacity = workers + queue_size
        self._admit = threading.BoundedSemaphore(self.capacity)
        started = [self._start() for _ in range(workers)]
        try:
            for w in started:
                self._ready(w)
        except Exception:
            self.close()
            raise
        self._info = started[0].info

    def _start(self) -> _Worker:
        parent, child = mp.Pipe()
        args = json.dumps({"fd": child.fileno(), "store": self._args[0], "named": self._args[1]})
        proc = subprocess.Popen(
            [sys.executable, "-m", "cradle.graph.worker", args],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        child.close()
        worker = _Worker(proc, parent)
        with self._lock:
            self._all.add(worker)
        return worker

    def _ready(self, worker: _Worker) -> None:
        try:
            if not worker.conn.poll(START_TIMEOUT):
                raise QueryFailed("a query worker did not start in time")
            kind, payload = worker.conn.recv()
        except (EOFError, OSError):
            worker.kill()
            raise QueryFailed("a query worker stopped while starting") from None
        if kind != "ready":
            worker.kill()
            raise NotBuilt(f"the query engine cannot open the graph: {payload}")
        worker.info = payload
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            if self._closed:
                return

        def restart() -> None:
            try:
                self._ready(self._start())
            except Exception:  # noqa: BLE001 - the pool shrinks; callers then see EngineBusy
                return

        threading.Thread(target=restart, daemon=True, name="cradle-worker-restart").start()

    def execute(
        self,
        query: str,
        *,
        default_graphs: list[str],
        named_graphs: list[str],
        accept: str | None,
        fmt: str | None = None,
        base_iri: str | None = None,
    ) -> EngineResult:
        """Evaluate a query in a worker under the deadline; see :class:`QueryEngine`."""
        from cradle.graph.worker import Job

        prepared = prepare(
            query,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            accept=accept,
            fmt=fmt,
            base_iri=base_iri,
        )
        if not self._admit.acquire(blocking=False):
            raise EngineBusy("too many SPARQL queries are waiting; retry in a few seconds")
        try:
            try:
                worker = self._idle.get(timeout=self._timeout)
            except queue.Empty:
                raise EngineBusy(
                    f"no query worker became free within {self._timeout:g} s; retry later"
                ) from None
            job = Job(
                prepared.query.text,
                prepared.format.name,
                prepared.default_graphs,
                prepared.named_graphs,
                self._row_cap,
                base_iri,
            )
            kind, payload = self._run(worker, job)
        finally:
            self._admit.release()
        if kind == "syntax":
            raise QuerySyntaxError(payload)
        if kind != "ok":
            raise QueryFailed("the query engine failed while evaluating this query")
        body, rows, truncated = payload
        return EngineResult(prepared.format.media_type, body, rows, truncated, self._row_cap)

    def _run(self, worker: _Worker, job: Any) -> tuple[str, Any]:
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self._timeout):
                self._replace(worker)
                raise QueryTimeout(
                    f"the query ran past the {self._timeout:g} s deadline and was stopped; "
                    "add LIMIT, narrow its patterns or avoid cross products"
                )
            reply: tuple[str, Any] = worker.conn.recv()
        except (EOFError, OSError, ValueError):
            self._replace(worker)
            raise QueryAborted(
                "the query used more memory than allowed (or crashed its worker) and was "
                "stopped; add LIMIT or narrow its patterns"
            ) from None
        self._idle.put(worker)
        return reply

    def info(self) -> dict[str, Any]:
        """Engine description for ``/health``."""
        return {
            "engine": "oxigraph-embedded",
            "source": "catalogue" if self._args[0] else "named-graphs",
            "triples": self._info.get("triples", 0),
            "graphs": self._info.get("graphs", []),
            "graph_sha256": self._sha,
            "workers": len(self._all),
            "network_isolated": bool(self._info.get("isolated")),
            "query_timeout": self._timeout,
            "row_cap": self._row_cap,
        }

    def worker_pids(self) -> set[int]:
        """Process ids of the live workers (for tests and benchmarks)."""
        with self._lock:
            return {w.proc.pid for w in self._all}

    def close(self) -> None:
        """Kill every worker process."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.kill()


def open_engine(settings: Settings) -> QueryEngine:
    """The embedded engine over ``settings.named_graphs`` if any, else the external store at
    ``settings.store_url`` if set (:mod:`cradle.graph.remote`), else the built store.

    Raises:
        NotBuilt: no built store in ``settings.data_dir`` (run ``cradle build``), or a named
            graph file is missing or does not parse.
        StoreUnavailable: the external store cannot be reached.
    """
    if settings.store_url and not settings.named_graphs:
        from cradle.graph.remote import open_remote_engine

        return open_remote_engine(settings)
    common: dict[str, Any] = {
        "workers": settings.query_workers,
        "timeout": settings.query_timeout,
        "row_cap": settings.row_cap,
        "queue_size": settings.query_queue,
    }
    if settings.named_graphs:
        digest = hashlib.sha256()
        for iri, path in sorted(settings.named_graphs.items()):
            if not path.is_file():
                raise NotBuilt(f"--graph {iri}={path}: no such file")
            digest.update(iri.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        return EmbeddedEngine(
            store_dir=None, named=settings.named_graphs, graph_sha256=digest.hexdigest(), **common
        )
    store = settings.data_dir / STORE_DIR
    if not store.is_dir():
        raise NotBuilt(f"no graph store in {settings.data_dir}: run `cradle build` first")
    try:
        sha = json.loads((settings.data_dir / GRAPH_MANIFEST).read_text())["graph_sha256"]
    except (OSError, ValueError, KeyError):
        raise NotBuilt(
            f"{settings.data_dir}/{GRAPH_MANIFEST} is missing or unreadable: run `cradle build`"
        ) from None
    return EmbeddedEngine(store_dir=store, named={}, graph_sha256=sha, **common)


def query_once(settings: Settings, query: str, fmt: str) -> EngineResult:
    """Run one query with the service's rules (read-only, deadline, row cap): for the CLI.

    Args:
        settings: where the graph is and the limits.
        query: SPARQL query text.
        fmt: a format name (``json``, ``csv``, ``turtle``, ...) or media type.
    """
    engine = open_engine(settings.model_copy(update={"query_workers": 1}))
    try:
        return engine.execute(query, default_graphs=[], named_graphs=[], accept=None, fmt=fmt)
    finally:
        engine.close()
