"""``/sparql``: the SPARQL 1.1 Protocol for queries, read-only, over the app's query engine.

GET ``?query=``, POST form-encoded, POST ``application/sparql-query``; ``default-graph-uri``
and ``named-graph-uri``; content negotiation (or ``format=``); a service description on a bare
GET. Evaluation never runs on the event loop: it goes to a thread under a limiter of its own
(so slow queries cannot take the threads other routes use), and the engine stops it at the
deadline. Domain errors become HTTP answers through the one table (service/errors.py): plain
text written for the client, or a page when a browser asks (see :mod:`sparql_html`).
"""

from __future__ import annotations

import functools
from typing import Any

import anyio
import anyio.to_thread
import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from cradle.core.conneg import prefers
from cradle.core.errors import CradleError, EngineBusy, UpdateRefused
from cradle.core.namespaces import PREFIXES as CRADLE_PREFIXES
from cradle.graph.sparql.formats import GRAPH_FORMATS, RESULT_FORMATS, negotiate
from cradle.service import sparql_html
from cradle.service.deps import EngineDep, OptionalGraphDataDep, SettingsDep
from cradle.service.errors import domain_status, error_response
from cradle.service.sparql_docs import (
    FALLBACK_ENDPOINT,
    GET_DOC,
    POST_DOC,
    PREFIXES,
    service_description,
)
from cradle.service.sparql_input import ProtocolError, parse_params, post_params

router = APIRouter(tags=["sparql"])

UPDATE_PARAMS = {"update", "using-graph-uri", "using-named-graph-uri"}
MAX_MESSAGE = 600

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


async def _handle(request: Request, engine: Any, settings: Any, data: Any) -> Response:
    try:
        return await _answer(request, engine, settings, data)
    except ProtocolError as exc:
        return _error(request, exc.status, exc.message)
    except CradleError as exc:
        status, message = domain_status(exc)  # the one error -> HTTP table (service/errors.py)
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + " [...]"
        headers = {"Retry-After": "2"} if isinstance(exc, EngineBusy) else None
        return _error(request, status, message, headers)


async def _answer(request: Request, engine: Any, settings: Any, data: Any) -> Response:
    url_bytes = len(request.scope.get("raw_path") or b"") + len(request.scope["query_string"])
    if url_bytes > settings.max_url_bytes:
        raise ProtocolError(414, f"the URL is longer than {settings.max_url_bytes} bytes")
    params = parse_params(request.scope["query_string"], "URL query string")
    if request.method == "POST":
        params += await post_params(request, settings.max_body_bytes)
    elif not params:
        if sparql_html.wants_page(request.headers.get("accept")):
            return _page(request, engine, settings)
        return _describe(request, engine)
    keys = [k for k, _ in params]
    queries = [v for k, v in params if k == "query"]
    if queries and "update" in keys:
        raise ProtocolError(400, "send either query or update, not both")
    if UPDATE_PARAMS & set(keys):
        raise UpdateRefused("this endpoint is read-only: SPARQL updates are not accepted")
    if len(queries) != 1:
        problem = "no query parameter" if not queries else "more than one query parameter"
        raise ProtocolError(400, f"{problem}: send exactly one SPARQL query")
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
            queries[0],
            default_graphs=[v for k, v in params if k == "default-graph-uri"],
            named_graphs=[v for k, v in params if k == "named-graph-uri"],
            accept=accept,
            fmt=fmt,
            base_iri=_endpoint(request),
        ),
    )
    if table:
        return _results_page(request, queries[0], result, data)
    headers = {"Vary": "Accept", "X-Cradle-Rows": str(result.rows)}
    if result.truncated:
        headers["X-Cradle-Truncated"] = "true"
        headers["X-Cradle-Row-Cap"] = str(result.row_cap)
        headers["Warning"] = f'199 cradle "result truncated at the row cap of {result.row_cap}"'
    return Response(result.body, media_type=_content_type(result.media_type), headers=headers)


async def _execute(request: Request, engine: Any, call: Any) -> Any:
    """Run ``call`` in a thread of the SPARQL limiter; refuse at once when it is full."""
    state = request.app.state
    limiter = getattr(state, "sparql_limiter", None)
    if limiter is None:
        limiter = state.sparql_limiter = anyio.CapacityLimiter(getattr(engine, "capacity", 8))
    if limiter.borrowed_tokens >= limiter.total_tokens:
        raise EngineBusy("too many SPARQL queries are running; retry in a few seconds")
    return await anyio.to_thread.run_sync(call, limiter=limiter)


def _content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def _describe(request: Request, engine: Any) -> Response:
    """The SPARQL 1.1 Service Description, in a negotiated RDF format."""
    fmt = negotiate(request.headers.get("accept"), GRAPH_FORMATS)
    triples = service_description(_endpoint(request), engine.info())
    rdf = {
        "turtle": ox.RdfFormat.TURTLE,
        "ntriples": ox.RdfFormat.N_TRIPLES,
        "jsonld": ox.RdfFormat.JSON_LD,
        "rdfxml": ox.RdfFormat.RDF_XML,
    }[fmt.name]
    body = ox.serialize(triples, format=rdf, prefixes=PREFIXES) or b""
    return Response(body, media_type=_content_type(fmt.media_type), headers={"Vary": "Accept"})


def _endpoint(request: Request) -> str:
    """The endpoint's URL (the base IRI of queries), or a fixed one when the Host is odd."""
    url = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
    try:
        ox.NamedNode(url)
    except ValueError:
        return FALLBACK_ENDPOINT
    return url


def _page(request: Request, engine: Any, settings: Any) -> Response:
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
        "prefixes": CRADLE_PREFIXES,
        "examples": examples,
        "query": examples[0]["text"] if examples else "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
    }
    return request.app.state.templates.TemplateResponse(
        request, "sparql.html", context, headers={"Vary": "Accept"}
    )


def _results_page(request: Request, query: str, result: Any, data: Any) -> Response:
    """A query's results as an HTML table, with the query in a form to change and run again."""
    context = {
        "nav": "query",
        "query": query,
        "result": result,
        "table": sparql_html.results_table(result, data),
        "edit": sparql_html.editor_link(query),
        "page_rows": sparql_html.PAGE_ROWS,
    }
    return request.app.state.templates.TemplateResponse(
        request, "sparql_results.html", context, headers={"Vary": "Accept"}
    )


def _error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """Plain text for SPARQL clients; a page for a browser (Accept prefers text/html)."""
    if prefers(request.headers.get("accept"), sparql_html.HTML, MACHINE_TYPES):
        return error_response(request, status, message, headers)
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)
