"""The web UI, server-rendered: the search page, the SPARQL editor (vendored YASGUI preloaded
with the analyst queries) and the coverage heatmap. Every asset is served by the app."""

from __future__ import annotations

import gzip
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from cradle.core import facets
from cradle.core.errors import CradleError, InvalidSearch
from cradle.core.namespaces import BASE, PREFIXES
from cradle.graph.build.need import Need
from cradle.graph.read.coverage import (
    ALL_STATUSES,
    DEFAULT_STATUS,
    Coverage,
    cell_resources,
    coverage,
)
from cradle.graph.read.priority import model_need
from cradle.graph.read.readmodel import Term, walk
from cradle.index.hit import Card, Hit
from cradle.index.search import MAX_K
from cradle.index.snippets import segments
from cradle.service.deps import (
    ClientDep,
    GraphDataDep,
    OptionalGraphDataDep,
    SearcherDep,
    SearchPoolDep,
    SearchProcessDep,
    SettingsDep,
    TemplatesDep,
)
from cradle.service.elsewhere import tell_us, where_else
from cradle.service.errors import domain_status
from cradle.service.graphdata import GraphData, iri_path
from cradle.service.publicurl import public_url
from cradle.service.render import render
from cradle.service.resourceview import back_link
from cradle.service.runtime import runtime_of
from cradle.service.search import MAX_QUERY, FiltersDep, answer_search

router = APIRouter(include_in_schema=False)
TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
TAB_TITLE = 64


def make_templates() -> Jinja2Templates:
    """The Jinja2 templates (autoescaped HTML); every page gets the catalogue's date."""
    from cradle.service.swap import catalogue_context

    return Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[catalogue_context])


def analyst_queries(folder: Path) -> list[dict[str, str]]:
    """The ``*.rq`` files in ``folder``: each one's text, and a tab title from its opening
    ``#`` comment (what the query answers), shortened to fit a tab."""
    out = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        first = text.lstrip().splitlines()[0] if text.strip() else ""
        title = first.lstrip("#").strip() if first.startswith("#") else path.stem
        title = re.split(r"[:(]", title)[0].strip() or path.stem
        if len(title) > TAB_TITLE:
            title = title[: TAB_TITLE - 1].rsplit(" ", 1)[0] + "…"
        out.append({"name": path.stem, "title": title, "text": text})
    return out


def hit_path(hit: Card) -> str:
    """The path of a hit's page on this site (its URI when the URI is not one of ours)."""
    return iri_path(hit.uri) or hit.uri


def snippet_parts(hit: Hit) -> list[tuple[str, bool]]:
    """The hit's answering sentence (its summary when it has none) in marked and plain parts."""
    return segments(hit.snippet or hit.summary, hit.snippet_marks if hit.snippet else ())


def by_tier(hits: Sequence[Hit]) -> dict[str, list[Hit]]:
    """The page's three lists: ``usable`` (tier 1), ``pending`` (tier 2, "Not available yet")
    and ``others`` (tier 3, folded: "Other results, not close matches"); ``close`` is the first
    two together."""
    lists: dict[str, list[Hit]] = {"usable": [], "pending": [], "others": []}
    for hit in hits:
        lists[("usable", "pending", "others")[hit.tier - 1]].append(hit)
    return lists | {"close": lists["usable"] + lists["pending"]}


#: A filter's values in groups: ``(group label, [(value id, label), ...])``; "" is no group.
Groups = list[tuple[str, list[tuple[str, str]]]]


def _choices(data: GraphData | None) -> dict[str, Groups]:
    """The page's filters: facet id -> its vocabulary's terms, in one group; a facet matched by
    place in two (:func:`_place_choices`)."""
    if data is None:
        return {}
    return {
        f.id: _place_choices(data)
        if f.match == "place"
        else [("", [(t.id, t.label) for t in data.terms.get(f.vocabulary, {}).values()])]
        for f in facets.FACETS
    }


def _place_choices(data: GraphData) -> Groups:
    """The places the catalogue's resources come from or were adopted in, and the areas
    containing them, from the country down (alphabetical under each); then every other place
    by name. A practitioner in Bolton finds it near the top, not among England's 150 other
    authorities. Worked out once per graph and kept (every search page shows them)."""
    found = data.derived.get("place_choices")
    if found is None:
        found = data.derived["place_choices"] = _places_in_groups(data)
    return found


def _places_in_groups(data: GraphData) -> Groups:
    held = {p for r in data.resources.values() for p in (r.locality, *r.adopted_in)}
    mine = {a for p in held for a in (p, *data.above("locality", p))}
    places = data.terms.get("locality", {})
    top = sorted((t.id for t in places.values() if not t.broader), key=lambda v: places[v].label)
    first = [v for v in walk(top, lambda v: _by_label(data, v)) if v in mine and v in places]
    rest = sorted((t for t in places.values() if t.id not in mine), key=lambda t: t.label)
    groups = [("Places in the catalogue", [(v, places[v].label) for v in first])]
    return groups + ([("Other places", [(t.id, t.label) for t in rest])] if rest else [])


