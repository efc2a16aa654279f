"""The embedded engine: pyoxigraph in a pool of worker processes (:mod:`.worker`).

A query that runs past the deadline has its process killed and replaced, so it is really
stopped; a bounded number of callers may wait for a free worker, beyond that callers are told
the engine is busy. A worker that dies (memory limit, crash) is replaced the same way.

The worker also parses the query (:func:`cradle.graph.sparql.guard.check_structure`) under the
same deadline; texts that passed are remembered by digest (:class:`PassedChecks`, bounded in
bytes) so that a dashboard's repeated queries are not parsed again.
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
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cradle.core.errors import (
    EngineBusy,
    NotBuilt,
    QueryAborted,
    QueryCancelled,
    QueryFailed,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    UpdateRefused,
)
from cradle.graph.sparql.engine import EngineResult, Prepared, prepare

START_TIMEOUT = 60.0
POLL_S = 0.05  # how often a waiting query looks whether its client went away
ABORTED = (
    "the query used more memory than allowed (or crashed its worker) and was stopped; "
    "add LIMIT or narrow its patterns"
)
STALE = "the graph was rebuilt while serving: restart the service to serve the new build"
CHECK_CACHE_BYTES = 4 * 1024 * 1024  # digests and FROM graphs of passed queries, never texts
ENTRY_BYTES = 200  # what one remembered digest costs besides its graphs' text
REFUSALS = {"syntax": QuerySyntaxError, "refused": QueryRefused, "update": UpdateRefused}
Checked = tuple[str, list[str], int]  # form, FROM graphs, patterns


class PassedChecks:
    """Queries whose structure passed the checks, by digest of text and base IRI, the most
    recently used kept while their size stays within ``budget`` bytes (thread-safe)."""

    def __init__(self, budget: int = CHECK_CACHE_BYTES) -> None:
        """An empty memory of at most ``budget`` bytes."""
        self._budget = budget
        self._size = 0
        self._items: OrderedDict[bytes, tuple[Checked, int]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(text: str, base_iri: str | None) -> bytes:
        """The digest a query is remembered by."""
        return hashlib.sha256(f"{base_iri or ''}\0{text}".encode()).digest()

    def get(self, key: bytes) -> Checked | None:
        """What a passed query's check found, or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def add(self, key: bytes, checked: Checked) -> None:
        """Remember a passed query, forgetting the least recently used beyond the budget."""
        size = ENTRY_BYTES + sum(len(g) for g in checked[1])
        if size > self._budget:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (checked, size)
            self._size += size
            while self._size > self._budget:
                _, (_, dropped) = self._items.popitem(last=False)
                self._size -= dropped

    @property
    def size(self) -> int:
        """Bytes remembered now."""
        return self._size


