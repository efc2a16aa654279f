"""One client's requests, a few at a time: each address has ``CRADLE_REQUESTS_PER_CLIENT``
requests handled at once by a server process; the rest wait their turn, holding only their
connection (at most ``CRADLE_CONNECTIONS_PER_CLIENT``).

A page is rendered on a thread of the server process, and threads take turns at the
interpreter lock with the event loop and with each other: fifty pages of one client at once
slowed every other client's answers (bench/findings.md, "Hostile requests, third round"). With
turns, one client's flood costs the others what this many requests cost, however many
connections it opens.

A turn bounds how many requests of a client run at once, not how much of the event loop they
take: a request that never waits (a 404, a small page) runs from start to end in one step of
the loop, so one client's hundred connections each had a request answered in every turn of
the loop, and another client's every step waited behind them all (bench/findings.md, "Hostile
rounds 7 and 8 follow-ups", F4). So a client also starts at most one request per turn of the
loop: the next of its requests starts in the next turn, after whatever else was ready, however
many connections it uses. An idle loop turns in microseconds, so a lone client's page and its
assets do not notice.

A request whose connection closes while it waits (for a turn, or to start) gives up its
place: the protocol (:mod:`cradle.service.timeouts`) sets its
:class:`~cradle.service.gone.Gone` (under another server, or in the test client, there is none,
and a waiting request keeps its place). Before, such requests still waited and then ran, so a
client that opened connections, sent a request on each and closed them queued hundreds, each
holding its parsed head, until the server's concurrency limit answered every client 503
(hostile round 9, F1).

The protocol learns that a connection closed only while it reads, and it stops reading while a
request waits pipelined behind another; such requests still run. So a client connected itself
has at most ``CRADLE_CONNECTIONS_PER_CLIENT`` requests here, handled or waiting (one per
connection it may hold): the next is answered 503 at once. A client a trusted proxy names holds
none of the connections, and is not capped so (its requests wait their turn).

A trusted proxy whose request names no client is not one client, and is not limited here
(limit it in the proxy).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from cradle.service.deps import client_address
from cradle.service.gone import GONE, Gone
from cradle.service.runtime import Runtime


class _Client:
    """One client's requests here: its free turns, those waiting for one, how many are here
    (handled or waiting), and those waiting to start in a later turn of the event loop."""

    __slots__ = ("free", "here", "queued", "starting", "waiting")

    def __init__(self, limit: int) -> None:
        self.free = limit
        self.queued: deque[asyncio.Future[bool]] = deque()  # waiting for a turn
        self.here = 0
        self.starting = False  # one of its requests started in this turn of the loop
        self.waiting: deque[asyncio.Future[bool]] = deque()  # waiting to start


async def _wait(
    queue: deque[asyncio.Future[bool]],
    gone: Gone | None,
    hand_back: Callable[[], None] | None = None,
) -> bool:
    """Wait in ``queue``: True when called, False when the connection closed first (then, or
    when cancelled, the request leaves the queue: it holds live requests only, at most a
    client's connections). A request cancelled just after it was called calls ``hand_back``
    (a turn it will not use)."""
    turn: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    queue.append(turn)

    def leave() -> None:
        with contextlib.suppress(ValueError):
            queue.remove(turn)

    if gone is not None:

        def closed() -> None:
            if not turn.done():
                turn.set_result(False)
                leave()

        gone.on_set(closed)
    try:
        return await turn
    except asyncio.CancelledError:
        if turn.done() and not turn.cancelled() and turn.result():
            if hand_back is not None:
                hand_back()
        else:
            leave()
        raise


_TOO_MANY = b"your address has too many requests waiting at this server; retry in a few seconds\n"


async def _too_many(send: Send) -> None:
    """503 for a request over its client's share of waiting requests (plain: it is cheap)."""
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"retry-after", b"2"),
        (b"content-length", str(len(_TOO_MANY)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": _TOO_MANY})


class ClientTurns:
    """ASGI middleware: at most ``settings.requests_per_client`` requests of one client at once,
    and at most one of them starting in a turn of the event loop."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        """Wrap ``app``; the limit and the trusted proxies come from ``runtime.settings``."""
        self.app, self.runtime = app, runtime
        #: client address -> its requests here
        self._clients: dict[str, _Client] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle the request when it is its client's turn; drop it if its connection closes
        first (nobody is there to answer)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = self.runtime.settings
        client = client_address(Request(scope), settings.trusted_proxies)
        if client in settings.trusted_proxies:
            await self.app(scope, receive, send)
            return
        gone: Gone | None = scope.get("extensions", {}).get(GONE)
        found = self._clients.get(client)
        if found is None:
            found = self._clients[client] = _Client(settings.requests_per_client)
        peer = (scope.get("client") or ("",))[0]
        if found.here >= settings.connections_per_client and peer not in settings.trusted_proxies:
            await _too_many(send)  # (a client a proxy names holds none of the connections)
            return
        found.here += 1
        try:
            if not await self._turn(found, gone):
                return
            try:
                if await self._start(client, found, gone):
                    await self.app(scope, receive, send)
            finally:
                self._give(found)
        finally:
            found.here -= 1
            self._forget(client, found)

    async def _turn(self, client: _Client, gone: Gone | None) -> bool:
        """Take one of ``client``'s turns, waiting for one if need be; False (and no turn) when
        the connection closed first."""
        if client.free > 0 and not client.queued:
            client.free -= 1
            return True
        # True: a turn handed over by _give
        return await _wait(client.queued, gone, lambda: self._give(client))

    def _give(self, client: _Client) -> None:
        """Hand the turn to the next waiting request, or free it."""
        while client.queued:
            turn = client.queued.popleft()
            if not turn.done():
                turn.set_result(True)
                return
        client.free += 1

    async def _start(self, address: str, client: _Client, gone: Gone | None) -> bool:
        """Return True in a turn of the event loop in which no other request of ``client``
        started; False when the connection closed first."""
        loop = asyncio.get_running_loop()
        if not client.starting:
            client.starting = True
            loop.call_soon(self._next, loop, address, client)
            return not (gone is not None and gone.is_set)
        return await _wait(client.waiting, gone)

    def _next(self, loop: asyncio.AbstractEventLoop, address: str, client: _Client) -> None:
        """Let ``client``'s next waiting request start (in the next turn of the loop)."""
        while client.waiting:
            turn = client.waiting.popleft()
            if not turn.done():
                turn.set_result(True)
                loop.call_soon(self._next, loop, address, client)
                return
        client.starting = False
        self._forget(address, client)

    def _forget(self, address: str, client: _Client) -> None:
        """Drop ``client`` once none of its requests is here and none started in this turn of
        the loop (a request that never waits is over within the turn it started in)."""
        if client.here <= 0 and not client.starting and self._clients.get(address) is client:
            del self._clients[address]
