"""Linked data: every Cradle IRI dereferences by its path (``/resource/{id}``, ``/topic/{id}``,
...) to an HTML page for browsers, or Turtle, JSON-LD, N-Triples or RDF/XML by Accept."""

from __future__ import annotations

import asyncio
import functools
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, Literal

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from cradle.core.conneg import choose
from cradle.core.datadir import Version
from cradle.core.errors import CradleError, NotAcceptable, RemovedResource, UnknownIri
from cradle.core.namespaces import PREFIXES
from cradle.graph.build.changes import read_changes
from cradle.graph.read.obtain import tel
from cradle.index.access import access
from cradle.index.search import Searcher
from cradle.index.usable import badge, out_of_date
from cradle.service.deps import GraphDataDep, SearcherDep, SearchPoolDep, TemplatesDep, VersionDep
from cradle.service.graphdata import NAMESPACES, GraphData, Resource
from cradle.service.render import render
from cradle.service.resourceview import resource_facts

router = APIRouter(tags=["linked data"])

ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")  # whole ids only: fullmatch
#: media type -> rdflib serializer ("html" for the page), in the server's order of preference.
MEDIA: dict[str, str] = {
    "text/html": "html",
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/json": "json-ld",
}
#: ``format=`` values: the short names, and the names ``/sparql`` takes for the same formats.
FORMATS = {"html": "text/html", "ttl": "text/turtle", "turtle": "text/turtle",
           "jsonld": "application/ld+json", "json-ld": "application/ld+json",
           "json": "application/ld+json", "nt": "application/n-triples",
           "ntriples": "application/n-triples", "rdf": "application/rdf+xml",
           "rdfxml": "application/rdf+xml", "xml": "application/rdf+xml",
           "n3": "text/turtle", "n-triples": "application/n-triples",
           "rdf+xml": "application/rdf+xml"}  # fmt: skip
FormatParam = Literal[
    "html",
    "ttl",
    "turtle",
    "n3",
    "jsonld",
    "json-ld",
    "json",
    "nt",
    "ntriples",
    "n-triples",
    "rdf",
    "rdfxml",
    "rdf+xml",
    "xml",
]
RELATED = 6
RDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The page (HTML) or the IRI's description in the RDF format asked for.",
        "content": {m: {} for m in MEDIA if m != "application/json"},
    },
    404: {"description": "Nothing is known about this IRI."},
    410: {"description": "A catalogue resource a build removed (when, and its title)."},
    406: {"description": "None of the formats offered is acceptable."},
}


def _media(request: Request, fmt: str | None) -> str:
    if fmt is not None:
        return FORMATS[fmt]
    chosen = choose(request.headers.get("accept"), list(MEDIA))
    if chosen is None:
        raise NotAcceptable("Acceptable here: " + ", ".join(MEDIA) + ".")
    return chosen


async def _rdf(data: GraphData, kind: str, term_id: str, media: str) -> Response:
    """The RDF of one IRI, described and serialised off the event loop (large at scale)."""
    return await run_in_threadpool(_rdf_sync, data, kind, term_id, media)


def _rdf_sync(data: GraphData, kind: str, term_id: str, media: str) -> Response:
    graph = data.describe(kind, term_id)
    syntax = MEDIA[media]
    if syntax == "json-ld":
        body = graph.serialize(format="json-ld", context=PREFIXES, auto_compact=True)
    else:
        body = graph.serialize(format=syntax)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def same_topic(data: GraphData, res: Resource, k: int = RELATED) -> list[Resource]:
    """Other resources sharing a topic with ``res``, most shared topics first."""
    mine = set(res.topics)
    scored = [(len(mine & set(r.topics)), r) for r in data.resources.values() if r.id != res.id]
    ranked = sorted((x for x in scored if x[0]), key=lambda x: (-x[0], x[1].order))
    return [r for _, r in ranked[:k]]


