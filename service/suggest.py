"""``GET /suggest``: words to finish what someone is typing in the search box, from the
thesaurus's labels (preferred and alternative), resource titles and places."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query
from rapidfuzz import fuzz, process
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
            if r.status != "available":  # said before anyone opens it (awaiting information, ...)
                detail += f", {data.label('status', r.status).lower()}"
            found.append(Entry(" " + normalise(r.title), r.title, "resource", r.iri, detail))
        data.derived["suggest"] = found
    return found


#: Shortest typed word that gets typo-tolerant suggestions (shorter ones fit too much).
FUZZY_FROM = 4
#: rapidfuzz partial-ratio (0-100) at or above which a label fits a misspelt prefix.
FUZZY_AT = 80


def _ranked(data: GraphData, wanted: str) -> list[tuple[int, int, int, int, str, Entry]]:
    """Labels that start with ``wanted`` (fit 0), have a word that does (fit 1) or, when none
    does and it is long enough, come close despite a typo (fit 2, rapidfuzz)."""
    start = " " + wanted
    ranked = []
    for e in entries(data):
        if e.key.startswith(start):
            fit = 0
        elif start in e.key:
            fit = 1
        else:
            continue
        ranked.append((fit, KINDS.index(e.kind), 0, len(e.label), e.label.casefold(), e))
    if not ranked and len(wanted) >= FUZZY_FROM:
        # a typo keeps the first letter (as spelling correction assumes): "shakn" is not Hackney
        initial = " " + wanted[0]
        found = [e for e in entries(data) if initial in e.key]
        close = process.extract(
            wanted, [e.key for e in found], scorer=fuzz.partial_ratio, score_cutoff=FUZZY_AT,
            limit=None,
        )  # fmt: skip
        for _, score, n in close:
            e = found[n]
            ranked.append(
                (2, KINDS.index(e.kind), -int(score), len(e.label), e.label.casefold(), e)
            )
    ranked.sort(key=lambda x: x[:5])
    return ranked


def _item(e: Entry, label: str | None = None, detail: str | None = None) -> dict[str, Any]:
    item = {"label": label or e.label, "kind": e.kind, "uri": e.uri, "path": iri_path(e.uri)}
    if detail or e.detail:
        item["detail"] = detail or e.detail
    return item


def _combined(data: GraphData, wanted: str) -> list[dict[str, Any]]:
    """For several words ("wigan co"): when the first words are a whole place or topic label
    ("wigan"), the rest as the prefix of a label of the other kind ("co" -> Co-sleeping), as one
    suggestion "Wigan co-sleeping" (searched as typed, the words completed); preferred labels
    first."""
    words = wanted.split()
    out: list[dict[str, Any]] = []
    for cut in range(len(words) - 1, 0, -1):
        head, tail = " " + " ".join(words[:cut]), " ".join(words[cut:])
        named = next((e for e in entries(data) if e.key == head and e.kind != "resource"), None)
        if named is None:
            continue
        other = {"topic": "locality", "locality": "topic"}[named.kind]
        found = [e for *_, e in _ranked(data, tail) if e.kind == other]
        for e in sorted(found, key=lambda e: e.detail is not None):  # stable: keeps the ranking
            rest = e.label.lower() if other == "topic" else e.label
            out.append(_item(e, f"{named.label} {rest}", f"{named.label} + {e.detail or e.label}"))
        break
    return out


def suggestions(data: GraphData | None, prefix: str, limit: int = LIMIT) -> list[dict[str, Any]]:
    """Labels that start with ``prefix``, or have a word that does (those after), topics
    first, then places, then titles; shorter first. Several words whose first ones name a place
    or topic ("wigan co") also get that name with the rest completed ("Wigan co-sleeping");
    when nothing starts so, labels close despite a typo ("shakn" -> shaken baby). One per
    topic, place or resource, at most ``limit``."""
    wanted = normalise(prefix)
    if data is None or not wanted:
        return []
    candidates = [_item(e) for *_, e in _ranked(data, wanted)]
    if " " in wanted:
        candidates = _combined(data, wanted) + candidates
    out: list[dict[str, Any]] = []
    seen = set()
    for item in candidates:
        if item["uri"] in seen:
            continue
        seen.add(item["uri"])
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
