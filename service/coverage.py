"""What the catalogue covers: ``/topics`` (the thesaurus with counts), ``/localities`` (with
counts), ``/gaps`` (local authority x topic coverage, zeros included, as JSON or CSV: a view
of :func:`cradle.graph.read.coverage.coverage`; with ``order``, the gaps ranked by need) and
``/oruk/services`` (the catalogue as Open Referral UK services)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from cradle.core.conneg import choose
from cradle.core.csvcells import safe_cell
from cradle.core.errors import NotAcceptable
from cradle.graph.build.need import OGL
from cradle.graph.read.coverage import DEFAULT_STATUS, Coverage, counts_for, coverage
from cradle.graph.read.oruk import reviewed_dates, services_json
from cradle.graph.read.priority import gaps_csv, gaps_document
from cradle.service.deps import GraphDataDep

router = APIRouter(tags=["coverage"])
CSV_FIELDS = [
    "locality",
    "locality_label",
    "topic",
    "topic_label",
    "own",
    "adopted",
    "local",
    "shared",
    "count",
    "outside_catalogue",
]


def coverage_csv(matrix: Coverage) -> str:
    """The coverage cells as CSV, one row per authority and topic, with labels."""
    topics = {t.id: t.label for t, _ in matrix.topics}
    places = {p.id: p.label for p in matrix.localities}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for cell in matrix.cells:
        row = cell.to_dict() | {
            "locality_label": places[cell.locality],
            "topic_label": topics[cell.topic],
        }
        writer.writerow({k: safe_cell(v) for k, v in row.items()})  # no cell a spreadsheet runs
    return buf.getvalue()


@router.get("/topics")
def topics(data: GraphDataDep) -> dict[str, Any]:
    """The topic thesaurus, depth-first, with how many resources each topic has: ``count``
    on the topic itself, ``count_with_narrower`` on it or any narrower topic."""
    direct: Counter[str] = Counter()
    wide: Counter[str] = Counter()
    up = counts_for(data, narrower=True)
    for r in data.resources.values():
        direct.update(list(dict.fromkeys(r.topics)))
        wide.update(list(dict.fromkeys(t for topic in r.topics for t in up.get(topic, ()))))
    out = []
    for term, depth in data.topic_tree():
        out.append(
            {
                "id": term.id,
                "iri": term.iri,
                "label": term.label,
                "depth": depth,
                "definition": term.definition,
                "alt_labels": list(term.alt_labels),
                "broader": list(term.broader),
                "narrower": list(term.narrower),
                "count": direct[term.id],
                "count_with_narrower": wide[term.id],
            }
        )
    return {"resources": len(data.resources), "topics": out}


@router.get("/localities")
def localities(data: GraphDataDep) -> dict[str, Any]:
    """Every locality with how many resources it ``published`` and how many published
    elsewhere it ``adopted`` (counted separately)."""
    out = []
    for term in data.terms.get("locality", {}).values():
        out.append(
            {
                "id": term.id,
                "iri": term.iri,
                "label": term.label,
                "level": term.level,
                "gss": term.notation,
                "within": list(term.broader),
                "published": len(data.resources_linked("locality", term.id)),
                "adopted": len(data.adopted_in(term.id)),
            }
        )
    return {"resources": len(data.resources), "localities": out}


@router.get(
    "/gaps",
    responses={
        200: {
            "description": "The coverage matrix, as JSON or CSV.",
            "content": {"application/json": {}, "text/csv": {}},
        },
        400: {"description": "Unknown status: the message lists the valid ones."},
        404: {"description": "``within`` names no place."},
        406: {"description": "Neither JSON nor CSV is acceptable."},
    },
    response_class=Response,
)
def gaps(
    request: Request,
    data: GraphDataDep,
    within: str | None = Query(
        None,
        description="area id: the rows are its local authorities (GSS E06/E08/E09/E10) at any "
        "depth; the catalogue's home area if omitted; 'england' gives every authority",
    ),
    status: str = Query(
        DEFAULT_STATUS, description="count resources of this status id only, or 'all'"
    ),
    include_shared: bool = Query(False, description="add the wider areas' resources to count"),
    narrower: bool = Query(True, description="narrower topics cover the broader ones"),
    format: Literal["json", "csv"] | None = Query(None, description="overrides Accept"),
    order: Literal["place", "need"] | None = Query(
        None,
        description="list the gaps alone, each with its authority's need (babies under one, "
        "IMD score and rank, priority): 'need' puts the highest priority first, 'place' keeps "
        "the matrix's order; omitted, the whole matrix is answered",
    ),
) -> Response:
    """Local authority x topic coverage, zeros included: where each authority lacks a
    resource; with ``order``, the gaps ranked by need. 404 for an unknown ``within``, 400 for
    an unknown ``status``."""
    fmt = (
        format
        or {"application/json": "json", "text/csv": "csv", None: None}[
            choose(request.headers.get("accept"), ["application/json", "text/csv"])
        ]
    )
    if fmt is None:
        raise NotAcceptable("Acceptable here: application/json, text/csv.")
    matrix = coverage(data, within, status, include_shared, narrower)
    headers = {"Vary": "Accept"}
    if order is not None:
        return _ranked(data, matrix, order, fmt, headers)
    if fmt == "csv":
        parts = ["cradle-coverage", matrix.within.id, matrix.status]
        name = "-".join(parts) + ("-with-shared" if include_shared else "") + ".csv"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return Response(coverage_csv(matrix), media_type="text/csv; charset=utf-8", headers=headers)
    return JSONResponse(matrix.to_dict(), headers=headers)


def _ranked(
    data: GraphDataDep, matrix: Coverage, order: str, fmt: str, headers: dict[str, str]
) -> Response:
    """``/gaps?order=...``: the gaps with their need, as JSON or CSV."""
    document = gaps_document(data, matrix, order)
    if fmt == "json":
        return JSONResponse(document, headers=headers)
    name = f"cradle-gaps-{matrix.within.id}-{matrix.status}-by-{order}.csv"
    headers["Content-Disposition"] = f'attachment; filename="{name}"'
    headers["Link"] = f'<{OGL}>; rel="license"'  # the need figures' licence (OGL v3.0)
    return Response(
        gaps_csv(document["gaps"]), media_type="text/csv; charset=utf-8", headers=headers
    )


@router.get("/oruk/services")
def oruk_services(data: GraphDataDep) -> dict[str, Any]:
    """Every catalogue resource as an Open Referral UK 1.0 service, its organization, service
    areas (GSS codes), taxonomy terms, eligibility and reviews nested: the same records as
    ``cradle export --format oruk`` (docs/oruk.md), on one page."""
    if "oruk" not in data.derived:
        data.derived["oruk"] = services_json(data, reviewed_dates(data.store))
    content: list[dict[str, Any]] = data.derived["oruk"]
    return {
        "totalElements": len(content),
        "totalPages": 1,
        "number": 1,
        "size": len(content),
        "first": True,
        "last": True,
        "content": content,
    }
