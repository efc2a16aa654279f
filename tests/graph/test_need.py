"""Need per place (open data joined by GSS code), in the graph as Data Cube, and gaps by need."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cradle.api import Catalogue
from cradle.cli import app
from cradle.core.errors import InvalidCoverage
from cradle.core.namespaces import sparql_prologue
from cradle.core.settings import QUERIES_DIR
from cradle.graph.build.need import (
    ATTRIBUTION,
    COUNTIES_FILE,
    IMD_FILE,
    _rows,
    authorities_in,
    county_score,
    need_for,
)
from cradle.graph.build.ontology import load_ontology
from cradle.graph.build.store import open_store
from cradle.graph.sparql.run import run_query
from tests.support import GM_BOROUGHS


@pytest.fixture(scope="module")
def need() -> Any:
    places = authorities_in(load_ontology())
    return need_for({gss: label for gss, (_, label) in places.items()})


def test_every_authority_joins_and_what_does_not_is_reported(need: Any) -> None:
    assert len(need.places) == 153
    with_babies = [p for p in need.places.values() if p.babies_under_one is not None]
    with_score = [p for p in need.places.values() if p.imd_score is not None]
    assert len(with_babies) == 149 and len(with_score) == 153
    assert len(need.unjoined) == 5
    assert any("Cumbria" in line and "E10000006" in line for line in need.unjoined)
    assert sum("no babies-under-one figure" in line for line in need.unjoined) == 4
    manchester = need.get("E08000003")
    assert manchester.babies_under_one == 7018 and manchester.imd_districts == 1
    assert manchester.priority == round(7018 * manchester.deprivation_weight, 1)
    north_yorkshire = need.get("E06000065")  # 2020 code E10000023, same boundary
    assert north_yorkshire.babies_under_one is not None


def test_a_county_score_is_the_mean_of_its_districts(need: Any) -> None:
    districts = [r for r in _rows(COUNTIES_FILE) if r["cty24_code"] == "E10000016"]  # Kent
    imd = {r["ltla24_code"]: float(r["imd_average_score"]) for r in _rows(IMD_FILE)}
    kent = need.get("E10000016")
    assert kent.imd_districts == len(districts) == 12
    assert kent.imd_score == county_score(imd[r["ltla24_code"]] for r in districts)
    assert county_score([10.0, 20.0], [3.0, 1.0]) == 12.5  # weights, when there are some


def test_the_lookup_covers_every_district_of_the_deprivation_table() -> None:
    districts = {r["ltla24_code"] for r in _rows(IMD_FILE) if r["ltla24_code"][:3] == "E07"}
    counties = {r["ltla24_code"]: r["cty24_code"] for r in _rows(COUNTIES_FILE)}
    assert set(counties) == districts
    assert {c[:3] for c in counties.values()} == {"E10"} and len(set(counties.values())) == 21


def test_need_is_in_the_graph_as_data_cube_observations(graph_dir: Path) -> None:
    query = (
        sparql_prologue()
        + """
        PREFIX qb: <http://purl.org/linked-data/cube#>
        PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
        SELECT ?babies ?licence WHERE {
          ?obs a qb:Observation ; qb:dataSet ?ds ; sdmx-dimension:refArea loc:manchester ;
               cradle:babiesUnderOne ?babies .
          ?ds dct:license ?licence ; qb:structure ?dsd .
        }"""
    )
    rows = list(run_query(open_store(graph_dir), query))
    assert len(rows) == 1 and rows[0]["babies"].value == "7018"
    assert "open-government-licence" in rows[0]["licence"].value


def test_gaps_by_need_on_the_api(client: Any) -> None:
    answer = client.get("/gaps", params={"order": "need", "within": "greater-manchester"})
    body = answer.json()
    assert body["attribution"] == ATTRIBUTION and "babies_under_one" in body["priority"]
    gaps = body["gaps"]
    assert gaps and {g["locality"] for g in gaps} <= GM_BOROUGHS
    priorities = [g["priority"] for g in gaps]
    assert priorities == sorted(priorities, reverse=True)
    assert gaps[0]["locality"] == "manchester" and gaps[0]["imd_rank"] >= 1
    assert [g["rank"] for g in gaps] == list(range(1, len(gaps) + 1))
    matrix = client.get("/gaps", params={"within": "greater-manchester"}).json()
    assert len(gaps) == len(matrix["gaps"])  # the one coverage function's gaps, joined to need
    answer = client.get("/gaps", params={"order": "need", "format": "csv"})
    assert "open-government-licence" in answer.headers["link"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == len(gaps) and rows[0]["babies_under_one"] == "7018"
    assert client.get("/gaps", params={"order": "size"}).status_code == 422


def test_gaps_by_need_in_python_and_on_the_command_line(kg: Catalogue, graph_dir: Path) -> None:
    table = kg.gaps(order="need")
    assert table.iloc[0]["locality"] == "manchester"
    assert list(table["priority"]) == sorted(table["priority"], reverse=True)
    assert len(kg.gaps()) == len(table)
    with pytest.raises(InvalidCoverage, match="unknown order"):
        kg.gaps(order="size")
    result = CliRunner().invoke(
        app, ["gaps", "--order", "need", "--format", "json", "--data-dir", str(graph_dir)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["gaps"][0]["locality"] == "manchester"
    args = ["gaps", "--within", "atlantis", "--data-dir", str(graph_dir)]
    missing = CliRunner().invoke(app, args)
    assert missing.exit_code == 1 and "no area" in missing.output


@pytest.fixture(scope="module")
def kg(graph_dir: Path) -> Catalogue:
    return Catalogue.open(graph_dir)


def test_the_sparql_example_joins_coverage_and_need(graph_dir: Path, kg: Catalogue) -> None:
    text = (QUERIES_DIR / "gaps_by_need.rq").read_text()
    rows = list(run_query(open_store(graph_dir), text))
    expected = kg.gaps()
    assert len(rows) == len(expected)  # the same gaps as the coverage function's
    assert rows[0]["borough"].value == "Manchester" and rows[0]["babies"].value == "7018"
