"""Staff pages: ``/review`` (what needs attention, beside what practitioners looked for and did
not find and the coverage gaps) and ``/changes`` (what changed at each build, as a page, JSON
and an Atom feed). The decisions are the graph stage's (:mod:`cradle.graph.curation.review`);
here the entries are the built version's read model and the last link check is the version's."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from cradle.core.conneg import choose
from cradle.core.errors import NotAcceptable
from cradle.graph.build.changes import read_changes
from cradle.graph.build.valuediff import field_changes, fields_text
from cradle.graph.curation.ranking import SUMMED_UP, grouped
from cradle.graph.curation.review import review
from cradle.graph.curation.reviewlist import what
from cradle.graph.read.coverage import coverage
from cradle.service.deps import GraphDataDep, TemplatesDep, VersionDep
from cradle.service.graphdata import GraphData
from cradle.service.publicurl import public_url
from cradle.service.runtime import runtime_of

router = APIRouter(tags=["staff"])
ATOM = "application/atom+xml"


def _day(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _wants(request: Request, fmt: str | None, offered: dict[str, str]) -> str:
    if fmt:
        return fmt
    chosen = choose(request.headers.get("accept"), list(offered))
    if chosen is None:
        raise NotAcceptable("Acceptable here: " + ", ".join(offered) + ".")
    return offered[chosen]


@router.get(
    "/review",
    response_class=Response,
    responses={
        200: {
            "description": "What needs attention (HTML page or the JSON list of "
            "`cradle review --format json`).",
            "content": {"text/html": {}, "application/json": {}},
        },
        406: {"description": "Neither HTML nor JSON is acceptable."},
    },
)
def review_page(
    request: Request,
    data: GraphDataDep,
    version: VersionDep,
    templates: TemplatesDep,
    today: dt.date | None = Query(None, description="judge as on this day (YYYY-MM-DD)"),
    format: Literal["html", "json"] | None = Query(None, description="overrides Accept"),
) -> Response:
    """Entries needing attention, what to do first at the top: ``[{"id", "title", "reasons",
    "details"}]`` as JSON; the page lists them under a heading per reason, and adds what
    practitioners looked for and did not find, and the coverage gaps."""
    found = review(data, version.links_file if version else None, _day(today))
    fmt = _wants(request, format, {"text/html": "html", "application/json": "json"})
    headers = {"Vary": "Accept"}
    if fmt == "json":
        return JSONResponse(found, headers=headers)
    groups = [
        {
            "code": g.reason.code,
            "heading": g.reason.heading,
            "action": g.reason.action,
            "summed_up": g.reason.code in SUMMED_UP,
            "entries": [f | {"plain": what(f, g.reason.code)} for f in g.entries],
        }
        for g in grouped(found)
    ]
    misses = runtime_of(request.app).misses
    shown = misses.shown() if misses is not None else None
    if shown:
        for row in shown["topics"]:
            row["label"] = data.label("topic", row["id"])
        for row in shown["places"]:
            row["label"] = data.label("locality", row["id"])
    matrix = coverage(data)  # the catalogue's home area, available resources
    gaps = [
        {"id": p.id, "label": p.label, "gaps": matrix.gap_count(p.id)} for p in matrix.localities
    ]
    context = {
        "nav": "review",
        "found": found,
        "groups": groups,
        "today": _day(today).isoformat(),
        "total": len(data.resources),
        "misses": shown,
        "gaps": gaps,
        "topics": len(matrix.topics),
    }
    return templates.TemplateResponse(request, "review.html", context, headers=headers)


def _titled(data: GraphData, ids: list[str]) -> list[dict[str, Any]]:
    out = []
    for ident in ids:
        r = data.resources.get(ident)
        out.append({"id": ident, "title": r.title if r else ident, "here": r is not None})
    return out


def _removed(build: dict[str, Any]) -> list[dict[str, Any]]:
    """A build's removed entries: id and title (the title kept by the build that removed it;
    the id for builds recorded before titles were kept)."""
    titles = build.get("removed_titles") or {}
    return [{"id": i, "title": titles.get(i) or i} for i in build["removed"]]


#: Fields of staff's bookkeeping, not news for the people who read "What's new": left out of
#: the page and the feed (the JSON keeps every field).
STAFF_ONLY = frozenset({"topics_suggested", "reviewed", "review_every", "url_checked"})


def public(build: dict[str, Any]) -> dict[str, Any]:
    """A build's record as the page and the feed show it: staff-only fields left out of its
    changes (an entry with nothing else changed is not listed), and fields named in words
    ("link_text" as "Link text")."""
    changed = {
        ident: {_label(f): v for f, v in fields.items() if f not in STAFF_ONLY}
        for ident, fields in build["changed"].items()
    }
    return build | {"changed": {i: fields for i, fields in changed.items() if fields}}


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()


def _atom(request: Request, builds: list[dict[str, Any]], data: GraphData) -> bytes:
    base = public_url(request, "")  # CRADLE_PUBLIC_URL, never the Host header
    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)
    feed = ET.Element(f"{{{ns}}}feed")
    ET.SubElement(feed, f"{{{ns}}}title").text = "Cradle: what's new in the catalogue"
    ET.SubElement(feed, f"{{{ns}}}id").text = f"{base}/changes"
    ET.SubElement(feed, f"{{{ns}}}link", rel="self", href=f"{base}/changes.atom")
    ET.SubElement(feed, f"{{{ns}}}link", rel="alternate", href=f"{base}/changes")
    updated = builds[0]["date"] if builds else "1970-01-01T00:00:00+00:00"
    ET.SubElement(feed, f"{{{ns}}}updated").text = updated
    author = ET.SubElement(feed, f"{{{ns}}}author")
    ET.SubElement(author, f"{{{ns}}}name").text = "Cradle catalogue staff"
    for b in map(public, builds):
        if not (b["added"] or b["changed"] or b["removed"]):
            continue  # only staff's bookkeeping changed
        entry = ET.SubElement(feed, f"{{{ns}}}entry")
        n_add, n_rm, n_ch = len(b["added"]), len(b["removed"]), len(b["changed"])
        title = f"{n_add} added, {n_ch} changed, {n_rm} removed"
        if b.get("first"):
            title = f"The catalogue's first build here, with {n_add} entries"
        ET.SubElement(entry, f"{{{ns}}}title").text = title
        ET.SubElement(entry, f"{{{ns}}}id").text = f"{base}/changes#{b['date']}"
        ET.SubElement(entry, f"{{{ns}}}updated").text = b["date"]
        ET.SubElement(entry, f"{{{ns}}}link", rel="alternate", href=f"{base}/changes")
        first = bool(b.get("first"))  # every entry "added": not listed one by one
        lines = [] if first else [f"Added: {t['title']}" for t in _titled(data, b["added"])]
        for t in _titled(data, list(b["changed"])):
            lines.append(f"Changed: {t['title']}")
            lines += [f"  {line}" for line in fields_text(b["changed"][t["id"]])]
        lines += [f"Removed: {t['title']}" for t in _removed(b)]
        text = "\n".join(lines) or ("Changes are listed from the next build on." if first else "")
        ET.SubElement(entry, f"{{{ns}}}summary").text = text or "No changes."
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


@router.get(
    "/changes",
    response_class=Response,
    responses={
        200: {
            "description": "What changed at each build: page, JSON or Atom feed.",
            "content": {"text/html": {}, "application/json": {}, ATOM: {}},
        },
        406: {"description": "None of HTML, JSON or Atom is acceptable."},
    },
)
def changes_page(
    request: Request,
    data: GraphDataDep,
    version: VersionDep,
    templates: TemplatesDep,
    format: Literal["html", "json", "atom"] | None = Query(None, description="overrides Accept"),
) -> Response:
    """What changed in the catalogue at each build, newest first (``date``, ``added``,
    ``removed``, ``changed``)."""
    builds = read_changes(version)["builds"]
    offered = {"text/html": "html", "application/json": "json", ATOM: "atom"}
    fmt = _wants(request, format, offered)
    headers = {"Vary": "Accept"}
    if fmt == "json":
        return JSONResponse(builds, headers=headers)
    if fmt == "atom":
        return Response(_atom(request, builds, data), media_type=ATOM, headers=headers)
    shown = [
        {
            "date": b["date"][:10],
            "first": bool(b.get("first")),
            "added": _titled(data, b["added"]),
            "changed": [
                t | {"fields": field_changes(b["changed"][t["id"]])}
                for t in _titled(data, list(b["changed"]))
            ],
            "removed": _removed(b),
        }
        for b in map(public, builds)
        if b["added"] or b["changed"] or b["removed"]
    ]
    context = {"nav": "changes", "builds": shown}
    return templates.TemplateResponse(request, "changes.html", context, headers=headers)


@router.get("/changes.atom", response_class=Response, include_in_schema=False)
def changes_feed(request: Request, data: GraphDataDep, version: VersionDep) -> Response:
    """The Atom feed of ``/changes`` at an address feed readers can be given."""
    builds = read_changes(version)["builds"]
    return Response(_atom(request, builds, data), media_type=ATOM)
