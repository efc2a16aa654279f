"""Pages are rendered on a worker thread, never on the event loop.

A template rendered on the event loop holds it for the whole render, so every other client's
request waits, and the per-client turns of :mod:`cradle.service.turns` never queue it (hostile
round 7, F3: 100 connections to a scheme page held ``/health`` for seconds). On a thread, the
render takes turns at the interpreter lock with the loop, and a client's renders wait their
turn.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates


async def render(
    templates: Jinja2Templates,
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The template ``name`` rendered with ``context``, on a worker thread.

    Args:
        templates: The service's templates.
        request: The request the page answers.
        name: The template's file name.
        context: What the template is given.
        status_code: The answer's status.
        headers: Extra headers of the answer.

    Returns:
        The rendered page.
    """

    def run() -> Response:
        return templates.TemplateResponse(
            request, name, context, status_code=status_code, headers=headers
        )

    return await anyio.to_thread.run_sync(run)