async def nearest(
    searcher: Searcher | None, pool: ThreadPoolExecutor, data: GraphData, res: Resource
) -> list[Resource]:
    """Resources nearest to ``res`` by embedding (empty when the server has no index)."""
    if searcher is None:
        return []
    call = functools.partial(searcher.related, res.iri, RELATED)
    try:
        found = await asyncio.get_running_loop().run_in_executor(pool, call)
    except CradleError:  # not in the index (a stale build): show the page without them
        return []
    out = []
    for hit in found:
        rid = hit.uri.rsplit("/", 1)[-1]
        if rid in data.resources and rid != res.id:
            out.append(data.resources[rid])
    return out


_DCAT = "http://www.w3.org/ns/dcat#"


def period(data: GraphData, res: Resource) -> str:
    """The resource's period as ``YYYY/YYYY`` (its ``dct:temporal`` start and end), or ""."""
    node = ox.NamedNode(res.iri + "/period")
    ends = []
    for name in ("startDate", "endDate"):
        quads = data.store.quads_for_pattern(node, ox.NamedNode(_DCAT + name), None, None)
        found = next(iter(quads), None)
        ends.append(found.object.value if found else "")
    return "/".join(ends) if all(ends) else ""


def _check(data: GraphData, kind: str, term_id: str) -> None:
    if not ID.fullmatch(term_id) or not data.exists(kind, term_id):
        raise UnknownIri(f"Nothing is known about {NAMESPACES[kind]}{term_id[:200]}.")


async def _check_resource(data: GraphData, resource_id: str, version: Version | None) -> None:
    """:func:`_check`, and for a resource a build removed, when and what it was (the record of
    changes is read on a thread, once per served graph)."""
    try:
        _check(data, "resource", resource_id)
    except UnknownIri:
        gone = (await run_in_threadpool(removed, data, version)).get(resource_id)
        if gone is None:
            raise
        title, when = gone
        raise RemovedResource(
            f"\u2018{title}\u2019 was removed from the catalogue on {when:%-d %B %Y}. Search "
            "for something like it, or see what changed."
        ) from None


def removed(data: GraphData, version: Version | None) -> dict[str, tuple[str, date]]:
    """Resource id -> (title, day) of the resources the builds kept in ``version``'s changes
    removed (the latest removal of each), read once per served graph."""
    if version is None:
        return {}
    if "removed" not in data.derived:
        found: dict[str, tuple[str, date]] = {}
        for build in reversed(read_changes(version)["builds"]):  # oldest first: latest wins
            titles = build.get("removed_titles") or {}
            day = date.fromisoformat(build["date"][:10])
            found |= {i: (titles.get(i) or i, day) for i in build["removed"]}
        data.derived["removed"] = found
    removed_now: dict[str, tuple[str, date]] = data.derived["removed"]
    return removed_now


@router.get("/resource/{resource_id}", responses=RDF_RESPONSES, response_class=Response)
async def resource_page(
    resource_id: str,
    request: Request,
    data: GraphDataDep,
    templates: TemplatesDep,
    searcher: SearcherDep,
    pool: SearchPoolDep,
    version: VersionDep,
    format: FormatParam | None = Query(None, description="overrides the Accept header"),
    back: str | None = Query(None, description="the results page to link back to (/?q=...)"),
) -> Response:
    """A catalogue resource: its page, or its RDF description (410 for one a build removed)."""
    await _check_resource(data, resource_id, version)
    media = _media(request, format)
    res = data.resources.get(resource_id)
    if MEDIA[media] != "html" or res is None:
        return await _rdf(
            data, "resource", resource_id, media if MEDIA[media] != "html" else "text/turtle"
        )
    ways = access(res.url or "", res.link_domain or "", res.description)
    status_badge, overdue = badge(res.status, res.expected or "", date.today())
    context = {
        "data": data,
        "res": res,
        "ways": ways,
        **resource_facts(data, res, back),
        "badge": status_badge,
        "overdue": overdue,
        "dated": out_of_date(period(data, res), res.issued or "", date.today()),
        "same_topic": await run_in_threadpool(same_topic, data, res),
        "nearest": await nearest(searcher, pool, data, res),
        "has_index": searcher is not None,
    }
    return await render(templates, request, "resource.html", context, headers={"Vary": "Accept"})


