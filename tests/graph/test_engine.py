"""The SPARQL engine's parts: the text guard, content negotiation, and the worker pool."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from cradle.core.errors import (
    NotAcceptable,
    NotBuilt,
    QueryAborted,
    QueryCancelled,
    QueryRefused,
    QuerySyntaxError,
    UpdateRefused,
)
from cradle.core.settings import Settings
from cradle.graph.sparql.embedded import EmbeddedEngine
from cradle.graph.sparql.engine import open_engine, prepare, query_once
from cradle.graph.sparql.formats import GRAPH_FORMATS, RESULT_FORMATS, negotiate
from cradle.graph.sparql.guard import MAX_DEPTH, check_graphs, check_query
from cradle.graph.sparql.worker import Job, evaluate
from tests.support.sparql import Listener, write_chain

EX = "http://example.org/"


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT ?service { ?service <urn:x:p> 'SERVICE' }", "SELECT"),
        ("PREFIX service: <urn:x:> ASK { ?s service:load service:SERVICE }", "ASK"),
        ("SELECT * { ?s <http://x/SERVICE/insert> ?o } # SERVICE <http://evil/> {}", "SELECT"),
        ('SELECT * { ?s ?p """ SERVICE <http://e/> { } """ }', "SELECT"),
        ("SELECT * { ?s ?p 'x'@en . ?s ?p _:service }", "SELECT"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?o < 3 || ?o > 5) }", "CONSTRUCT"),
        ("DESCRIBE <urn:x:y>", "DESCRIBE"),
        ("BASE <http://x/> SELECT * FROM <g> { ?s ?p ?o }", "SELECT"),
    ],
)
def test_guard_passes_queries_that_only_mention_keywords(query: str, form: str) -> None:
    assert check_query(query).form == form


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "SELECT * { service silent <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o . SERVICE ?x { } }",
        "SELECT * { ?s ?p ?o FILTER(?a<?b) SERVICE<http://e/>{} }",
        "SELECT * { ?s <urn:x:p>/<urn:x:q> ?o .SERVICE#c\n<http://e/> {} }",
        "SELECT * { ?s ex:a\\#b ?o . SERVICE <http://e/> {} }",  # escaped '#' is no comment
        "SELECT * { ?s ?p 'it\\'s' . SERVICE <http://e/> {} }",
    ],
)
def test_guard_refuses_service_however_written(query: str) -> None:
    # refused as SERVICE, or (where rdflib's parser reads less than Oxigraph) as unparseable
    with pytest.raises((QueryRefused, QuerySyntaxError), match="SERVICE"):
        check_query(query)


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
        "PREFIX x: <urn:x:> DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:1/data.ttl>",
        "CLEAR ALL",
        "drop silent graph <urn:x:g>",
        "WITH <urn:x:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_guard_refuses_updates(query: str) -> None:
    with pytest.raises(UpdateRefused, match="read-only"):
        check_query(query)


def test_guard_limits_depth_and_size_and_text() -> None:
    ok = "SELECT * WHERE " + "{" * MAX_DEPTH + "?s ?p ?o" + "}" * MAX_DEPTH
    assert check_query(ok).form == "SELECT"
    with pytest.raises(QuerySyntaxError, match="deep"):
        check_query("SELECT * WHERE " + "{" * 3000 + "}" * 3000)
    with pytest.raises(QuerySyntaxError, match="patterns"):
        check_query("SELECT * { " + "?s ?p ?o . " * 1000 + "}")
    for bad in ["", "   ", "ASK {}\x00", "ASK { ?s ?p '\ud800' }", "PREFIX x: <urn:x:>"]:
        with pytest.raises(QuerySyntaxError):
            check_query(bad)


def test_guard_refuses_file_graphs_and_keeps_web_ones() -> None:
    for query in [
        "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }",
        "PREFIX f: <file:///etc/> SELECT * FROM NAMED f:passwd { ?s ?p ?o }",
        "BASE <file:///etc/> SELECT * FROM <passwd> { ?s ?p ?o }",
    ]:
        with pytest.raises(QueryRefused, match="never reads files"):
            check_query(query)
    checked = check_query("PREFIX g: <http://e.org/> SELECT * FROM g:a FROM NAMED <urn:x:b> {}")
    assert checked.from_graphs == ["http://e.org/a", "urn:x:b"]
    with pytest.raises(QueryRefused):
        check_graphs(["ftp://e.org/g"], where="default-graph-uri")
    with pytest.raises(QuerySyntaxError):
        check_graphs(["http://[::1"], where="named-graph-uri")


