"""The embedded engine: pyoxigraph in a pool of worker processes (:mod:`.worker`).

A query that runs past the deadline has its process killed and replaced, so it is really
stopped; a bounded number of callers may wait for a free worker, beyond that callers are told
the engine is busy. A worker that dies (memory limit, crash) is replaced the same way.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cradle.core.errors import (
    EngineBusy,
    NotBuilt,
    QueryAborted,
    QueryCancelled,
    QueryFailed,
    QuerySyntaxError,
    QueryTimeout,
)
from cradle.graph.sparql.engine import EngineResult, prepare

START_TIMEOUT = 60.0
POLL_S = 0.05  # how often a waiting query looks whether its client went away
ABORTED = (
    "the query used more memory than allowed (or crashed its worker) and was stopped; "
    "add LIMIT or narrow its patterns"
)
STALE = "the graph was rebuilt while serving: restart the service to serve the new build"


@dataclass(eq=False)
class _Worker:
    proc: Any
    conn: Any
    info: dict[str, Any] = field(default_factory=dict)
    queries: int = 0

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
        if payload.get("graph_sha256") not in (None, self._sha):
            self._stale = True  # a replacement opened a newer build than the one served
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
        cancel: threading.Event | None = None,
    ) -> EngineResult:
        """Evaluate a query in a worker under the deadline; see :class:`QueryEngine`."""
        from cradle.graph.sparql.worker import Job

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
            worker = self._free_worker(cancel)
            job = Job(
                prepared.query.text,
                prepared.format.name,
                prepared.default_graphs,
                prepared.named_graphs,
                self._row_cap,
                base_iri,
                self._byte_cap,
            )
            kind, payload = self._run(worker, job, cancel)
        finally:
            self._admit.release()
        if kind == "syntax":
            raise QuerySyntaxError(payload)
        if kind == "aborted":
            raise QueryAborted(ABORTED)
        if kind != "ok":
            raise QueryFailed("the query engine failed while evaluating this query")
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

    def _free_worker(self, cancel: threading.Event | None) -> _Worker:
        give_up = time.monotonic() + self._timeout
        while True:
            try:
                return self._idle.get(timeout=POLL_S)
            except queue.Empty:
                pass
            if cancel is not None and cancel.is_set():
                raise QueryCancelled("the client went away before a worker was free")
            if time.monotonic() >= give_up:
                raise EngineBusy(
                    f"no query worker became free within {self._timeout:g} s; retry later"
                )

    def _run(self, worker: _Worker, job: Any, cancel: threading.Event | None) -> tuple[str, Any]:
        try:
            worker.conn.send(job)
            deadline = time.monotonic() + self._timeout
            while not worker.conn.poll(POLL_S):
                if cancel is not None and cancel.is_set():
                    self._replace(worker)
                    self.cancelled += 1
                    raise QueryCancelled("the client went away; the query was stopped")
                if time.monotonic() >= deadline:
                    self._replace(worker)
                    raise QueryTimeout(
                        f"the query ran past the {self._timeout:g} s deadline and was stopped; "
                        "add LIMIT, narrow its patterns or avoid cross products"
                    )
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
