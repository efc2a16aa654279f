"""One client's requests, a few at a time: each address has ``CRADLE_REQUESTS_PER_CLIENT``
requests handled at once by a server process; the rest wait their turn, holding only their
connection (at most ``CRADLE_CONNECTIONS_PER_CLIENT``).

A page is rendered on a thread of the server process, and threads take turns at the
interpreter lock with the event loop and with each other: fifty pages of one client at once
slowed every other client's answers (bench/findings.md, "Hostile requests, third round"). With
turns, one client's flood costs the others what this many requests cost, however many
connections it opens. A trusted proxy whose request names no client is not one client, and is
not limited here (limit it in the proxy).
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from cradle.service.deps import client_address
from cradle.service.runtime import Runtime


class ClientTurns:
    """ASGI middleware: at most ``settings.requests_per_client`` requests of one client at once."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        """Wrap ``app``; the limit and the trusted proxies come from ``runtime.settings``."""
        self.app, self.runtime = app, runtime
        #: client -> (its turns, requests of it here: handled or waiting)
        self._clients: dict[str, tuple[asyncio.Semaphore, int]] = {}

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
        turns, here = self._clients.get(client, (None, 0))
        if turns is None:
            turns = asyncio.Semaphore(settings.requests_per_client)
        self._clients[client] = (turns, here + 1)
        try:
            async with turns:
                await self.app(scope, receive, send)
        finally:
            turns, here = self._clients[client]
            if here <= 1:
                del self._clients[client]
            else:
                self._clients[client] = (turns, here - 1)
