"""``/sparql``: the SPARQL 1.1 Protocol for queries, read-only, over the app's query engine.

GET ``?query=``, POST form-encoded, POST ``application/sparql-query``; ``default-graph-uri``
and ``named-graph-uri``; content negotiation (or ``format=``); a service description on a bare
GET. Evaluation never runs on the event loop: it goes to a thread under a limiter of its own
(so slow queries cannot take the threads other routes use), and the engine stops it at the
deadline. The deadline (``CRADLE_QUERY_TIMEOUT``) covers the whole request: reading the body,
parsing and evaluating in a worker, and writing the answer's last byte. Domain errors become
HTTP answers through the one table (service/errors.py): plain text written for the client, or a
page when a browser asks (see :mod:`sparql_html`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.to_thread
import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from cradle.core.conneg import prefers
from cradle.core.errors import (
    BodyTooSlow,
    ClientOverLimit,
    CradleError,
    EngineBusy,
    NotAcceptable,
    ProtocolViolation,
    UpdateRefused,
    UrlTooLong,
)
from cradle.core.namespaces import PREFIXES
from cradle.core.settings import Settings
from cradle.graph.sparql.engine import QueryEngine
from cradle.graph.sparql.formats import GRAPH_FORMATS, RESULT_FORMATS, negotiate
from cradle.graph.sparql.run import STARTER_QUERY
from cradle.service import sparql_html
from cradle.service.deps import (
    EngineDep,
    OptionalGraphDataDep,
    SettingsDep,
    client_address,
    client_gone,
)
from cradle.service.errors import domain_status, error_response
from cradle.service.graphdata import GraphData
from cradle.service.publicurl import public_url
from cradle.service.runtime import runtime_of
from cradle.service.sparql_docs import (
    DESCRIPTION_PREFIXES,
    FALLBACK_ENDPOINT,
    GET_DOC,
    POST_DOC,
    service_description,
)
from cradle.service.sparql_input import parse_params, post_params

router = APIRouter(tags=["sparql"])
log = logging.getLogger("cradle.service")

UPDATE_PARAMS = {"update", "using-graph-uri", "using-named-graph-uri"}
MAX_MESSAGE = 600
CHUNK = 64 * 1024  # answers are written in parts this size, each within the write timeout
RETRY_AFTER = "2"

#: Every media type a machine client can ask for here (an error goes to a browser as a page only
#: when its Accept ranks text/html above all of them).
MACHINE_TYPES = [t for f in RESULT_FORMATS + GRAPH_FORMATS for t in (f.media_type, *f.aliases)]


@router.get("/sparql", openapi_extra=GET_DOC, response_class=Response)
async def sparql_get(
    request: Request, engine: EngineDep, settings: SettingsDep, data: OptionalGraphDataDep
) -> Response:
    """Run a SPARQL query given in the URL; with no parameters, describe the service (an HTML
    page for a browser, else the SPARQL 1.1 Service Description in RDF)."""
    return await _handle(request, engine, settings, data)


@router.post("/sparql", openapi_extra=POST_DOC, response_class=Response)
async def sparql_post(
    request: Request, engine: EngineDep, settings: SettingsDep, data: OptionalGraphDataDep
) -> Response:
    """Run a SPARQL query sent form-encoded or directly as ``application/sparql-query``."""
    return await _handle(request, engine, settings, data)


router.add_api_route("/sparql/", sparql_get, methods=["GET"], include_in_schema=False)
router.add_api_route("/sparql/", sparql_post, methods=["POST"], include_in_schema=False)


async def _handle(
    request: Request, engine: QueryEngine, settings: Settings, data: GraphData | None
) -> Response:
    # a bare GET (the form page, or the service description) runs no query: not in the share
    bare = request.method == "GET" and not request.scope["query_string"]
    try:
        with contextlib.nullcontext() if bare else _share(request):
            # the share is taken before the body is read: a client's reading is in it
            return await _answer(request, engine, settings, data)
    except ClientDisconnect:
        log.info(
            "%s %s: the client went away while sending its request",
            request.method,
            request.url.path,
        )
        return await _error(request, 400, "the request was not complete")
    except CradleError as exc:
        status, message = domain_status(exc)  # the one error -> HTTP table (service/errors.py)
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + " [...]"
        busy = isinstance(exc, EngineBusy | ClientOverLimit)
        headers = {"Retry-After": RETRY_AFTER} if busy else None
        return await _error(request, status, message, headers)


async def _answer(
    request: Request, engine: QueryEngine, settings: Settings, data: GraphData | None
) -> Response:
    deadline = time.monotonic() + settings.query_timeout  # body read to the answer's last byte
    params = await _params(request, settings, deadline)
    if params is None:
        if sparql_html.wants_page(request.headers.get("accept")):
            # built and rendered off the event loop, as every page (service/render.py)
            return await anyio.to_thread.run_sync(_page, request, engine, settings)
        return _describe(request, engine)
    query = _one_query(params)
    fmts = [v for k, v in params if k in ("format", "output")]
    accept, fmt = request.headers.get("accept"), fmts[-1] if fmts else None
    table = sparql_html.wants_table(accept, fmt)
    if table:
        accept, fmt = sparql_html.TABLE_ACCEPT, None
    result = await _execute(
        request,
        engine,
        functools.partial(
            engine.execute,
            query,
            default_graphs=[v for k, v in params if k == "default-graph-uri"],
            named_graphs=[v for k, v in params if k == "named-graph-uri"],
            accept=accept,
            fmt=fmt,
            base_iri=_endpoint(request),
            deadline=deadline,
        ),
    )
    if table:  # built off the event loop: a page of a long answer takes a while
        limit = settings.max_url_bytes
        return await anyio.to_thread.run_sync(_results_page, request, query, result, data, limit)
    return Answer(
        result.body,
        media_type=_content_type(result.media_type),
        headers=_answer_headers(result),
        write_timeout=settings.write_timeout,
        deadline=deadline,
    )


async def _params(
    request: Request, settings: Settings, deadline: float
) -> list[tuple[str, str]] | None:
    """The request's parameters (the body read before ``deadline``); None for a bare GET."""
    url_bytes = len(request.scope.get("raw_path") or b"") + len(request.scope["query_string"])
    if url_bytes > settings.max_url_bytes:
        raise UrlTooLong(f"the URL is longer than {settings.max_url_bytes} bytes")
    params = parse_params(request.scope["query_string"], "URL query string")
    if request.method == "POST":
        try:
            with anyio.fail_after(max(deadline - time.monotonic(), 0)):
                params += await post_params(request, settings.max_body_bytes)
        except TimeoutError:
            raise BodyTooSlow(
                f"the request body did not arrive within {settings.query_timeout:g} s"
            ) from None
    elif not params:
        return None
    return params


