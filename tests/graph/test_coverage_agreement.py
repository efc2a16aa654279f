"""One coverage: ``/gaps`` (JSON and CSV), the ``/coverage`` heatmap, ``Catalogue.coverage()``
and the analysts' ``queries/coverage_matrix.rq`` agree cell for cell, for ``within``
greater-manchester, north-west and england, on the shipped catalogue and on a synthetic national
build (``cradle synth``)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cradle.api import Catalogue
from cradle.core.settings import QUERIES_DIR
from cradle.graph.build.pipeline import build_graph
from cradle.graph.build.store import open_store
from cradle.graph.sources.synth import write_synthetic
from cradle.graph.sparql.run import run_query
from tests.support import fake_settings

AREAS = ("greater-manchester", "north-west", "england")
STATUSES = ("available", "all")
Cells = dict[tuple[str, str], int]


@pytest.fixture(scope="module", params=["shipped", "synthetic"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graph-only data dir: the shipped catalogue's, or a synthetic national one's."""
    from tests.support import CATALOGUE

    out = tmp_path_factory.mktemp(f"agree-{request.param}")
    if request.param == "shipped":
        build_graph(CATALOGUE, out / "data")
    else:
        build_graph(write_synthetic(600, out / "cat", seed=3), out / "data")
    return out / "data"


@pytest.fixture(scope="module")
def client(built: Path) -> Iterator[TestClient]:
    from cradle.service.app import create_app

    with TestClient(create_app(fake_settings(built))) as c:
        yield c


@pytest.fixture(scope="module")
def kg(built: Path) -> Catalogue:
    return Catalogue.open(built)


def from_json(client: TestClient, within: str, status: str) -> tuple[Cells, dict[str, str]]:
    body = client.get("/gaps", params={"within": within, "status": status}).json()
    labels = {x["id"]: x["label"] for x in body["localities"]}
    return {(c["locality"], c["topic"]): c["count"] for c in body["cells"]}, labels


def outside_catalogue(client: TestClient, within: str, status: str) -> set[str]:
    body = client.get("/gaps", params={"within": within, "status": status}).json()
    return {x["id"] for x in body["localities"] if x["outside_catalogue"]}


def from_csv(client: TestClient, within: str, status: str) -> Cells:
    r = client.get("/gaps", params={"within": within, "status": status, "format": "csv"})
    return {
        (x["locality"], x["topic"]): int(x["count"]) for x in csv.DictReader(io.StringIO(r.text))
    }


def from_page(client: TestClient, within: str, status: str) -> Cells:
    page = client.get("/coverage", params={"within": within, "status": status}).text
    found = re.findall(r'<a class="n" href="/coverage/([^/]+)/([^?]+)\?[^"]*">(\d+)', page)
    return {(loc, topic): int(n) for loc, topic, n in found}


def from_api(kg: Catalogue, within: str, status: str) -> Cells:
    frame = kg.coverage(within=within, status=status)
    ids = {label: tid for tid, label in kg.topics()["label"].items()}
    places = {label: pid for pid, label in kg.boroughs(within).set_index("id")["label"].items()}
    return {
        (places[place], ids[topic]): int(frame.at[place, topic])
        for place in frame.index
        for topic in frame.columns
    }


def from_sparql(built: Path, within: str, status: str) -> Cells:
    text = (QUERIES_DIR / "coverage_matrix.rq").read_text()
    text = text.replace("loc:greater-manchester", f"loc:{within}")
    values = "UNDEF" if status == "all" else f"status:{status}"
    text = text.replace("VALUES ?status { status:available }", f"VALUES ?status {{ {values} }}")
    result = run_query(open_store(built), text)
    return {
        (s["place"].value.rsplit("/", 1)[-1], s["concept"].value.rsplit("/", 1)[-1]): int(
            s["resources"].value
        )
        for s in result
    }


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("within", AREAS)
def test_every_view_agrees_cell_for_cell(
    built: Path, client: TestClient, kg: Catalogue, within: str, status: str
) -> None:
    cells, labels = from_json(client, within, status)
    assert cells, "no authority in the area"
    assert len(cells) == len(labels) * len({t for _, t in cells})  # zeros kept
    assert from_csv(client, within, status) == cells
    # the page draws the authorities of the catalogue's area, naming the others above the table
    outside = outside_catalogue(client, within, status)
    assert from_page(client, within, status) == {
        k: v for k, v in cells.items() if k[0] not in outside
    }
    assert from_api(kg, within, status) == cells
    assert from_sparql(built, within, status) == cells


def test_the_rows_are_the_areas_local_authorities(built: Path, client: TestClient) -> None:
    gm = from_json(client, "greater-manchester", "all")[1]
    nw = from_json(client, "north-west", "all")[1]
    england = from_json(client, "england", "all")[1]
    assert len(gm) == 10 and set(gm) < set(nw) < set(england)
    assert len(nw) == 24 and len(england) == 153  # every upper-tier authority, in both graphs
    default = client.get("/gaps").json()
    assert default["within"]["id"] == (
        "england" if "synthetic" in str(built) else "greater-manchester"
    )
    assert default["status"] == "available"
