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

A trusted proxy whose request names no client is not one client, and is not limited here
(limit it in the proxy).
"""

from __future__ import annotations

import asyncio
from collections import deque

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from cradle.service.deps import client_address
from cradle.service.runtime import Runtime


class _Client:
    """One client's requests here: its turns, how many are here (handled or waiting), and
    those waiting to start in a later turn of the event loop."""

    __slots__ = ("here", "starting", "turns", "waiting")

    def __init__(self, limit: int) -> None:
        self.turns = asyncio.Semaphore(limit)
        self.here = 0
        self.starting = False  # one of its requests started in this turn of the loop
        self.waiting: deque[asyncio.Future[None]] = deque()


class ClientTurns:
    """ASGI middleware: at most ``settings.requests_per_client`` requests of one client at once,
    and at most one of them starting in a turn of the event loop."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        """Wrap ``app``; the limit and the trusted proxies come from ``runtime.settings``."""
        self.app, self.runtime = app, runtime
        #: client address -> its requests here
        self._clients: dict[str, _Client] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle the request when it is its client's turn."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = self.runtime.settings
        client = client_address(Request(scope), settings.trusted_proxies)
        if client in settings.trusted_proxies:
            await self.app(scope, receive, send)
            return
        found = self._clients.get(client)
        if found is None:
            found = self._clients[client] = _Client(settings.requests_per_client)
        found.here += 1
        try:
            async with found.turns:
                await self._start(client, found)
                await self.app(scope, receive, send)
        finally:
            found.here -= 1
            self._forget(client, found)

    async def _start(self, address: str, client: _Client) -> None:
        """Return in a turn of the event loop in which no other request of ``client`` started."""
        loop = asyncio.get_running_loop()
        if not client.starting:
            client.starting = True
            loop.call_soon(self._next, loop, address, client)
            return
        turn = loop.create_future()
        client.waiting.append(turn)
        await turn  # cancelled with its request (a client gone): _next passes it by

    def _next(self, loop: asyncio.AbstractEventLoop, address: str, client: _Client) -> None:
        """Let ``client``'s next waiting request start (in the next turn of the loop)."""
        while client.waiting:
            turn = client.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                loop.call_soon(self._next, loop, address, client)
                return
        client.starting = False
        self._forget(address, client)

    def _forget(self, address: str, client: _Client) -> None:
        """Drop ``client`` once none of its requests is here and none started in this turn of
        the loop (a request that never waits is over within the turn it started in)."""
        if client.here <= 0 and not client.starting and self._clients.get(address) is client:
            del self._clients[address]
