"""Domain errors -> HTTP answers, the one table (:data:`STATUS`), and why search is off after an
error opening the index (:data:`SEARCH_OFF`). Clients get a status and a message written for
them: never raw exception text, a stack trace, a file path or an internal name."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cradle.core.conneg import choose
from cradle.core.errors import (
    BodyTooLarge,
    BodyTooSlow,
    ClientOverLimit,
    CradleError,
    EngineBusy,
    InvalidCoverage,
    InvalidSearch,
    MissingDependency,
    ModelNotFound,
    NotAcceptable,
    NotBuilt,
    NotServed,
    ProtocolViolation,
    QueryAborted,
    QueryCancelled,
    QueryFailed,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    RemovedResource,
    SearchStopped,
    StaleIndex,
    StoreUnavailable,
    UnknownArea,
    UnknownIri,
    UnsupportedMediaType,
    UpdateRefused,
    UrlTooLong,
)
from cradle.service.render import render
from cradle.service.runtime import runtime_of

log = logging.getLogger("cradle.service")

#: Domain error -> (status, message; None means the error's own text, written for clients).
#: The one table: routes, pages and ``/sparql`` all answer through it (first match wins).
STATUS: list[tuple[type[CradleError], int, str | None]] = [
    (InvalidSearch, 422, None),
    (UpdateRefused, 403, None),
    (UnknownArea, 404, None),
    (RemovedResource, 410, None),
    (UnknownIri, 404, None),
    (InvalidCoverage, 400, None),
    (QuerySyntaxError, 400, None),
    (QueryRefused, 400, None),
    (UrlTooLong, 414, None),
    (BodyTooLarge, 413, None),
    (BodyTooSlow, 408, None),
    (UnsupportedMediaType, 415, None),
    (ProtocolViolation, 400, None),
    (QueryTimeout, 503, None),
    (QueryAborted, 503, None),
    (NotAcceptable, 406, None),
    (ClientOverLimit, 429, None),
    (QueryCancelled, 499, None),
    (EngineBusy, 503, "Every query worker is busy: retry in a moment."),
    (QueryFailed, 500, "The query engine failed on this query; it has been logged."),
    (StoreUnavailable, 503, "The SPARQL store is unavailable: retry in a moment."),
    (NotBuilt, 503, "The graph or search index is not built: run `cradle build`, then restart."),
    (StaleIndex, 503, "The search index was built from another graph: run `cradle build`."),
    (MissingDependency, 503, "A component this request needs is not installed on the server."),
    (ModelNotFound, 503, "The search model is not installed on the server."),
    (NotServed, 503, None),
    (SearchStopped, 503, None),
]
GENERIC = "Internal error: the request could not be completed. It has been logged."
#: Why search is off, per error opening the index at start-up (for staff: no paths).
SEARCH_OFF: list[tuple[type[Exception], str]] = [
    (NotBuilt, "no search index in the data dir: run `cradle build` (without --graph-only)"),
    (StaleIndex, "the search index was built from another graph: run `cradle build`"),
    (
        ModelNotFound,
        "the embedding model is missing or is not the one the index was built with: "
        "check CRADLE_MODEL, then run `cradle build`",
    ),
    (MissingDependency, "search needs the 'search' extra: pip install -e '.[search]'"),
    (ImportError, "search needs the 'search' extra: pip install -e '.[search]'"),
    (SearchStopped, "the search process did not start: see the server's log"),
    (Exception, "the search index could not be loaded (damaged?): run `cradle build`"),
]


def wants_html(request: Request) -> bool:
    """Whether the client (a browser) prefers HTML to JSON."""
    accept = request.headers.get("accept")
    return bool(accept) and choose(accept, ["application/json", "text/html"]) == "text/html"


async def error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """An error answer: an HTML page for browsers, else ``{"detail": message}``."""
    templates = runtime_of(request.app).templates
    if wants_html(request) and templates is not None:
        context = {"status": status, "message": message}
        return await render(templates, request, "error.html", context, status, headers)
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def search_off(exc: Exception) -> str:
    """Why search is off, in words for staff, after ``exc`` opening the search index."""
    return next(message for cls, message in SEARCH_OFF if isinstance(exc, cls))


def domain_status(exc: CradleError) -> tuple[int, str]:
    """The HTTP status and client message for a domain error."""
    for cls, status, message in STATUS:
        if isinstance(exc, cls):
            return status, message if message is not None else str(exc)
    return 500, GENERIC


async def _cradle_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CradleError)
    status, message = domain_status(exc)
    if status >= 500 and status != 503:
        log.error("%s on %s %s", exc.__class__.__name__, request.method, request.url.path)
    return await error_response(request, status, message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "Request refused."
    return await error_response(request, exc.status_code, detail, dict(exc.headers or {}))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": e["type"]}
        for e in exc.errors()
    ]
    if wants_html(request):
        text = "; ".join(f"{'.'.join(e['loc'][1:]) or 'request'}: {e['msg']}" for e in errors)
        return await error_response(request, 422, f"Invalid request: {text}")
    return JSONResponse({"detail": errors}, status_code=422)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error(
        "unexpected %s on %s %s",
        exc.__class__.__name__,
        request.method,
        request.url.path,
        exc_info=exc,
    )
    return await error_response(request, 500, GENERIC)


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""
    app.add_exception_handler(CradleError, _cradle_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
