"""Searches of one version in a process of their own, beside a server process.

A server's event loop and a search on one of its threads take turns at the interpreter lock,
and each turn costs the search as well as the loop (bench/findings.md, "Search at 10k against
round one, fourth pass"). Here the searches run in a child process with its own interpreter: it
opens the version's index with the server's settings (:func:`open_searcher`) and answers the
searches sent to it one at a time, over a pipe. The server only sends a question and reads the
typed answer back, on a thread of this module, and the next question waits in the pipe while
the child answers one, so the child never waits for the server. Questions waiting to be sent
are taken one client at a time, in turns (:class:`_TakeTurns`): a client that sends many at
once waits for its own, not everyone else.

A search the child has worked on for :data:`DEADLINE` is stopped with the child (it and the
one sent behind it get :class:`SearchStopped`; the searches still waiting in the server go to a
new child); a child that ended, for any reason, is replaced while the next searches wait.

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
import time
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from cradle.core.datadir import Version
from cradle.core.errors import CradleError, SearchStopped
from cradle.core.settings import Settings
from cradle.index.hit import SearchResponse

__all__ = ["DEADLINE", "IN_FLIGHT", "START_TIMEOUT", "SearchProcess"]

log = logging.getLogger("cradle.search")

#: Seconds the child may work on one search before it is stopped. Far above any search
#: measured (bench/RESULTS.md), so only a stuck process reaches it.
DEADLINE = 30.0
#: Searches sent to the child and not answered yet, at most: one it works on and the next,
#: waiting in the pipe. The rest wait in the server, so a flood of questions never fills the
#: pipe (a full pipe would stop the event loop that writes to it).
IN_FLIGHT = 2
#: Seconds the child may take to open the index and load the model.
START_TIMEOUT = 600.0

_TOO_LONG = "Search took too long and was stopped: retry in a moment."
_STOPPED = "Search stopped while answering: retry in a moment."


@dataclass(eq=False)
class _Child:
    """One child process: its pipe, and the searches sent to it not answered yet (in order)."""

    proc: subprocess.Popen[bytes]
    conn: Connection
    info: dict[str, Any]
    sent: deque[tuple[Future[SearchResponse], float]] = field(default_factory=deque)
    ended: bool = False


def _spawn(version: Version, settings: Settings) -> _Child:
    """Start a child, have it open ``version``'s index and wait until it is ready.

    Raises:
        CradleError: what opening the index raised in the child.
        SearchStopped: the child ended, or did not start in :data:`START_TIMEOUT`.
    """
    parent, end = mp.Pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cradle.index.process", str(end.fileno())],
        pass_fds=(end.fileno(),),
        stdin=subprocess.DEVNULL,
    )
    end.close()
    try:
        parent.send((version, settings))
        if not parent.poll(START_TIMEOUT):
            raise SearchStopped("The search process did not start in time.")
        kind, payload = parent.recv()
        if kind != "ready":
            raise payload
    except BaseException as exc:
        _end(proc, parent)
        if isinstance(exc, EOFError | OSError):
            raise SearchStopped("The search process stopped while starting.") from None
        raise
    return _Child(proc, parent, payload)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a child now (it holds nothing to save) and reap it."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def _end(proc: subprocess.Popen[bytes], conn: Connection) -> None:
    """:func:`_stop` a child and close its pipe (only where nothing else reads the pipe: a
    closed descriptor's number may be reused while another thread still polls it)."""
    _stop(proc)
    conn.close()


_Queued = tuple[Future[SearchResponse], tuple[Any, ...]]


class _TakeTurns:
    """Searches waiting to be sent, taken one client at a time in turn: a client's questions
    wait behind each other, never in front of another client's (one client with many
    connections cannot make everyone else wait)."""

    def __init__(self) -> None:
        #: client -> its waiting searches; the dict's order is the order of turns
        self._by: dict[str, deque[_Queued]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, client: str, item: _Queued) -> None:
        """Queue ``item`` behind ``client``'s other waiting searches."""
        self._by.setdefault(client, deque()).append(item)
        self._count += 1

    def popleft(self) -> _Queued:
        """The next search: the oldest of the client whose turn it is (that client's turn then
        goes to the back)."""
        client = next(iter(self._by))
        waiting = self._by.pop(client)
        item = waiting.popleft()
        if waiting:
            self._by[client] = waiting
        self._count -= 1
        return item

    def take_all(self) -> list[_Queued]:
        """Every waiting search, now no longer waiting."""
        out = [item for waiting in self._by.values() for item in waiting]
        self._by.clear()
        self._count = 0
        return out


class SearchProcess:
    """One version's searches, in a child process; :meth:`submit` may be called from any
    thread (the event loop included: it never waits for the child, nor for the pipe)."""

    def __init__(self, version: Version, settings: Settings) -> None:
        """Start the child and wait until it has opened the index and searched once.

        Raises:
            CradleError: what opening the index raised in the child (``NotBuilt``,
                ``StaleIndex``, ``ModelNotFound``, ...).
            SearchStopped: the child stopped, or did not start in :data:`START_TIMEOUT`.
        """
        self.version, self.settings = version, settings
        self._lock = threading.Lock()
        #: searches not sent to a child yet, in turns per client
        self._queue = _TakeTurns()
        self._starting = False
        self._closed = False
        self._child: _Child | None = None
        first = _spawn(version, settings)
        self._info = first.info
        self._adopt(first)

    @property
    def pid(self) -> int | None:
        """The child's process id (None while there is none)."""
        child = self._child
        return child.proc.pid if child is not None else None

    def info(self) -> dict[str, Any]:
        """:meth:`cradle.index.search.Searcher.info` of the child's searcher (how it embeds
        queries, among others), as of its first start."""
        return dict(self._info)

    def submit(
        self,
        query: str,
        k: int = 10,
        filters: Mapping[str, str | None] | None = None,
        national: bool = True,
        exact: bool = False,
        client: str = "",
    ) -> Future[SearchResponse]:
        """Queue a search for the child (:meth:`Searcher.search_filtered`'s arguments), in
        ``client``'s turn (its address: clients' searches are sent in turns); never waits. A
        child that ended is replaced first, in the background.

        Returns:
            The answer to come (``.result()`` waits for it); it raises ``InvalidSearch`` as
            the searcher does, or :class:`SearchStopped` when the child stopped or passed
            :data:`DEADLINE`.
        """
        future: Future[SearchResponse] = Future()
        # running from the start: it is settled only here, never cancelled (an asyncio task
        # awaiting it may be; its answer is then dropped)
        future.set_running_or_notify_cancel()
        with self._lock:
            if self._closed:
                future.set_exception(SearchStopped(_STOPPED))
                return future
            request = (query, k, dict(filters or {}), national, exact)
            self._queue.append(client, (future, request))
            self._pump()
        return future

    def drop(self, future: Future[SearchResponse], why: Exception) -> None:
        """Give up a search :meth:`submit` queued (its client went away): settled now with
        ``why``, it is never sent to the child if it has not been yet (one already sent is
        answered and its answer dropped)."""
        _settle(future, why, ok=False)

    def _pump(self) -> None:
        """Send queued searches while the child has fewer than :data:`IN_FLIGHT`; with no
        live child, start one in the background (the lock held)."""
        child = self._child
        if child is None or child.ended or child.proc.poll() is not None:
            if self._queue and not self._starting and not self._closed:
                self._starting = True
                threading.Thread(
                    target=self._restart, name="cradle-search-start", daemon=True
                ).start()
            return
        while self._queue and len(child.sent) < IN_FLIGHT:
            future, request = self._queue.popleft()
            if future.done():  # dropped while it waited (its client went away): never sent
                continue
            child.sent.append((future, time.monotonic()))
            try:
                child.conn.send(request)
            except OSError:  # it ended: its reader fails what it was sent
                child.ended = True
                return

    def _adopt(self, child: _Child) -> None:
        """Serve with ``child`` from now on, and read its answers on a thread of their own."""
        with self._lock:
            self._child = child
            self._pump()
        threading.Thread(
            target=self._read, args=(child,), name="cradle-search-answers", daemon=True
        ).start()

    def _restart(self) -> None:
        """Start a new child for the queued searches (or fail them with what went wrong)."""
        try:
            child = _spawn(self.version, self.settings)
        except Exception as exc:  # noqa: BLE001 - the searches that waited raise it
            with self._lock:
                failed, self._starting = self._queue.take_all(), False
            for future, _ in failed:
                _settle(future, exc, ok=False)
            return
        with self._lock:
            self._starting = False
            closed = self._closed
        if closed:
            _end(child.proc, child.conn)
            return
        self._adopt(child)

    def _read(self, child: _Child) -> None:
        """Hand each of ``child``'s answers to its search, in order, sending it the next queued
        one; when it ends or passes the deadline, stop it and fail what it was sent."""
        why, answered_at = _STOPPED, time.monotonic()
        while True:
            with self._lock:
                head = child.sent[0] if child.sent else None
            timeout = 1.0  # idle: look again for a child that ended meanwhile
            if head is not None:
                timeout = DEADLINE - (time.monotonic() - max(head[1], answered_at))
                if timeout <= 0:
                    why = _TOO_LONG
                    break
            try:
                if not child.conn.poll(min(timeout, 1.0)):
                    if child.ended or child.proc.poll() is not None:
                        break
                    continue
                kind, payload = child.conn.recv()
            except (EOFError, OSError):
                break
            answered_at = time.monotonic()
            with self._lock:
                future, _ = child.sent.popleft()
                if self._child is child:
                    self._pump()
            _settle(future, payload, ok=kind == "ok")
        with self._lock:
            child.ended = True
            lost = list(child.sent)
            child.sent.clear()
            if self._child is child:
                self._child = None
                self._pump()  # what is still queued waits for a new child
        _end(child.proc, child.conn)
        for future, _ in lost:
            _settle(future, SearchStopped(why), ok=False)

    def close(self) -> None:
        """Stop the child; what it was sent, and what is queued, gets :class:`SearchStopped`."""
        with self._lock:
            self._closed = True
            child, self._child = self._child, None
            queued = self._queue.take_all()
            if child is not None:
                child.ended = True
        for future, _ in queued:
            _settle(future, SearchStopped(_STOPPED), ok=False)
        if child is not None:
            _stop(child.proc)  # its reader sees the pipe end, fails the rest, closes the pipe


def _settle(future: Future[SearchResponse], outcome: Any, *, ok: bool) -> None:
    """Settle ``future`` with ``outcome`` (an answer, or an error when not ``ok``) unless it is
    settled already (a search dropped by its caller)."""
    with contextlib.suppress(InvalidStateError):
        if ok:
            future.set_result(outcome)
        else:
            future.set_exception(outcome)


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
    from cradle.index.search import WARM_UP, open_searcher

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
