"""Several server processes on one port (``cradle serve --workers N``).

One Python process runs search's own code on one core at a time (the GIL), so on a 2-core
machine a single server cannot use both cores for search. The parent binds the listening socket,
then forks N workers that each load the app and accept from that socket (the kernel spreads the
connections); it restarts a worker that dies, stops them all on SIGTERM or SIGINT, and passes
SIGHUP on (each worker then looks for a newly published version at once). The
parent loads nothing and starts no thread before forking, so forking is safe.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from types import FrameType

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("cradle.service")

#: A worker's exit status when it could not start (uvicorn's own): stop, do not loop.
STARTUP_FAILURE = 3
#: A worker restarted this soon after its last start waits a little first (no busy loop).
RESPAWN_PAUSE_S = 1.0


def bind(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` that forked children inherit.

    Raises:
        OSError: the address is in use or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # TCP named: asyncio sets TCP_NODELAY only on connections of a socket whose protocol is
    # TCP, and an answer written in two pieces (head, body) then waited for the client's
    # delayed acknowledgement on every kept-alive request (bench/findings.md, ninth session)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _tell(pids: Iterable[int], signum: int) -> None:
    """Send a signal to each of ``pids`` still running."""
    for pid in list(pids):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def supervise(count: int, work: Callable[[int], int]) -> int:
    """Run ``work`` in ``count`` forked processes until SIGTERM/SIGINT; restart any that exits.

    Args:
        count: how many worker processes.
        work: what each worker runs, given its slot (0 to ``count - 1``; a replacement takes
            the slot of the worker it replaces). It returns the worker's exit status when the
            worker should exit, :data:`STARTUP_FAILURE` when it could not start (so would never
            start): then every worker is stopped instead of restarted. An exception out of it
            counts as that.

    Returns:
        The exit status: 0 after a requested stop, 1 when a worker failed to start.
    """
    children: dict[int, tuple[float, int]] = {}
    state = {"stopping": False, "status": 0}

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: default signal handling, run, never return to the caller
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)  # until the app watches for it
            status = STARTUP_FAILURE
            try:
                status = work(slot)
            except BaseException:  # noqa: BLE001 - report and exit, whatever it was
                traceback.print_exc()
            finally:
                for stream in (sys.stdout, sys.stderr):
                    stream.flush()
                os._exit(status)
        children[pid] = (time.monotonic(), slot)

    def stop_all(signum: int = signal.SIGTERM, frame: FrameType | None = None) -> None:
        state["stopping"] = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def look_again(signum: int = signal.SIGHUP, frame: FrameType | None = None) -> None:
        _tell(children, signal.SIGHUP)  # each worker then looks for a new version at once

    previous = {s: signal.signal(s, stop_all) for s in (signal.SIGTERM, signal.SIGINT)}
    previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, look_again)
    try:
        for slot in range(count):
            spawn(slot)
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            child = children.pop(pid, None)
            if child is None or state["stopping"]:
                continue
            started, slot = child
            code = os.waitstatus_to_exitcode(status)
            if code == STARTUP_FAILURE:
                log.error("server worker %d could not start: stopping", pid)
                state["status"] = 1
                stop_all()
            else:
                log.warning("server worker %d exited (%d): starting another", pid, code)
                if time.monotonic() - started < RESPAWN_PAUSE_S:
                    time.sleep(RESPAWN_PAUSE_S)
                spawn(slot)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return state["status"]


class ConnectionShare:
    """How many connections each worker holds, in memory the forked workers share.

    The kernel hands a new connection to whichever worker accepts first, and a kept-alive
    connection stays where it landed, so shares come out uneven and the clients of the fuller
    worker wait longer (bench/findings.md). A worker holding more than its fair share after a
    response closes that connection (``Connection: close``); the client reconnects, and the
    shares even out.
    """

    def __init__(self, workers: int) -> None:
        """Counters for ``workers`` workers (make it before forking them)."""
        self._held = multiprocessing.get_context("fork").RawArray("i", workers)

    def over(self, slot: int, held: int) -> bool:
        """Record that worker ``slot`` holds ``held`` connections; whether that is more than
        its fair share (all connections held, divided among the workers, rounded up)."""
        self._held[slot] = held
        total = sum(self._held)
        return held > -(-total // len(self._held))


class FairShare:
    """ASGI middleware closing a connection after its response when this worker holds more
    than its share of the open connections (see :class:`ConnectionShare`).

    ``held()`` counts this worker's open connections exactly (the server's own set). Counting
    only recently active ones instead made closed connections linger in the count, and the
    workers chased connections back and forth until one held them all.
    """

    def __init__(
        self, app: ASGIApp, share: ConnectionShare, slot: int, held: Callable[[], int]
    ) -> None:
        """Wrap ``app`` for worker ``slot``."""
        self.app, self.share, self.slot, self.held = app, share, slot, held

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; ask for the connection to close when over the share."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_fairly(message: Message) -> None:
            if message["type"] == "http.response.start" and self.share.over(self.slot, self.held()):
                headers = [(n, v) for n, v in message.get("headers", []) if n != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, send_fairly)
