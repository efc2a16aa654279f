"""The service's own absolute address, for feeds and pages that need one: ``CRADLE_PUBLIC_URL``
when set, else the address ``cradle serve`` listens on. Never the request's ``Host`` header,
which the client chooses (a feed reader or a cache would keep whatever a client sent)."""

from __future__ import annotations

from fastapi import Request

from cradle.core.settings import Settings
from cradle.service.runtime import runtime_of

ANY_ADDRESS = {"", "0.0.0.0", "::"}


def public_base(settings: Settings) -> str:
    """The absolute base URL, without a trailing slash (see the module docstring)."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = "localhost" if settings.host in ANY_ADDRESS else settings.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}"


def public_url(request: Request, path: str) -> str:
    """The absolute URL of ``path`` (starting with ``/``) on this service."""
    return public_base(runtime_of(request.app).settings) + path
