"""Middleware refusing SPARQL updates on every path: the service is read-only everywhere.

``/sparql`` answers updates itself (with the protocol's own messages); on any other path a
request carrying an ``update`` parameter or an ``application/sparql-update`` body gets 403
before any route sees it. Its query string is read (parsed in Python, on the event loop) only
when it holds at most :data:`MAX_PARAMETERS` parameters, counted in C; more get 400, as no page
takes that many (hostile round 8, F5; bench/findings.md).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

SPARQL_PATHS = ("/sparql", "/sparql/")
MESSAGE = b"This service is read-only: SPARQL updates are refused.\n"
MAX_PARAMETERS = 100
TOO_MANY = b"Too many query parameters: at most 100 are read.\n"


def is_update(scope: Scope) -> bool:
    """True when an HTTP request asks for a SPARQL update by parameter or media type."""
    query = scope.get("query_string", b"").decode("latin-1")
    if any(name == "update" for name, _ in parse_qsl(query, keep_blank_values=True)):
        return True
    for name, value in scope.get("headers", []):
        if name == b"content-type" and value.split(b";")[0].strip().lower() == (
            b"application/sparql-update"
        ):
            return True
    return False


class ReadOnly:
    """ASGI middleware answering 403 to SPARQL updates outside ``/sparql``."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an update; pass anything else on."""
        if scope["type"] != "http" or scope["path"] in SPARQL_PATHS:
            await self.app(scope, receive, send)
        elif scope.get("query_string", b"").count(b"&") >= MAX_PARAMETERS:
            await _answer(send, 400, TOO_MANY)
        elif is_update(scope):
            await _answer(send, 403, MESSAGE)
        else:
            await self.app(scope, receive, send)


async def _answer(send: Send, status: int, message: bytes) -> None:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(message)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": message})