def _one_query(params: list[tuple[str, str]]) -> str:
    """The one ``query`` parameter; updates and malformed requests refused."""
    keys = [k for k, _ in params]
    queries = [v for k, v in params if k == "query"]
    if queries and "update" in keys:
        raise ProtocolViolation("send either query or update, not both")
    if UPDATE_PARAMS & set(keys):
        raise UpdateRefused("this endpoint is read-only: SPARQL updates are not accepted")
    if len(queries) != 1:
        problem = "no query parameter" if not queries else "more than one query parameter"
        raise ProtocolViolation(f"{problem}: send exactly one SPARQL query")
    return queries[0]


def _answer_headers(result: Any) -> dict[str, str]:
    headers = {"Vary": "Accept", "X-Cradle-Rows": str(result.rows)}
    if result.truncated and result.cut_by == "bytes":
        headers["X-Cradle-Truncated"] = "true"
        headers["X-Cradle-Byte-Cap"] = str(result.byte_cap)
        headers["Warning"] = (
            f'199 cradle "result truncated at the byte cap of {result.byte_cap} bytes"'
        )
    elif result.truncated:
        headers["X-Cradle-Truncated"] = "true"
        headers["X-Cradle-Row-Cap"] = str(result.row_cap)
        headers["Warning"] = f'199 cradle "result truncated at the row cap of {result.row_cap}"'
    return headers