def _term_html(
    request: Request, templates: Jinja2Templates, data: GraphData, kind: str, term_id: str
) -> Response:
    """A term's page, or its scheme's (``term_id`` "scheme")."""
    headers = {"Vary": "Accept"}
    if term_id == "scheme":
        nav = {"topic": "topics", "locality": "localities"}.get(kind)
        context = {"data": data, "kind": kind, "terms": data.terms.get(kind, {}), "nav": nav}
        return templates.TemplateResponse(request, "scheme.html", context, headers=headers)
    term = data.term(kind, term_id)
    below = data.descendants(term_id) if kind == "topic" else set()
    context = {
        "data": data,
        "term": term,
        "linked": data.resources_linked(kind, term_id),
        "narrower_linked": [
            r for r in data.resources.values() if term_id not in r.topics and set(r.topics) & below
        ],
        "adopted": data.adopted_in(term_id) if kind == "locality" else [],
        "contact": data.contacts.get(term_id) if kind == "org" else None,
        "tel": tel,
    }
    return templates.TemplateResponse(request, "term.html", context, headers=headers)


def _term_route(kind: str) -> None:
    async def term_page(
        term_id: str,
        request: Request,
        data: GraphDataDep,
        templates: TemplatesDep,
        format: FormatParam | None = Query(None, description="overrides the Accept header"),
    ) -> Response:
        _check(data, kind, term_id)
        media = _media(request, format)
        if MEDIA[media] != "html":
            return await _rdf(data, kind, term_id, media)
        if term_id != "scheme" and data.term(kind, term_id) is None:
            return await _rdf(data, kind, term_id, "text/turtle")
        # built and rendered off the event loop, as every page (service/render.py)
        return await run_in_threadpool(_term_html, request, templates, data, kind, term_id)

    term_page.__name__ = f"{kind}_page"
    term_page.__doc__ = f"A {kind} term (or its scheme): its page, or its RDF description."
    router.add_api_route(
        f"/{kind}/{{term_id}}",
        term_page,
        methods=["GET"],
        responses=RDF_RESPONSES,
        response_class=Response,
        summary=f"Dereference a {kind} IRI",
    )


def _part_route(kind: str) -> None:
    async def part_of(term_id: str, part: str, request: Request, data: GraphDataDep) -> Response:
        _check(data, kind, term_id)
        iri = ox.NamedNode(f"{NAMESPACES[kind]}{term_id}/{part}") if ID.fullmatch(part) else None
        if iri is None or next(data.store.quads_for_pattern(iri, None, None), None) is None:
            raise UnknownIri(f"Nothing is known about {NAMESPACES[kind]}{term_id}/{part[:200]}.")
        # its description is its parent's (GraphData.describe takes in the IRIs under it)
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/{kind}/{term_id}{query}", status_code=303)

    part_of.__name__ = f"{kind}_part"
    part_of.__doc__ = (
        f"An IRI under a {kind} (a resource's link, an organisation's contact point): "
        "303 See Other to the page that describes it."
    )
    router.add_api_route(
        f"/{kind}/{{term_id}}/{{part}}",
        part_of,
        methods=["GET"],
        responses={
            303: {"description": "Described by its parent's page."},
            404: {"description": "Nothing is known about this IRI."},
        },
        response_class=Response,
        summary=f"Dereference an IRI under a {kind}",
    )


for _kind in NAMESPACES:
    if _kind != "resource":
        _term_route(_kind)
    _part_route(_kind)
