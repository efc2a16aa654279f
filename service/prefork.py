"""Several server processes on one port (``cradle serve --workers N``).

One Python process runs search's own code on one core at a time (the GIL), so on a 2-core
machine a single server cannot use both cores for search. The parent binds the listening socket,
then forks N workers that each load the app and accept from that socket (the kernel spreads the
connections); it restarts a worker that dies, and stops them all on SIGTERM or SIGINT. The
parent loads nothing and starts no thread before forking, so forking is safe.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from types import FrameType

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
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def supervise(count: int, work: Callable[[], int]) -> int:
    """Run ``work`` in ``count`` forked processes until SIGTERM/SIGINT; restart any that exits.

    Args:
        count: how many worker processes.
        work: what each worker runs; it returns the worker's exit status when the worker should
            exit, :data:`STARTUP_FAILURE` when it could not start (so would never start): then
            every worker is stopped instead of restarted. An exception out of it counts as that.

    Returns:
        The exit status: 0 after a requested stop, 1 when a worker failed to start.
    """
    children: dict[int, float] = {}
    state = {"stopping": False, "status": 0}

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # the worker: default signal handling, run, never return to the caller
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            status = STARTUP_FAILURE
            try:
                status = work()
            except BaseException:  # noqa: BLE001 - report and exit, whatever it was
                traceback.print_exc()
            finally:
                for stream in (sys.stdout, sys.stderr):
                    stream.flush()
                os._exit(status)
        children[pid] = time.monotonic()

    def stop_all(signum: int = signal.SIGTERM, frame: FrameType | None = None) -> None:
        state["stopping"] = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop_all) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        for _ in range(count):
            spawn()
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            started = children.pop(pid, None)
            if started is None or state["stopping"]:
                continue
            code = os.waitstatus_to_exitcode(status)
            if code == STARTUP_FAILURE:
                log.error("server worker %d could not start: stopping", pid)
                state["status"] = 1
                stop_all()
            else:
                log.warning("server worker %d exited (%d): starting another", pid, code)
                if time.monotonic() - started < RESPAWN_PAUSE_S:
                    time.sleep(RESPAWN_PAUSE_S)
                spawn()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return state["status"]