def _chosen_terms(data: GraphData, selected: dict[str, str]) -> list[tuple[str, str]]:
    """The filters chosen without words: ``(label, path)`` of each value's own page, which
    lists its resources (an unknown value is left out)."""
    out = []
    for f in facets.FACETS:
        term = data.terms.get(f.vocabulary, {}).get(selected.get(f.id, ""))
        if term is not None:
            out.append((term.label, f"/{f.vocabulary}/{term.id}"))
    return out


@router.get("/", response_class=HTMLResponse)
async def search_page(
    request: Request,
    templates: TemplatesDep,
    searcher: SearcherDep,
    pool: SearchPoolDep,
    process: SearchProcessDep,
    data: OptionalGraphDataDep,
    filters: FiltersDep,
    client: ClientDep,
    q: str = "",
    exact: bool = False,
    k: int = Query(20, ge=1, le=MAX_K),
) -> Response:
    """The search page: the box and (folded) filters, then the close matches with the way to
    each, their "why" and counts; when nothing is close, help instead and the nearest ones."""
    selected = {f: v or "" for f, v in filters.items()}
    context: dict[str, Any] = {
        "nav": "search",
        "q": q[:MAX_QUERY],
        "data": data,
        "facet_labels": {f.id: f.label for f in facets.FACETS},
        "choices": _choices(data),
        "selected": selected,
        "result": None,
        "message": None,
    }
    code = 200
    if searcher is None:
        context["message"] = runtime_of(request.app).search_problem or (
            "Search is not available on this server."
        )
        code = 503 if q else 200
    elif q.strip():
        try:
            if len(q) > MAX_QUERY:
                raise InvalidSearch(f"q: at most {MAX_QUERY} characters, please.")
            answer = await answer_search(
                searcher,
                pool,
                q,
                k,
                exact=exact,
                misses=runtime_of(request.app).misses,
                filters=filters,
                process=process,
                client=client,
                request=request,
            )
            context["result"], context["facets"] = answer.response, answer.facets
            context |= by_tier(answer.response.results)
            if data is not None and not context["close"]:
                understood = answer.response.understood
                topics, places = understood.get("topic", ()), understood.get("locality", ())
                context["elsewhere"] = where_else(data, topics)
                context["tell_us"] = tell_us(data, topics, places)
        except CradleError as exc:
            code, context["message"] = domain_status(exc)
    elif data is not None:
        context["browse"] = _chosen_terms(data, selected)

    def refine(facet: str, value: str) -> str:
        params = {f: v for f, v in selected.items() if v} | {"q": q, facet: value}
        return "/?" + urlencode(params)

    def search_url(**changes: str) -> str:
        params = {f: v for f, v in selected.items() if v} | {"q": q} | changes
        return "/?" + urlencode({key: v for key, v in params.items() if v})

    context["refine"] = refine
    context["hit_path"], context["snippet_parts"] = hit_path, snippet_parts
    context["exact_url"] = search_url(exact="1")
    back = search_url(exact="1" if exact else "")
    # on every hit's link: only when the resource page would take it back
    context["back_query"] = (
        "?" + urlencode({"back": back}) if q.strip() and back_link(back) is not None else ""
    )
    context["unfiltered_url"] = "/?" + urlencode({"q": q})
    context["filters_on"] = sum(1 for v in selected.values() if v)
    return await render(templates, request, "search.html", context, code)


@router.get("/query", response_class=HTMLResponse)
def query_page(request: Request, templates: TemplatesDep, settings: SettingsDep) -> Response:
    """The SPARQL editor: YASGUI with one tab per analyst query in ``queries/``."""
    queries = {
        "endpoint": "/sparql",
        "queries": analyst_queries(settings.queries_dir),
        "prefixes": PREFIXES,
        "prefixes_url": "/query/prefixes.json",
        "base": BASE,
    }
    context = {"nav": "query", "queries": queries, "endpoint": public_url(request, "/sparql")}
    return templates.TemplateResponse(request, "query.html", context)


@router.get("/query/prefixes.json")
def query_prefixes() -> JSONResponse:
    """The editor's prefix list (YASQE's ``prefixCcApi``): the project's one set of prefixes."""
    return JSONResponse(PREFIXES)


@router.get("/favicon.ico")
def favicon() -> Response:
    """No icon: an empty answer, so browsers do not log a missing file on every page."""
    return Response(status_code=204, headers={"Cache-Control": "max-age=86400"})


