"""The app as a whole: /health, the offline API docs, security headers, errors that never leak
internals, named-graph mode, and the ``cradle serve`` command."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cradle.cli import app as cli
from cradle.core.datadir import DataDir
from cradle.core.errors import NotBuilt
from cradle.service.app import create_app
from cradle.service.commands import parse_graphs, preflight
from tests.support import fake_settings
from tests.support.service import copy_build, running_server

LEAKS = re.compile(r"Traceback|File \"|\.py\b|/tmp/|/work/|/home/|site-packages", re.I)


def test_health_reports_digests_model_counts_and_match(client: TestClient, data_dir: Path) -> None:
    body = client.get("/health").json()
    version = DataDir(data_dir).open()
    graph, index = version.graph_manifest(), version.index_manifest()
    assert body["status"] == "ok" and body["problems"] == []
    assert body["graph"]["sha256"] == graph["graph_sha256"]
    assert body["graph"]["version"] == version.id == DataDir(data_dir).current_id()
    assert body["index"]["sha256"] == index["index_sha256"]
    assert body["index"]["queries"] == "hashing"  # how queries are embedded (fake embedder)
    assert body["index"]["model"] == "fake"
    assert body["graph_index_match"] is True
    assert body["counts"]["resources"] == graph["resources"] == body["counts"]["indexed"]
    assert body["counts"]["topics"] > 0 and body["counts"]["localities"] >= 12


def test_health_says_when_index_and_graph_do_not_match(data_dir: Path, tmp_path: Path) -> None:
    stale = copy_build(data_dir, tmp_path / "stale")
    version = DataDir(stale).open()
    version.write_index_manifest(version.index_manifest() | {"graph_sha256": "0" * 64})
    with TestClient(create_app(fake_settings(stale))) as c:
        body = c.get("/health").json()
        search = c.get("/search", params={"q": "sleep"})
    assert body["status"] == "degraded"
    assert body["problems"] == ["the search index was built from another graph: run `cradle build`"]
    assert search.status_code == 503 and "another graph" in search.json()["detail"]
    assert not LEAKS.search(json.dumps(body)) and not LEAKS.search(search.text)


def test_damaged_index_leaves_search_off_and_health_says_so(data_dir: Path, tmp_path: Path) -> None:
    damaged = copy_build(data_dir, tmp_path / "damaged")
    DataDir(damaged).open().faiss_file.write_bytes(b"not a faiss index")
    with TestClient(create_app(fake_settings(damaged))) as c:
        body = c.get("/health").json()
        assert c.get("/topics").status_code == 200  # the rest of the service still works
    assert body["status"] == "degraded" and "damaged" in body["problems"][0]
    assert not LEAKS.search(json.dumps(body))


def test_damaged_graph_is_a_clear_error(data_dir: Path, tmp_path: Path) -> None:
    from cradle.service.graphdata import load_graph_data

    damaged = copy_build(data_dir, tmp_path / "damaged")
    store = DataDir(damaged).open().store_dir
    for table in store.glob("*.sst"):  # the service reads the store, not the Turtle
        table.write_bytes(b"not a table")
    with pytest.raises(NotBuilt, match="cannot be read: run `cradle build`"):
        load_graph_data(damaged)


def test_api_docs_are_served_offline(client: TestClient) -> None:
    page = client.get("/docs").text
    assets = re.findall(r'(?:href|src)="([^"]+)"', page)
    assert assets and all(a.startswith(("/", "#")) for a in assets)
    for asset in (a for a in assets if a.startswith("/")):
        assert client.get(asset).status_code == 200, asset
    spec = client.get("/openapi.json").json()
    for path in (
        "/search",
        "/topics",
        "/localities",
        "/gaps",
        "/health",
        "/resource/{resource_id}",
    ):
        assert path in spec["paths"]
    assert set(spec["paths"]["/gaps"]["get"]["responses"]["200"]["content"]) == {
        "application/json",
        "text/csv",
    }


def test_security_headers_forbid_other_origins(client: TestClient) -> None:
    for path in ("/", "/query", "/health"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


def test_unexpected_errors_answer_a_generic_500_without_internals(data_dir: Path) -> None:
    class Exploding:
        def search_filtered(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("boom at /etc/secret/path.py line 3")

    app = create_app(fake_settings(data_dir))
    with TestClient(app, raise_server_exceptions=False) as c:
        app.state.runtime.searcher = Exploding()
        r = c.get("/search", params={"q": "sleep"})
        page = c.get("/", params={"q": "sleep"}, headers={"accept": "text/html"})
    assert r.status_code == 500
    assert r.json() == {
        "detail": "Internal error: the request could not be completed. It has been logged."
    }
    assert "boom" not in page.text and not LEAKS.search(r.text)


@pytest.mark.parametrize("path", ["/nope", "/resource/", "/gaps?format=xml", "/search?q=a&k=x"])
def test_client_errors_are_4xx_with_a_message_and_no_internals(
    client: TestClient, path: str
) -> None:
    for accept in ("application/json", "text/html"):
        r = client.get(path, headers={"accept": accept})
        assert 400 <= r.status_code < 500
        assert not LEAKS.search(r.text)
        if accept == "application/json":
            assert r.json()["detail"]


def test_wrong_method_is_405(client: TestClient) -> None:
    assert client.post("/search", params={"q": "x"}).status_code == 405
    assert client.delete("/resource/gm-safer-sleep-policy").status_code == 405


def test_named_graph_mode_serves_no_catalogue_views(tmp_path: Path) -> None:
    nt = tmp_path / "g.nt"
    nt.write_text("<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n")
    settings = fake_settings(tmp_path / "empty", named_graphs={"http://example.org/g": nt})
    with TestClient(create_app(settings)) as c:
        for path in ("/search?q=sleep", "/resource/gm-safer-sleep-policy", "/topics", "/gaps"):
            r = c.get(path, headers={"accept": "application/json"})
            assert r.status_code == 503, path
            assert "--graph" in r.json()["detail"]
        assert c.get("/health").json()["mode"] == "named-graphs"


def test_parse_graphs(tmp_path: Path) -> None:
    f = tmp_path / "d.nt"
    f.write_text("")
    assert parse_graphs([f"http://ex.org/g?x=1={f}"]) == {"http://ex.org/g?x=1": f}
    for bad in [
        "nofile",
        f"not-an-iri={f}",
        "http://ex.org/g=/no/such/file",
        f"http://ex.org/g={f}",
    ]:
        with pytest.raises(ValueError):
            parse_graphs([bad, f"http://ex.org/g={f}"] if bad.endswith(str(f)) else [bad])


def test_preflight_and_serve_command_say_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(NotBuilt, match="cradle build"):
        preflight(fake_settings(tmp_path / "nowhere"))
    result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "run `cradle build`" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["serve", "--graph", "junk"])
    assert result.exit_code == 2 and "IRI=FILE" in result.output


@pytest.mark.slow
def test_cradle_serve_runs_a_real_server(data_dir: Path, tmp_path: Path) -> None:
    import httpx

    with running_server(data_dir, tmp_path / "server.log") as base:
        health = httpx.get(base + "/health").json()
        search = httpx.get(base + "/search", params={"q": "safe sleep"}).json()
        page = httpx.get(base + "/topic/safer-sleep", headers={"accept": "text/turtle"})
    assert health["graph_index_match"] is True
    assert search["results"]
    assert page.headers["content-type"].startswith("text/turtle")