@dataclass(eq=False)
class _Worker:
    proc: Any
    conn: Any
    info: dict[str, Any] = field(default_factory=dict)
    queries: int = 0
    _killing: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def kill(self) -> None:
        """Kill the process and close its pipe, once: the engine's close() and a restart that
        gave up on the same worker may both call it (a pipe closed twice would close whatever
        file took its number meanwhile)."""
        with self._killing:
            if self.proc.poll() is None:
                self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(2)
            if not self.conn.closed:
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
        byte_cap: int = 8 * 1024 * 1024,
        max_memory: int = 512 * 1024 * 1024,
        max_queries: int = 0,
    ) -> None:
        self._args = (str(store_dir) if store_dir else None, {k: str(v) for k, v in named.items()})
        self._timeout = timeout
        self._row_cap = row_cap
        self._byte_cap = byte_cap
        self._max_memory = max_memory
        self._max_queries = max_queries
        self.recycled = 0  # workers replaced for their memory or their query count
        self.cancelled = 0  # queries stopped because their client went away
        self._sha = graph_sha256
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._stale = False
        self.passed = PassedChecks()
        self.workers = workers
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
            [sys.executable, "-m", "cradle.graph.sparql.worker", args],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        child.close()
        worker = _Worker(proc, parent)
        with self._lock:
            closed = self._closed
            if not closed:
                self._all.add(worker)
        if closed:  # a restart that ran into close(): the new process must not outlive it
            worker.kill()
            raise QueryFailed("the query engine was closed")
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
        if payload.get("graph_sha256") not in (None, self._sha):
            self._stale = True  # a replacement opened a newer build than the one served
        self._idle.put(worker)

    def _replace(self, worker: _Worker, wait: bool = False) -> None:
        """Kill ``worker`` and start another in its place: in the background, or, with ``wait``,
        in the calling thread before it returns (so that whoever caused the replacement, a
        client that went away, holds its share of queries until the new worker is ready and
        cannot have workers restarted faster than they start)."""
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

        if wait:
            restart()
        else:
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
        cancel: threading.Event | None = None,
        deadline: float | None = None,
    ) -> EngineResult:
        """Check and evaluate a query in a worker under the deadline; see :class:`QueryEngine`."""
        prepared = prepare(
            query,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            accept=accept,
            fmt=fmt,
            base_iri=base_iri,
        )
        kind, payload = self._job(prepared, base_iri, cancel, deadline, run=True)
        body, rows, cut = payload
        return EngineResult(
            prepared.format.media_type,
            body,
            rows,
            bool(cut),
            self._row_cap,
            self._byte_cap,
            cut or "rows",
        )

    def check(
        self,
        prepared: Prepared,
        base_iri: str | None,
        cancel: threading.Event | None = None,
        deadline: float | None = None,
    ) -> Checked:
        """Parse and walk a prepared query in a worker, under the deadline, without running it
        (for an external store): its form, ``FROM`` graphs and pattern count.

        Raises:
            The errors of :meth:`execute`.
        """
        return self._job(prepared, base_iri, cancel, deadline, run=False)[1]  # type: ignore[no-any-return]

    def _job(
        self,
        prepared: Prepared,
        base_iri: str | None,
        cancel: threading.Event | None,
        deadline: float | None,
        *,
        run: bool,
    ) -> tuple[str, Any]:
        from cradle.graph.sparql.worker import Job

        key = self.passed.key(prepared.text, base_iri) + (b"run" if run else b"")
        known = self.passed.get(key)
        if known is not None and not run:
            return "checked", known
        if not self._admit.acquire(blocking=False):
            raise EngineBusy("too many SPARQL queries are waiting; retry in a few seconds")
        try:
            stop = time.monotonic() + self._timeout
            stop = stop if deadline is None else min(stop, deadline)
            worker = self._free_worker(cancel, stop)
            job = Job(
                prepared.text,
                prepared.format.name,
                prepared.default_graphs,
                prepared.named_graphs,
                self._row_cap,
                base_iri,
                self._byte_cap,
                check=known is None,
                run=run,
            )
            kind, payload = self._run(worker, job, cancel, stop)
        finally:
            self._admit.release()
        if kind in REFUSALS:
            raise REFUSALS[kind](payload)
        if kind == "aborted":
            raise QueryAborted(ABORTED)
        if kind not in ("ok", "checked"):
            raise QueryFailed("the query engine failed while evaluating this query")
        if kind == "checked":
            self.passed.add(key, payload)
        elif known is None:
            self.passed.add(key, (prepared.form, [], 0))
        return kind, payload

    def _free_worker(self, cancel: threading.Event | None, give_up: float) -> _Worker:
        while True:
            try:
                return self._idle.get(timeout=POLL_S)
            except queue.Empty:
                pass
            if cancel is not None and cancel.is_set():
                raise QueryCancelled("the client went away before a worker was free")
            if time.monotonic() >= give_up:
                raise EngineBusy("no query worker became free before the deadline; retry later")

    def _run(
        self, worker: _Worker, job: Any, cancel: threading.Event | None, deadline: float
    ) -> tuple[str, Any]:
        try:
            worker.conn.send(job)
            while not worker.conn.poll(POLL_S):
                if cancel is not None and cancel.is_set():
                    self._replace(worker, wait=True)  # the request's share held meanwhile
                    self.cancelled += 1
                    raise QueryCancelled("the client went away; the query was stopped")
                if time.monotonic() >= deadline:
                    self._replace(worker)
                    raise QueryTimeout.after(self._timeout)
            kind, payload, resident = worker.conn.recv()
        except (EOFError, OSError, ValueError):
            self._replace(worker)
            raise QueryAborted(ABORTED) from None
        worker.queries += 1
        if resident > self._max_memory or 0 < self._max_queries <= worker.queries:
            self.recycled += 1
            self._replace(worker)  # what a bad query made it hold goes with it
        else:
            self._idle.put(worker)
        return kind, payload

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
            "max_result_bytes": self._byte_cap,
            "workers_recycled": self.recycled,
            "queries_cancelled": self.cancelled,
            "stale": self._stale,
            **({"problem": STALE} if self._stale else {}),
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