class Answer(Response):
    """A response written in parts of :data:`CHUNK` bytes; a client that does not take the
    next part within ``write_timeout`` seconds, or the whole answer by ``deadline`` (a
    ``time.monotonic()`` time; None: no overall limit), is dropped (the server closes the
    connection), so a client that never reads cannot hold an answer in memory for long."""

    def __init__(
        self,
        body: bytes,
        *,
        media_type: str,
        headers: dict[str, str],
        write_timeout: float,
        deadline: float | None = None,
    ) -> None:
        """An answer of ``body``; see the class."""
        super().__init__(body, media_type=media_type, headers=headers)
        self.write_timeout = write_timeout
        self.deadline = deadline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the headers, then the body part by part, each within the write timeout."""
        start = {"type": "http.response.start", "status": self.status_code}
        await send({**start, "headers": self.raw_headers})
        body = memoryview(self.body)
        for offset in range(0, len(body), CHUNK):
            part = {"type": "http.response.body", "body": bytes(body[offset : offset + CHUNK])}
            wait = self.write_timeout
            if self.deadline is not None:
                wait = max(min(wait, self.deadline - time.monotonic()), 0)
            try:
                with anyio.fail_after(wait):
                    await send({**part, "more_body": True})
            except TimeoutError:
                log.info(
                    "%s: the client did not read the answer in time: connection dropped",
                    scope.get("path", ""),
                )
                return  # the server closes a connection whose answer was left incomplete
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _execute(request: Request, engine: QueryEngine, call: Any) -> Any:
    """Run ``call`` in a thread of the SPARQL limiter; refuse at once when it is full, or when
    the client already has a request here and this one would take the last free worker; stop
    it when the client goes away."""
    rt = runtime_of(request.app)
    limiter = rt.sparql_limiter
    if limiter is None:
        limiter = rt.sparql_limiter = anyio.CapacityLimiter(engine.capacity)
    if limiter.borrowed_tokens >= limiter.total_tokens:
        raise EngineBusy("too many SPARQL queries are running; retry in a few seconds")
    mine = rt.sparql_clients.get(client_address(request, rt.settings.trusted_proxies), 0)
    if mine > 1 and rt.sparql_admitted >= engine.workers - 1:
        # a client's second query never takes the last free worker: two clients at their share
        # cannot make a third wait (bench/findings.md, "Hostile requests, third round"); counted
        # here, with nothing awaited between the check and the count, so that two requests
        # arriving together cannot both pass it
        raise ClientOverLimit(
            "you already run a SPARQL query and the endpoint is nearly full: wait for its "
            "answer, then send the next"
        )
    rt.sparql_admitted += 1
    try:
        return await _run(request, limiter, call)
    finally:
        rt.sparql_admitted -= 1


async def _run(request: Request, limiter: anyio.CapacityLimiter, call: Any) -> Any:
    """``call`` on a thread of ``limiter``, with ``cancel`` set when the client goes away."""
    cancel = threading.Event()

    async def watch_disconnect() -> None:
        await client_gone(request)
        cancel.set()

    outcome: dict[str, Any] = {}
    async with anyio.create_task_group() as group:
        group.start_soon(watch_disconnect)
        try:  # kept out of the task group's exception group: raised plainly below
            outcome["result"] = await anyio.to_thread.run_sync(
                functools.partial(call, cancel=cancel), limiter=limiter
            )
        except Exception as exc:  # noqa: BLE001
            outcome["error"] = exc
        finally:
            group.cancel_scope.cancel()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@contextlib.contextmanager
def _share(request: Request) -> Iterator[None]:
    """One of the client's requests to /sparql, from its first byte read to its answer: refused
    at once when the client already has ``CRADLE_QUERIES_PER_CLIENT`` of them (reading and
    decoding a body, checking and evaluating a query count alike).

    Raises:
        ClientOverLimit: the client has its share running.
    """
    rt = runtime_of(request.app)
    clients = rt.sparql_clients
    client = client_address(request, rt.settings.trusted_proxies)
    running = clients.get(client, 0)
    if running >= rt.settings.queries_per_client:
        raise ClientOverLimit(
            f"you already run {running} SPARQL queries at once, the most one client may; "
            "wait for an answer, then send the next"
        )
    clients[client] = running + 1
    try:
        yield
    finally:
        clients[client] -= 1
        if not clients[client]:
            del clients[client]


def _content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def _describe(request: Request, engine: QueryEngine) -> Response:
    """The SPARQL 1.1 Service Description, in a negotiated RDF format."""
    fmt = negotiate(request.headers.get("accept"), GRAPH_FORMATS)
    triples = service_description(_endpoint(request), engine.info())
    rdf = {
        "turtle": ox.RdfFormat.TURTLE,
        "ntriples": ox.RdfFormat.N_TRIPLES,
        "jsonld": ox.RdfFormat.JSON_LD,
        "rdfxml": ox.RdfFormat.RDF_XML,
    }[fmt.name]
    body = ox.serialize(triples, format=rdf, prefixes=DESCRIPTION_PREFIXES) or b""
    return Response(body, media_type=_content_type(fmt.media_type), headers={"Vary": "Accept"})


def _endpoint(request: Request) -> str:
    """The endpoint's URL (the base IRI of queries) on the public address (never the Host
    header), or a fixed one when that is not an IRI."""
    url = public_url(request, "/sparql")
    try:
        ox.NamedNode(url)
    except ValueError:
        return FALLBACK_ENDPOINT
    return url


def _page(request: Request, engine: QueryEngine, settings: Settings) -> Response:
    """The endpoint's HTML page: a query form, what it holds, its prefixes, example queries."""
    from cradle.service.ui import analyst_queries

    examples = [
        q | {"run": sparql_html.run_link(q["text"]), "edit": sparql_html.editor_link(q["text"])}
        for q in analyst_queries(settings.queries_dir)
    ]
    context = {
        "nav": "query",
        "endpoint": _endpoint(request),
        "info": engine.info(),
        "settings": settings,
        "prefixes": PREFIXES,
        "examples": examples,
        "query": examples[0]["text"] if examples else STARTER_QUERY,
    }
    context["edit"] = sparql_html.editor_link(context["query"])
    return _templates(request).TemplateResponse(
        request, "sparql.html", context, headers={"Vary": "Accept"}
    )


def _templates(request: Request) -> Jinja2Templates:
    templates = runtime_of(request.app).templates
    if templates is None:  # a bare SPARQL-only app: browsers get the standard answers
        raise NotAcceptable("this server has no HTML pages; ask for a SPARQL results format")
    return templates


def _results_page(
    request: Request, query: str, result: Any, data: GraphData | None, limit: int
) -> Response:
    """A query's results as an HTML table, with the query in a form to change and run again;
    the links that carry the query only when they are at most ``limit`` bytes (a longer URL is
    refused, and a page repeating a long query in several links grows many times its size)."""
    links = sparql_html.query_links(query, limit)
    context = {
        "nav": "query",
        "query": query,
        "result": result,
        "table": sparql_html.results_table(result, data),
        "links": links,
        "edit": links["edit"] if links else None,
        "long_query": links is None,
        "page_rows": sparql_html.PAGE_ROWS,
    }
    return _templates(request).TemplateResponse(
        request, "sparql_results.html", context, headers={"Vary": "Accept"}
    )


async def _error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """Plain text for SPARQL clients; a page for a browser (Accept prefers text/html)."""
    if prefers(request.headers.get("accept"), sparql_html.HTML, MACHINE_TYPES):
        return await error_response(request, status, message, headers)
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)