@router.get("/accessibility", response_class=HTMLResponse)
def accessibility_page(request: Request, templates: TemplatesDep) -> Response:
    """The accessibility statement (the GOV.UK model: scope, compliance, known issues, how to
    report a problem, how the pages were tested, dates)."""
    return templates.TemplateResponse(request, "accessibility.html", {"nav": "accessibility"})


def heat(count: int) -> int:
    """The shade (0-4) of a heatmap cell holding ``count`` resources."""
    return 0 if count <= 0 else 1 if count == 1 else 2 if count == 2 else 3 if count <= 4 else 4


def areas(data: GraphData) -> list[tuple[Term, int]]:
    """The places that hold local authorities (country, regions, combined authorities, ...),
    depth-first from the country: the choices of ``within``."""
    places = data.terms.get("locality", {})
    top = [t.id for t in places.values() if not t.broader]
    out = []
    for pid in walk(top, lambda v: _by_label(data, v)):
        term = places.get(pid)
        if term and not term.is_local_authority and data.authorities(pid):
            out.append((term, len(data.above("locality", pid))))
    return out


def _by_label(data: GraphData, place: str) -> list[str]:
    term = data.term("locality", place)
    kids = [data.term("locality", n) for n in (term.narrower if term else ())]
    return [k.id for k in sorted((k for k in kids if k), key=lambda k: k.label)]


SORTS = {"name": "By name", "gaps": "Most gaps first", "need": "Highest need first"}


def sorted_places(matrix: Coverage, need: Need, sort: str) -> list[Term]:
    """The heatmap's rows: the authorities inside the catalogue's area, by name, most gaps or
    highest need (babies under one x deprivation weight; unknown last)."""
    outside = {p.id for p in matrix.outside}
    places = [p for p in matrix.localities if p.id not in outside]
    if sort == "gaps":
        places.sort(key=lambda p: (-matrix.gap_count(p.id), p.label))
    elif sort == "need":
        priority = {p.id: need.get(p.notation).priority for p in places}
        places.sort(key=lambda p: (priority[p.id] is None, -(priority[p.id] or 0), p.label))
    return places


@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(
    request: Request,
    templates: TemplatesDep,
    data: GraphDataDep,
    within: str | None = None,
    status: str = DEFAULT_STATUS,
    include_shared: bool = False,
    sort: Literal["name", "gaps", "need"] = "name",
) -> Response:
    """The coverage heatmap: the local authorities of an area (rows, with their need) x topics
    (columns), gaps marked; each cell links to its resources and to the search for that place
    and topic. Authorities outside the catalogue's area are named, not drawn."""
    matrix = coverage(data, within, status, include_shared)
    need = model_need(data)
    places = sorted_places(matrix, need, sort)
    params = {"within": matrix.within.id, "status": matrix.status}
    if include_shared:
        params["include_shared"] = "true"
    context = {
        "nav": "coverage",
        "matrix": matrix,
        "places": places,
        "need": need,
        "heat": heat,
        "data": data,
        "areas": areas(data),
        "statuses": list(data.terms.get("status", {}).values()),
        "sort": sort,
        "sorts": SORTS,
        "query": urlencode(params),
        "search_link": lambda place, topic: (
            "/?"
            + urlencode(
                {"q": data.label("topic", topic), "locality": place, "topic": topic}
                | ({} if matrix.status == ALL_STATUSES else {"status": matrix.status})
            )
        ),
    }
    page = templates.TemplateResponse(request, "coverage.html", context)
    return compressed(request, page)


#: Pages larger than this go gzipped to clients that accept it (the national heatmap: every
#: cell carries two links, and the text repeats enough to shrink many times over).
GZIP_OVER = 64 * 1024


def compressed(request: Request, page: Response) -> Response:
    """``page`` gzipped when it is large and the client accepts gzip; else unchanged."""
    accepts = request.headers.get("accept-encoding", "")
    if len(page.body) <= GZIP_OVER or "gzip" not in accepts.lower():
        return page
    headers = {k: v for k, v in page.headers.items() if k.lower() != "content-length"}
    headers |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    body = gzip.compress(bytes(page.body), compresslevel=5)
    return Response(body, status_code=page.status_code, headers=headers, media_type=None)


@router.get("/coverage/{locality}/{topic}", response_class=HTMLResponse)
def coverage_cell_page(
    request: Request,
    templates: TemplatesDep,
    data: GraphDataDep,
    locality: str,
    topic: str,
    status: str = DEFAULT_STATUS,
) -> Response:
    """The resources behind one heatmap cell: the authority's own, adopted and shared ones."""
    found = cell_resources(data, locality, topic, status)
    context = {
        "nav": "coverage",
        "data": data,
        "place": data.term("locality", locality),
        "topic": data.term("topic", topic),
        "status": status,
        "found": found,
    }
    return templates.TemplateResponse(request, "coverage_cell.html", context)