def test_negotiation_honours_q_values_and_format() -> None:
    assert negotiate(None, RESULT_FORMATS).name == "json"
    assert negotiate("text/csv;q=0.5, application/sparql-results+xml", RESULT_FORMATS).name == "xml"
    # a wildcard reaches a format by its own media type, not an alias (XML's text/xml): the
    # answer's Content-Type must be one the client accepts
    assert negotiate("text/*;q=0.9, text/csv;q=0.1", RESULT_FORMATS).name == "tsv"
    assert negotiate("text/xml, text/csv;q=0.5", RESULT_FORMATS).name == "xml"  # named: it counts
    assert negotiate("text/*;q=0.9, text/csv;q=0.1, text/xml;q=0", RESULT_FORMATS).name == "tsv"
    assert negotiate("application/n-triples, */*;q=0.1", GRAPH_FORMATS).name == "ntriples"
    assert negotiate("image/png", RESULT_FORMATS, fmt="csv").name == "csv"
    assert negotiate(None, GRAPH_FORMATS, fmt="xml").name == "rdfxml"
    with pytest.raises(NotAcceptable):
        negotiate("image/png, */*;q=0", RESULT_FORMATS)
    with pytest.raises(NotAcceptable):
        negotiate(None, GRAPH_FORMATS, fmt="csv")


def test_a_format_list_is_read_as_far_as_its_first_names() -> None:
    flood = "," * 1_000_000 + "json"
    with pytest.raises(NotAcceptable) as refused:
        negotiate(None, RESULT_FORMATS, flood)
    assert len(str(refused.value)) < 300  # the value is not echoed whole
    assert negotiate(None, RESULT_FORMATS, "csv," + flood).name == "csv"


def test_prepare_checks_everything_before_evaluation() -> None:
    prepared = prepare(
        "CONSTRUCT WHERE { ?s ?p ?o }",
        default_graphs=["urn:x:g"],
        named_graphs=[],
        accept="application/ld+json",
    )
    assert prepared.format.name == "jsonld" and prepared.form == "CONSTRUCT"
    with pytest.raises(QueryRefused):
        prepare("ASK {}", default_graphs=["file:///x"], named_graphs=[], accept=None)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedEngine:
    path = write_chain(tmp_path_factory.mktemp("chain") / "chain.nt", 20)
    settings = Settings(named_graphs={f"{EX}g": path}, query_workers=2, row_cap=7)
    eng = open_engine(settings)
    assert isinstance(eng, EmbeddedEngine)
    yield eng  # type: ignore[misc]
    eng.close()


def test_named_graph_engine_answers_and_caps_rows(engine: EmbeddedEngine) -> None:
    info = engine.info()
    assert info["triples"] == 20 and info["graphs"] == [f"{EX}g"] and info["workers"] == 2
    result = engine.execute(
        "SELECT * { ?s ?p ?o }", default_graphs=[f"{EX}g"], named_graphs=[], accept="text/csv"
    )
    assert result.media_type == "text/csv" and result.truncated and result.rows == 7
    assert result.body.count(b"\r\n") == 8  # header + 7 rows
    empty = engine.execute(
        "SELECT * { ?s ?p ?o }", default_graphs=[f"{EX}other"], named_graphs=[], accept=None
    )
    assert empty.rows == 0 and not empty.truncated
    rdf = engine.execute(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
        default_graphs=[],
        named_graphs=[],
        accept="application/n-triples",
    )
    assert rdf.truncated and rdf.body.count(b"\n") == 7


def test_worker_json_matches_oxigraph_own() -> None:
    """The worker writes SPARQL JSON itself (to cut at the row cap): the same as Oxigraph's."""
    store = ox.Store()
    turtle = f'<{EX}a> <{EX}p> "chat"@fr, 5, "é \\"q\\"", <{EX}a>, _:b . _:b <{EX}q> <{EX}a> .'
    store.load(turtle.encode(), format=ox.RdfFormat.TURTLE)
    query = f"SELECT ?s ?o ?x {{ ?s <{EX}p> ?o OPTIONAL {{ ?o <{EX}q> ?x }} }} ORDER BY ?o"
    kind, (body, rows, truncated) = evaluate(store, Job(query, "json", [], [], 100))
    native = store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
    assert (kind, rows, truncated) == ("ok", 5, "")
    assert json.loads(body) == json.loads(native)


