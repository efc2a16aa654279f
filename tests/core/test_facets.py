"""One facet registry (issue 22): a facet added in one place (cradle.core.facets.FACETS) shows
in the JSON, the CLI and the page."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cradle.core import facets
from cradle.facet_options import facet_options
from cradle.index.commands import run_search
from tests.support import fake_settings

KIND = facets.Facet("kind", "Kind of resource", "kind", "kind")


@pytest.fixture()
def with_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facets, "FACETS", (*facets.FACETS, KIND))


@pytest.fixture(scope="module")
def client(data_dir: Path) -> Iterator[TestClient]:
    """The app with searches on its own thread: the facet these tests add to the registry at
    run time (a real one is added in the code, which a search process imports too) would not
    reach a search process."""
    from cradle.service.app import create_app

    with TestClient(create_app(fake_settings(data_dir, search_process=False))) as c:
        yield c


@pytest.mark.usefixtures("with_kind")
def test_a_new_facet_filters_and_counts_in_the_json(client: TestClient) -> None:
    body = client.get("/search", params={"q": "safe sleep", "kind": "video", "k": 20}).json()
    assert body["results"] and {h["kind"] for h in body["results"]} == {"video"}
    assert set(body["facets"]["kind"]) <= {"video"}
    wrong = client.get("/search", params={"q": "safe sleep", "kind": "atlantis"})
    assert wrong.status_code == 422 and "kind" in wrong.json()["detail"]


@pytest.mark.usefixtures("with_kind")
def test_a_new_facet_is_a_page_filter(client: TestClient) -> None:
    page = client.get("/", params={"q": "safe sleep", "kind": "video"}).text
    assert 'name="kind"' in page and "Kind of resource" in page
    assert '<option value="video" selected>' in page


@pytest.mark.usefixtures("with_kind")
def test_a_new_facet_is_a_cli_flag(data_dir: Path) -> None:
    app = typer.Typer()

    @app.command()
    @facet_options
    def search(query: str, filters: dict[str, str | None]) -> None:
        typer.echo(json.dumps(filters))

    @app.command()
    def other() -> None:  # a second command, so Typer keeps the command name
        pass

    out = CliRunner().invoke(app, ["search", "cots", "--kind", "video", "--topic", "x"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == facets.no_filters() | {"topic": "x", "kind": "video"}
    printed = io.StringIO()
    filters = facets.no_filters() | {"kind": "video"}
    run_search(fake_settings(data_dir), "safe sleep", filters, k=5, as_json=True, out=printed)
    assert {h["kind"] for h in json.loads(printed.getvalue())["results"]} == {"video"}


def test_every_layer_offers_the_registered_facets(client: TestClient) -> None:
    from cradle.cli import app

    names = facets.facet_ids()
    help_text = CliRunner().invoke(app, ["search", "--help"], env={"COLUMNS": "200"}).output
    assert all(f"--{n}" in help_text for n in names)
    spec = client.get("/openapi.json").json()["paths"]["/search"]["get"]["parameters"]
    assert set(names) <= {p["name"] for p in spec}
    page = client.get("/").text
    assert all(f'name="{n}"' in page for n in names)
