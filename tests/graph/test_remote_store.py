"""The external triplestore route, for real: an ``oxigraph serve`` on a loopback port."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from cradle.core.datadir import DataDir, Version
from cradle.core.errors import (
    NotBuilt,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    StoreUnavailable,
    UpdateRefused,
)
from cradle.core.settings import Settings
from cradle.graph.sparql.engine import open_engine
from cradle.graph.sparql.remote import RemoteEngine, gsp_url, load_graph, parse_answer, remote_query
from tests.support import fake_settings, free_port

pytestmark = pytest.mark.slow
COUNT_RESOURCES = "SELECT (COUNT(*) AS ?n) WHERE { ?r a <http://www.w3.org/ns/dcat#Resource> }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _oxigraph() -> str:
    exe = Path(sys.executable).with_name("oxigraph")
    found = str(exe) if exe.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the oxigraph server is missing: pip install oxigraph (the dev extra)")
    return found


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of an Oxigraph server started for this module (stopped afterwards)."""
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    proc = subprocess.Popen(
        [
            _oxigraph(),
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout-s",
            "5",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("oxigraph serve did not start within 10 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def loaded(oxigraph: str, graph_dir: Path) -> str:
    """The query URL of the server, holding the curated catalogue's graph."""
    load_graph(Version.at(graph_dir).graph_file, gsp_url(oxigraph + "/query", None), progress=False)
    return oxigraph + "/query"


def _ask(url: str, query: str, **kw: list[str]) -> object:
    media, body, longer = remote_query(url, query, 10.0, **kw)
    assert not longer
    return parse_answer(media, body, 10.0)


def test_select_sees_the_loaded_graph(loaded: str, graph_dir: Path) -> None:
    result = _ask(loaded, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(result, ox.QuerySolutions)
    local = ox.Store()
    local.bulk_load(Version.at(graph_dir).graph_file.read_bytes(), format=ox.RdfFormat.TURTLE)
    assert int(next(iter(result))["n"].value) == len(local)


def test_ask_and_construct(loaded: str) -> None:
    yes = _ask(loaded, "ASK { ?r a <http://www.w3.org/ns/dcat#Resource> }")
    no = _ask(loaded, "ASK { ?r a <https://example.org/Nothing> }")
    assert isinstance(yes, ox.QueryBoolean) and bool(yes) and not bool(no)
    triples = _ask(
        loaded,
        "CONSTRUCT { ?r <https://example.org/t> ?t } WHERE { "
        "?r a <http://www.w3.org/ns/dcat#Resource> ; <http://purl.org/dc/terms/title> ?t }",
    )
    assert isinstance(triples, ox.QueryTriples)
    assert len(list(triples)) == 39


def test_reload_replaces_and_named_graphs_stay_apart(oxigraph: str, tmp_path: Path) -> None:
    gsp = oxigraph + "/store"
    small = tmp_path / "small.ttl"
    small.write_text("<https://example.org/a> <https://example.org/p> 1 .\n")
    load_graph(small, gsp, graph="https://example.org/g", progress=False)
    load_graph(small, gsp, graph="https://example.org/g", progress=False)
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    result = _ask(oxigraph + "/query", query, default_graphs=["https://example.org/g"])
    assert int(next(iter(result))["n"].value) == 1


def test_syntax_errors_come_back_as_domain_errors(loaded: str) -> None:
    with pytest.raises(QuerySyntaxError):
        _ask(loaded, "SELECT WHERE {")


def test_a_runaway_query_times_out_at_the_deadline(loaded: str) -> None:
    start = time.monotonic()
    with pytest.raises(QueryTimeout):
        remote_query(loaded, RUNAWAY, 1.0)
    assert time.monotonic() - start < 10  # a 1 s deadline; generous for a loaded machine


def test_unreachable_store_says_so(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailable, match="cannot reach"):
        remote_query(url + "/query", "ASK {}", 2.0)
    small = tmp_path / "g.ttl"
    small.write_text("")
    with pytest.raises(StoreUnavailable, match="cannot reach"):
        load_graph(small, url + "/store", progress=False)


def test_gsp_url_is_derived_only_for_oxigraph_layouts() -> None:
    assert gsp_url("http://h:7878/query", None) == "http://h:7878/store"
    assert gsp_url("http://h:8890/sparql", "http://h:8890/crud") == "http://h:8890/crud"
    with pytest.raises(StoreUnavailable, match="CRADLE_STORE_GSP_URL"):
        gsp_url("http://h:8890/sparql", None)


def test_cradle_build_loads_the_graph_into_the_store(oxigraph: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cradle.cli import app
    from tests.support import CATALOGUE

    args = ["build", "--graph-only", "--catalogue", str(CATALOGUE), "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--store-url", oxigraph + "/query"])
    assert result.exit_code == 0, result.output
    triples = DataDir(tmp_path).open().graph_manifest()["triples"]
    answer = _ask(oxigraph + "/query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(next(iter(answer))["n"].value) == triples


def test_a_failed_store_load_leaves_the_data_dir_alone(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cradle.cli import app
    from tests.support import CATALOGUE

    dead = f"http://127.0.0.1:{free_port()}/query"
    args = ["build", "--graph-only", "--catalogue", str(CATALOGUE), "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--store-url", dead])
    assert result.exit_code == 1
    assert "cannot reach the external store" in result.output
    with pytest.raises(NotBuilt):  # nothing was published
        DataDir(tmp_path).open()


def _engine(url: str, data_dir: Path, **kw: object) -> RemoteEngine:
    settings = Settings(data_dir=data_dir, store_url=url, **kw)  # type: ignore[arg-type]
    engine = open_engine(settings)
    assert isinstance(engine, RemoteEngine)
    return engine


def _run(engine: RemoteEngine, query: str, fmt: str | None = None, accept: str | None = None):
    return engine.execute(query, default_graphs=[], named_graphs=[], accept=accept, fmt=fmt)


def test_open_engine_goes_remote_with_a_store_url(loaded: str, graph_dir: Path) -> None:
    engine = _engine(loaded, graph_dir)
    info = engine.info()
    assert info["engine"] == "remote-sparql"
    assert info["triples"] == Version.at(graph_dir).graph_manifest()["triples"]
    assert "127.0.0.1" not in json.dumps(info)
    select = _run(engine, "SELECT ?t WHERE { ?r <http://purl.org/dc/terms/title> ?t }", "csv")
    assert select.media_type == "text/csv" and select.rows == select.body.count(b"\n") - 1
    ask = _run(engine, "ASK { ?s ?p ?o }", accept="application/sparql-results+xml")
    assert b"<boolean>true</boolean>" in ask.body
    construct = _run(engine, "CONSTRUCT WHERE { ?s a <http://www.w3.org/ns/dcat#Resource> }")
    assert construct.media_type == "text/turtle" and construct.rows == 39
    assert len(list(ox.parse(construct.body, format=ox.RdfFormat.TURTLE))) == 39


def test_row_cap_is_signalled(loaded: str, graph_dir: Path) -> None:
    engine = _engine(loaded, graph_dir, row_cap=5)
    result = _run(engine, "SELECT * WHERE { ?s ?p ?o }", "json")
    assert result.truncated and result.rows == 5
    assert len(json.loads(result.body)["results"]["bindings"]) == 5


def test_an_answer_longer_than_is_read_is_cut_and_said_so(loaded: str, graph_dir: Path) -> None:
    """As the embedded engine does: 200 with whole rows and the cut signalled, not an error."""
    engine = _engine(loaded, graph_dir, max_result_bytes=4096)  # the store's answer: far more
    select = _run(engine, "SELECT * WHERE { ?s ?p ?o }", "json")
    assert select.truncated and select.cut_by == "bytes" and 0 < select.rows < 1000
    assert len(json.loads(select.body)["results"]["bindings"]) == select.rows
    csv = _run(engine, "SELECT * WHERE { ?s ?p ?o }", "csv")
    assert csv.truncated and csv.body.count(b"\r\n") == csv.rows + 1
    graph = _run(engine, "CONSTRUCT WHERE { ?s ?p ?o }", "ntriples")
    assert graph.truncated and graph.rows == len(
        list(ox.parse(graph.body, format=ox.RdfFormat.N_TRIPLES))
    )


def test_updates_and_service_are_refused_before_anything_is_sent(
    loaded: str, graph_dir: Path
) -> None:
    engine = _engine(loaded, graph_dir)
    before = engine.info()["triples"]
    with pytest.raises(UpdateRefused):
        _run(engine, "INSERT DATA { <https://e.org/a> <https://e.org/b> 1 }")
    with socket.socket() as trap:
        trap.bind(("127.0.0.1", 0))
        trap.listen()
        trap.settimeout(0.5)
        port = trap.getsockname()[1]
        with pytest.raises(QueryRefused):
            _run(engine, f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}")
        with pytest.raises(TimeoutError):
            trap.accept()  # nobody called
    assert _engine(loaded, graph_dir).info()["triples"] == before


def test_engine_deadline_gives_query_timeout(loaded: str, graph_dir: Path) -> None:
    engine = _engine(loaded, graph_dir, query_timeout=1.0)
    start = time.monotonic()
    with pytest.raises(QueryTimeout):
        _run(engine, RUNAWAY)
    assert time.monotonic() - start < 5


def test_a_named_store_graph_is_the_default_graph(oxigraph: str, graph_dir: Path) -> None:
    iri = "https://w3id.org/cradle/graph/catalogue"
    load_graph(Version.at(graph_dir).graph_file, oxigraph + "/store", graph=iri, progress=False)
    engine = _engine(oxigraph + "/query", graph_dir, store_graph=iri)
    result = _run(
        engine, "SELECT (COUNT(*) AS ?n) WHERE { ?r a <http://www.w3.org/ns/dcat#Resource> }", "csv"
    )
    assert result.body.split() == [b"n", b"39"]


def test_the_service_answers_sparql_from_the_store(loaded: str, graph_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from cradle.service.app import create_app

    app = create_app(Settings(data_dir=graph_dir, store_url=loaded, embedder="fake"))
    with TestClient(app) as client:
        health = client.get("/health").json()
        assert health["sparql"]["engine"] == "remote-sparql"
        answer = client.get(
            "/sparql",
            params={"query": COUNT_RESOURCES},
            headers={"Accept": "text/csv"},
        )
        assert answer.status_code == 200 and answer.text.split() == ["n", "39"]
        refused = client.post(
            "/sparql", data={"query": "SELECT * WHERE { SERVICE <http://10.0.0.1/> { ?s ?p ?o } }"}
        )
        assert refused.status_code == 400


def test_two_servers_share_one_store_and_one_data_dir(loaded: str, graph_dir: Path) -> None:
    from SPARQLWrapper import JSON, SPARQLWrapper

    exe = Path(sys.executable).with_name("cradle")
    env = {**os.environ, "CRADLE_EMBEDDER": "fake", "HF_HUB_OFFLINE": "1"}
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [str(exe), "serve", "--data-dir", str(graph_dir), "--port", str(port)]
            + ["--store-url", loaded],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        answers = []
        for port in ports:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    health = json.loads(urllib.request.urlopen(base + "/health", timeout=2).read())
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail(f"cradle serve on port {port} did not start within 30 s")
            assert health["sparql"]["engine"] == "remote-sparql"
            client = SPARQLWrapper(base + "/sparql")
            client.setQuery(COUNT_RESOURCES)
            client.setReturnFormat(JSON)
            result = client.queryAndConvert()
            answers.append(result["results"]["bindings"][0]["n"]["value"])  # type: ignore[index]
        assert answers == ["39", "39"]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


def test_rollback_puts_the_previous_graph_back_into_the_store(
    oxigraph: str, tmp_path: Path
) -> None:
    from cradle.commands import run_build, run_rollback
    from cradle.core.datadir import DataDir

    graph = "urn:cradle:test:rollback"  # its own graph: the module's default graph stays
    settings = fake_settings(tmp_path / "data", store_url=oxigraph + "/query", store_graph=graph)
    run_build(settings, with_index=False)
    first = DataDir(settings.data_dir).open()
    run_build(settings, with_index=False)
    other = tmp_path / "other.ttl"
    other.write_text("<urn:a> <urn:b> <urn:c> .\n")
    load_graph(other, gsp_url(settings.store_url, None), graph, progress=False)  # drifted
    said: list[str] = []
    assert run_rollback(settings, report=said.append) == first.id
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    found = _ask(settings.store_url, count)
    assert int(next(iter(found))["n"].value) == first.graph_manifest()["triples"]
    assert said and "store" in said[0]


def test_a_store_that_stops_answering_is_a_health_problem(loaded: str, graph_dir: Path) -> None:
    from cradle.service.health import health_report
    from cradle.service.runtime import Runtime

    engine = _engine(loaded, graph_dir)
    assert engine.store_problem() is None
    engine._url = f"http://127.0.0.1:{free_port()}/query"  # the store went away
    assert engine.store_problem() is None  # probed at most every PROBE_EVERY seconds
    assert "store_problem" not in engine.info()  # the service description asks the store nothing
    engine._probed_at = 0.0
    problem = engine.store_problem()
    assert problem and "cannot reach the external store" in problem and "127.0.0.1" not in problem
    report = health_report(Runtime(Settings(data_dir=graph_dir), engine=engine))
    assert report["status"] == "degraded"
    assert any("external SPARQL store does not answer" in p for p in report["problems"])