def test_a_dead_worker_is_replaced(engine: EmbeddedEngine) -> None:
    victims = engine.worker_pids()
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    failures = 0
    for _ in range(2):
        try:
            engine.execute("ASK {}", default_graphs=[], named_graphs=[], accept=None)
        except QueryAborted:
            failures += 1
    assert failures == 2  # both dead workers were found out, told as 503-material errors
    result = engine.execute("ASK {}", default_graphs=[], named_graphs=[], accept=None)
    assert result.body == b'{"head":{},"boolean":true}'
    assert not victims & engine.worker_pids()


def test_a_cancelled_query_returns_once_its_worker_is_replaced(engine: EmbeddedEngine) -> None:
    """The request that went away holds its share until a new worker is ready: a client that
    hangs up again and again cannot have workers restarted faster than they start."""
    cancel = threading.Event()
    runaway = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
    threading.Timer(0.3, cancel.set).start()
    before = engine.worker_pids()
    with pytest.raises(QueryCancelled):
        engine.execute(
            runaway, default_graphs=[f"{EX}g"], named_graphs=[], accept=None, cancel=cancel
        )
    after = engine.worker_pids()
    assert len(after) == 2 and after != before  # replaced, and ready, before execute returned
    assert engine._idle.qsize() == 2


def test_open_engine_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(NotBuilt, match="cradle build"):
        open_engine(Settings(data_dir=tmp_path))
    with pytest.raises(NotBuilt, match="no such file"):
        open_engine(Settings(named_graphs={f"{EX}g": tmp_path / "missing.nt"}))


def test_query_once_uses_the_same_rules(graph_dir: Path) -> None:
    settings = Settings(data_dir=graph_dir)
    result = query_once(settings, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "csv")
    assert int(result.body.decode().split()[1]) > 1000
    with pytest.raises(QueryRefused):
        query_once(settings, "SELECT * { SERVICE <http://127.0.0.1:1/> { } }", "json")


def test_worker_sandbox_blocks_connections_even_past_the_guard() -> None:
    """Defence in depth: pyoxigraph does open a socket for SERVICE, but not in a worker."""
    listener = Listener()
    service = f"http://127.0.0.1:{listener.port}/"
    code = (
        "import sys, pyoxigraph as ox\n"
        "from cradle.graph.sparql.worker import isolate_network\n"
        "if not isolate_network(): sys.exit(3)\n"
        "try:\n"
        f"    list(ox.Store().query('SELECT * {{ SERVICE <{service}> {{ ?s ?p ?o }} }}'))\n"
        "except OSError:\n"
        "    pass\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code], timeout=30, check=False)
        time.sleep(0.3)
        if done.returncode == 3:
            pytest.skip("this kernel does not allow unprivileged network namespaces")
        assert done.returncode == 0
        assert listener.connections == 0
    finally:
        listener.close()


def test_a_rebuild_while_serving_is_reported(graph_dir: Path, tmp_path: Path) -> None:
    """A data dir in the old flat layout is rebuilt in place: a replacement worker notices.
    (Versioned data dirs never change under a server: tests/core/test_publish.py.)"""
    import shutil

    from cradle.core.datadir import Version

    data = tmp_path / "data"
    shutil.copytree(graph_dir, data)
    engine = open_engine(Settings(data_dir=data, query_workers=1))
    try:
        assert engine.info()["stale"] is False
        version = Version.at(data)  # as if an old `cradle build` had published a new graph:
        version.write_graph_manifest(version.graph_manifest() | {"graph_sha256": "0" * 64})
        assert isinstance(engine, EmbeddedEngine)
        for pid in engine.worker_pids():
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(QueryAborted):
            engine.execute("ASK {}", default_graphs=[], named_graphs=[], accept=None)
        engine.execute("ASK {}", default_graphs=[], named_graphs=[], accept=None)  # replacement
        info = engine.info()
        assert info["stale"] is True and "restart" in info["problem"]
    finally:
        engine.close()
