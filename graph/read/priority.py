"""Gaps ranked by need: the one coverage function's gaps, joined to need per authority.

No second count: :func:`ranked_gaps` takes :func:`cradle.graph.read.coverage.coverage`'s matrix and
adds to each gap its authority's figures from :mod:`cradle.graph.build.need` (babies under one,
IMD score and rank, deprivation weight) and the priority made of them. Gaps of authorities
without figures come last, by name.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Literal

from cradle.core.csvcells import safe_cell
from cradle.core.datadir import DataDir
from cradle.core.errors import InvalidCoverage
from cradle.graph.build.need import ATTRIBUTION, Need, need_for
from cradle.graph.build.store import open_store
from cradle.graph.read.coverage import Coverage, coverage
from cradle.graph.read.readmodel import COUNTRY, ReadModel, read_model

#: ``order`` values of /gaps, ``cradle gaps`` and ``Catalogue.gaps``.
ORDERS = ("place", "need")
Order = Literal["place", "need"]
#: Columns of a ranked gap, as JSON keys and CSV header.
GAP_FIELDS = [
    "rank", "locality", "locality_label", "gss", "topic", "topic_label",
    "babies_under_one", "imd_score", "imd_rank", "deprivation_weight", "priority",
]  # fmt: skip


def check_order(order: str) -> Order:
    """``order`` if it is one of :data:`ORDERS`.

    Raises:
        InvalidCoverage: it is not; the message lists the valid values.
    """
    if order == "place":
        return "place"
    if order == "need":
        return "need"
    raise InvalidCoverage(f"unknown order {order[:80]!r}: use one of {', '.join(ORDERS)}")


def model_need(model: ReadModel) -> Need:
    """Need for the authorities of the graph (joined by GSS code; made once per model)."""
    if "need" not in model.derived:
        places = {t.notation: t.label for t in model.authorities(COUNTRY)
                  if t.notation}  # fmt: skip
        model.derived["need"] = need_for(places)
    result: Need = model.derived["need"]
    return result


def ranked_gaps(model: ReadModel, matrix: Coverage, order: str = "need") -> list[dict[str, Any]]:
    """The matrix's gaps with their authority's need, highest priority first (``need``) or in
    the matrix's order (``place``), numbered from 1.

    Raises:
        InvalidCoverage: unknown ``order``.
    """
    chosen = check_order(order)
    need = model_need(model)
    places = {p.id: p for p in matrix.localities}
    topics = {t.id: t.label for t, _ in matrix.topics}
    rows = []
    for cell in matrix.gaps:
        place = places[cell.locality]
        figures = need.get(place.notation)
        rows.append({"locality": place.id, "locality_label": place.label, "gss": place.notation,
                     "topic": cell.topic, "topic_label": topics[cell.topic]}
                    | figures.to_dict())  # fmt: skip
    if chosen == "need":
        rows.sort(key=lambda r: (r["priority"] is None, -(r["priority"] or 0),
                                 r["locality_label"]))  # fmt: skip
    return [{"rank": i + 1} | r for i, r in enumerate(rows)]


def gaps_document(model: ReadModel, matrix: Coverage, order: str = "need") -> dict[str, Any]:
    """``/gaps?order=...`` as JSON: the matrix's parameters, the ranked gaps, how the priority
    is made, the open data's attribution and every code that did not join."""
    return {
        "within": {"id": matrix.within.id, "label": matrix.within.label},
        "status": matrix.status,
        "include_shared": matrix.include_shared,
        "include_narrower": matrix.include_narrower,
        "order": check_order(order),
        "priority": "babies_under_one x deprivation_weight; deprivation_weight = imd_score / "
        "the mean IMD score of England's upper-tier authorities",
        "attribution": ATTRIBUTION,
        "gaps": ranked_gaps(model, matrix, order),
        "unjoined": model_need(model).unjoined,
    }


def gaps_csv(rows: list[dict[str, Any]]) -> str:
    """Ranked gaps as CSV, one row per gap, columns :data:`GAP_FIELDS` (empty where unknown)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, GAP_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in r.items()} for r in rows)  # CSV injection
    return buf.getvalue()


def gaps_output(
    data_dir: Path,
    within: str | None = None,
    status: str = "available",
    include_shared: bool = False,
    order: str = "need",
    fmt: str = "csv",
) -> str:
    """``cradle gaps``: the built graph's gaps with their need, as CSV or JSON text.

    Raises:
        NotBuilt: nothing built in ``data_dir``; UnknownArea, InvalidCoverage: as /gaps.
    """
    model = read_model(open_store(DataDir(data_dir).open()))
    matrix = coverage(model, within, status, include_shared)
    document = gaps_document(model, matrix, order)
    if fmt == "json":
        return json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    return gaps_csv(document["gaps"])
