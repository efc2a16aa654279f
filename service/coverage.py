"""What the catalogue covers: ``/topics`` (the thesaurus with counts), ``/localities`` (with
counts) and ``/gaps`` (borough x topic coverage, zeros included, as JSON or CSV)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from cradle.core.conneg import choose
from cradle.service.deps import GraphDataDep
from cradle.service.graphdata import GraphData, Term

router = APIRouter(tags=["coverage"])
CSV_FIELDS = ["locality", "locality_label", "topic", "topic_label", "own", "adopted", "local",
              "shared", "count"]  # fmt: skip


def topic_tree(data: GraphData) -> list[tuple[Term, int]]:
    """Every topic with its depth, depth-first from the top concepts, siblings by label."""
    topics = data.terms.get("topic", {})
    out: list[tuple[Term, int]] = []

    def visit(term: Term, depth: int) -> None:
        out.append((term, depth))
        kids = [topics[n] for n in term.narrower if n in topics]
        for child in sorted(kids, key=lambda t: t.label.lower()):
            visit(child, depth + 1)

    for top in (t for t in topics.values() if not t.broader):
        visit(top, 0)
    return out


def _ancestors(data: GraphData, locality_id: str) -> set[str]:
    seen: set[str] = set()
    todo = list(getattr(data.term("locality", locality_id), "broader", ()))
    while todo:
        lid = todo.pop()
        if lid not in seen:
            seen.add(lid)
            todo.extend(getattr(data.term("locality", lid), "broader", ()))
    return seen


def coverage(data: GraphData, include_shared: bool = False, narrower: bool = True) -> dict:
    """The borough x topic coverage matrix.

    A borough's ``own`` resources are those it published, ``adopted`` those published elsewhere
    that it adopted, ``shared`` those of the areas containing it (Greater Manchester, England).
    ``local`` = own + adopted; ``count`` = local, plus shared when ``include_shared``.

    Args:
        data: the catalogue graph.
        include_shared: count Greater Manchester and national resources in ``count``.
        narrower: a resource on a narrower topic also covers the broader ones.

    Returns:
        JSON-ready: ``localities``, ``topics`` (with depth), ``cells`` (one per pair, zeros
        included) and ``gaps`` (pairs whose count is zero). Computed once per graph and
        arguments; treat it as read-only.
    """
    key = ("coverage", include_shared, narrower)
    if key not in data.derived:
        data.derived[key] = _coverage(data, include_shared, narrower)
    return data.derived[key]


def _counts_for(data: GraphData, narrower: bool) -> dict[str, tuple[str, ...]]:
    """Topic id -> the topics a resource on it counts for (itself, and broader ones)."""
    ids = [t.id for t, _ in topic_tree(data)]
    up: dict[str, list[str]] = {}
    for tid in ids:
        for below in data.descendants(tid) if narrower else {tid}:
            up.setdefault(below, []).append(tid)
    return {tid: tuple(dict.fromkeys(found)) for tid, found in up.items()}


def _coverage(data: GraphData, include_shared: bool, narrower: bool) -> dict:
    tree = topic_tree(data)
    boroughs = data.boroughs()
    above = {p.id: _ancestors(data, p.id) for p in boroughs}
    counts_for = _counts_for(data, narrower)
    located: Counter[tuple[str, str]] = Counter()  # (place published in, topic)
    adopted: Counter[tuple[str, str]] = Counter()  # (place adopting from elsewhere, topic)
    adopted_wider: Counter[tuple[str, str]] = Counter()  # adopted from an area containing it
    for r in data.resources.values():
        on = dict.fromkeys(t for topic in r.topics for t in counts_for.get(topic, ()))
        places = [p for p in dict.fromkeys(r.adopted_in) if p != r.locality]
        wider = [p for p in places if r.locality in above.get(p, ())]
        for t in on:
            located[(r.locality, t)] += 1
            adopted.update((p, t) for p in places)
            adopted_wider.update((p, t) for p in wider)
    cells, gaps = [], []
    for place in boroughs:
        for term, _ in tree:
            pair = (place.id, term.id)
            own, took = located[pair], adopted[pair]
            shared = sum(located[(a, term.id)] for a in above[place.id]) - adopted_wider[pair]
            count = own + took + (shared if include_shared else 0)
            cells.append({"locality": place.id, "topic": term.id, "own": own, "adopted": took,
                          "local": own + took, "shared": shared, "count": count})  # fmt: skip
            if count == 0:
                gaps.append({"locality": place.id, "topic": term.id})
    return {
        "include_shared": include_shared,
        "include_narrower": narrower,
        "localities": [{"id": p.id, "label": p.label, "iri": p.iri} for p in boroughs],
        "topics": [{"id": t.id, "label": t.label, "iri": t.iri, "depth": d} for t, d in tree],
        "cells": cells,
        "gaps": gaps,
    }


def coverage_csv(matrix: dict) -> str:
    """The coverage cells as CSV, one row per borough and topic, with labels."""
    labels = {("locality", x["id"]): x["label"] for x in matrix["localities"]}
    labels |= {("topic", x["id"]): x["label"] for x in matrix["topics"]}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for cell in matrix["cells"]:
        writer.writerow(
            cell
            | {
                "locality_label": labels[("locality", cell["locality"])],
                "topic_label": labels[("topic", cell["topic"])],
            }
        )
    return buf.getvalue()


@router.get("/topics")
def topics(data: GraphDataDep) -> dict[str, Any]:
    """The topic thesaurus, depth-first, with how many resources each topic has: ``count``
    on the topic itself, ``count_with_narrower`` on it or any narrower topic."""
    direct: Counter[str] = Counter()
    wide: Counter[str] = Counter()
    counts_for = _counts_for(data, narrower=True)
    for r in data.resources.values():
        direct.update(list(dict.fromkeys(r.topics)))
        wide.update(list(dict.fromkeys(t for topic in r.topics for t in counts_for.get(topic, ()))))
    out = []
    for term, depth in topic_tree(data):
        out.append({
            "id": term.id, "iri": term.iri, "label": term.label, "depth": depth,
            "definition": term.definition, "alt_labels": list(term.alt_labels),
            "broader": list(term.broader), "narrower": list(term.narrower),
            "count": direct[term.id], "count_with_narrower": wide[term.id],
        })  # fmt: skip
    return {"resources": len(data.resources), "topics": out}


@router.get("/localities")
def localities(data: GraphDataDep) -> dict[str, Any]:
    """Every locality with how many resources it ``published`` and how many published
    elsewhere it ``adopted`` (counted separately)."""
    out = []
    for term in data.terms.get("locality", {}).values():
        out.append({
            "id": term.id, "iri": term.iri, "label": term.label, "level": term.level,
            "gss": term.notation, "within": list(term.broader),
            "published": len(data.resources_linked("locality", term.id)),
            "adopted": len(data.adopted_in(term.id)),
        })  # fmt: skip
    return {"resources": len(data.resources), "localities": out}


@router.get(
    "/gaps",
    responses={
        200: {
            "description": "The coverage matrix, as JSON or CSV.",
            "content": {"application/json": {}, "text/csv": {}},
        },
        406: {"description": "Neither JSON nor CSV is acceptable."},
    },
    response_class=Response,
)
def gaps(
    request: Request,
    data: GraphDataDep,
    include_shared: bool = Query(False, description="count Greater Manchester and national"),
    narrower: bool = Query(True, description="narrower topics cover the broader ones"),
    format: Literal["json", "csv"] | None = Query(None, description="overrides Accept"),
) -> Response:
    """Borough x topic coverage, zeros included: where each borough lacks a resource."""
    fmt = (
        format
        or {"application/json": "json", "text/csv": "csv", None: None}[
            choose(request.headers.get("accept"), ["application/json", "text/csv"])
        ]
    )
    if fmt is None:
        raise HTTPException(406, "Acceptable here: application/json, text/csv.")
    matrix = coverage(data, include_shared, narrower)
    headers = {"Vary": "Accept"}
    if fmt == "csv":
        name = "cradle-coverage" + ("-with-shared" if include_shared else "") + ".csv"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return Response(coverage_csv(matrix), media_type="text/csv; charset=utf-8", headers=headers)
    return JSONResponse(matrix, headers=headers)
