"""Searches of one version in a process of their own, beside a server process.

A server's event loop and a search on one of its threads take turns at the interpreter lock,
and each turn costs the search as well as the loop (bench/findings.md, "Search at 10k against
round one, fourth pass"). Here the searches run in a child process with its own interpreter: it
opens the version's index with the server's settings (:func:`open_searcher`) and answers one
search at a time over a pipe; the server's search thread only sends the question and reads the
typed answer back. A search that outlives :data:`DEADLINE` is killed with its process, and the
next search starts a new one.

The child is ``python -m cradle.index.process FD``, as the SPARQL workers are
(:mod:`cradle.graph.sparql.embedded`): a plain interpreter, not a fork of the server.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any

from cradle.core.datadir import Version
from cradle.core.errors import CradleError, SearchStopped
from cradle.core.settings import Settings
from cradle.index.hit import SearchResponse

__all__ = ["DEADLINE", "START_TIMEOUT", "SearchProcess"]

log = logging.getLogger("cradle.search")

#: Seconds a search may take in the child before the child is killed. Far above any search
#: measured (bench/RESULTS.md), so only a stuck process reaches it.
DEADLINE = 30.0
#: Seconds the child may take to open the index and load the model.
START_TIMEOUT = 600.0
#: The question the child searches once when it starts (the model loads then, not on the
#: first request).
WARM_UP = "safe sleep"


class SearchProcess:
    """One version's searches, in a child process; safe to call from several threads (one
    search at a time goes to the child)."""

    def __init__(self, version: Version, settings: Settings) -> None:
        """Start the child and wait until it has opened the index and searched once.

        Raises:
            CradleError: what opening the index raised in the child (``NotBuilt``,
                ``StaleIndex``, ``ModelNotFound``, ...).
            SearchStopped: the child stopped, or did not start in :data:`START_TIMEOUT`.
        """
        self.version, self.settings = version, settings
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._start()

    @property
    def pid(self) -> int | None:
        """The child's process id (None between a stop and the next search)."""
        return self._proc.pid if self._proc is not None else None

    def info(self) -> dict[str, Any]:
        """:meth:`cradle.index.search.Searcher.info` of the child's searcher (how it embeds
        queries, among others), as of its last start."""
        return dict(self._info)

    def _start(self) -> None:
        parent, child = mp.Pipe()
        proc = subprocess.Popen(
            [sys.executable, "-m", "cradle.index.process", str(child.fileno())],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        child.close()
        self._proc, self._conn = proc, parent
        try:
            parent.send((self.version, self.settings))
            kind, payload = self._reply(START_TIMEOUT)
        except BaseException:
            self._stop()
            raise
        if kind != "ready":
            self._stop()
            raise payload
        self._info: dict[str, Any] = payload

    def _reply(self, timeout: float) -> tuple[str, Any]:
        """The child's next message, or :class:`SearchStopped` (the child is then stopped)."""
        assert self._conn is not None
        try:
            if not self._conn.poll(timeout):
                self._stop(kill=True)
                raise SearchStopped("Search took too long and was stopped: retry in a moment.")
            found: tuple[str, Any] = self._conn.recv()
            return found
        except (EOFError, OSError):
            self._stop()
            raise SearchStopped("Search stopped while answering: retry in a moment.") from None

    def search_filtered(
        self,
        query: str,
        k: int = 10,
        filters: Mapping[str, str | None] | None = None,
        national: bool = True,
        exact: bool = False,
    ) -> SearchResponse:
        """:meth:`cradle.index.search.Searcher.search_filtered`, answered by the child.

        Raises:
            InvalidSearch: as the searcher raises it.
            SearchStopped: the child stopped or passed :data:`DEADLINE` (it is killed; the next
                search starts a new one).
        """
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:  # stopped, or ended idle
                self._stop()
                self._start()
            assert self._conn is not None
            try:
                self._conn.send((query, k, dict(filters or {}), national, exact))
            except OSError:
                self._stop()
                raise SearchStopped("Search stopped while answering: retry in a moment.") from None
            kind, payload = self._reply(DEADLINE)
        if kind == "ok":
            answer: SearchResponse = payload
            return answer
        raise payload

    def _stop(self, kill: bool = False) -> None:
        """End the child: at once (``kill``), or by closing its pipe, which it reads as the
        end of its work (killed if it has not ended in 2 s)."""
        conn, proc = self._conn, self._proc
        self._conn = self._proc = None
        if proc is not None and kill:
            proc.kill()
        if conn is not None:
            conn.close()
        if proc is not None:
            try:
                proc.wait(2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def close(self) -> None:
        """Stop the child (it finishes the search it is on, if any, first)."""
        with self._lock:
            self._stop()


def _failure(exc: BaseException) -> Exception:
    """What the parent raises for ``exc`` in the child: a domain error as it is; anything else
    (a fault, logged in the child) as a ``RuntimeError`` naming only its type, which the
    service answers as any fault (500, nothing of it echoed)."""
    if isinstance(exc, CradleError):
        return exc
    return RuntimeError(f"search failed in its process: {type(exc).__name__}")


def serve(conn: Connection) -> None:
    """The child's work: open the index the parent names, then answer searches until the pipe
    closes."""
    from cradle.index.search import open_searcher

    version, settings = conn.recv()
    try:
        searcher = open_searcher(version, settings)
        searcher.search(WARM_UP, k=1)
    except Exception as exc:  # noqa: BLE001 - the parent raises it (or says what it was)
        if not isinstance(exc, CradleError):
            log.exception("the search index could not be opened")
        conn.send(("failed", _failure(exc)))
        return
    conn.send(("ready", searcher.info()))
    while True:
        try:
            query, k, filters, national, exact = conn.recv()
        except (EOFError, OSError):  # the parent closed the pipe: stop
            return
        try:
            reply = ("ok", searcher.search_filtered(query, k, filters, national, exact=exact))
        except Exception as exc:  # noqa: BLE001 - the parent raises it
            if not isinstance(exc, CradleError):
                log.exception("search failed")
            reply = ("error", _failure(exc))
        try:
            conn.send(reply)
        except OSError:  # the parent stopped waiting (its deadline) or ended
            return


def main(argv: list[str]) -> None:
    """``python -m cradle.index.process FD``: serve searches over the pipe whose end is FD."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops it (Ctrl-C reaches both)
    conn = Connection(int(argv[1]))
    with contextlib.closing(conn):
        serve(conn)


if __name__ == "__main__":
    main(sys.argv)
