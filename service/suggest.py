"""``GET /suggest``: words to finish what someone is typing in the search box, from the
thesaurus's labels (preferred and alternative), resource titles and places."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from cradle.index.text import normalise
from cradle.service.deps import OptionalGraphDataDep
from cradle.service.graphdata import GraphData, iri_path

router = APIRouter(tags=["search"])

MAX_PREFIX = 200
LIMIT = 8
KINDS = ("topic", "locality", "resource")  # the order suggestions of equal fit come in


@dataclass(frozen=True, slots=True)
class Entry:
    """One label that can be suggested."""

    key: str  # " " + the normalised label, so that " word" finds any word start
    label: str
    kind: str
    uri: str
    detail: str | None


def entries(data: GraphData) -> list[Entry]:
    """Every suggestible label of the graph (made once per graph and kept)."""
    found = data.derived.get("suggest")
    if found is None:
        found = []
        for kind in ("topic", "locality"):
            for term in data.terms.get(kind, {}).values():
                for n, label in enumerate((term.label, *term.alt_labels)):
                    detail = term.label if n else None
                    found.append(Entry(" " + normalise(label), label, kind, term.iri, detail))
        for r in data.resources.values():
            detail = data.label("locality", r.locality)
            found.append(Entry(" " + normalise(r.title), r.title, "resource", r.iri, detail))
        data.derived["suggest"] = found
    return found


def suggestions(data: GraphData | None, prefix: str, limit: int = LIMIT) -> list[dict[str, Any]]:
    """Labels that start with ``prefix``, or have a word that does (those after), topics
    first, then places, then titles; shorter first. One per topic, place or resource."""
    wanted = normalise(prefix)
    if data is None or not wanted:
        return []
    start, inner = " " + wanted, " " + wanted
    ranked = []
    for e in entries(data):
        if e.key.startswith(start):
            fit = 0
        elif inner in e.key:
            fit = 1
        else:
            continue
        ranked.append((fit, KINDS.index(e.kind), len(e.label), e.label.casefold(), e))
    ranked.sort(key=lambda x: x[:4])
    out: list[dict[str, Any]] = []
    seen = set()
    for *_, e in ranked:
        if e.uri in seen:
            continue
        seen.add(e.uri)
        item = {"label": e.label, "kind": e.kind, "uri": e.uri, "path": iri_path(e.uri)}
        if e.detail:
            item["detail"] = e.detail
        out.append(item)
        if len(out) == limit:
            break
    return out


@router.get(
    "/suggest",
    responses={422: {"description": "The prefix is too long (the message says so)."}},
)
async def suggest(
    data: OptionalGraphDataDep,
    q: str = Query("", max_length=MAX_PREFIX, description="what has been typed so far"),
) -> dict[str, Any]:
    """Suggestions as you type: ``{"query", "suggestions": [{"label", "kind", "uri", "path",
    "detail"?}]}``; ``kind`` is ``topic``, ``locality`` or ``resource``. An empty prefix gets
    an empty list."""
    found = await run_in_threadpool(suggestions, data, q)
    return {"query": q, "suggestions": found}
