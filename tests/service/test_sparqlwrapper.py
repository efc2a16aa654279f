"""A real client against a real server: SPARQLWrapper talking to uvicorn on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from rdflib import Graph, URIRef
from SPARQLWrapper import GET, JSON, JSONLD, POST, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from cradle.core.settings import Settings
from cradle.graph.sparql.engine import open_engine
from cradle.service.runtime import Runtime
from cradle.service.sparql import router
from tests.support import free_port

PREFIXES = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
"""


@pytest.fixture(scope="module")
def endpoint(graph_dir: Path) -> Iterator[str]:
    """URL of /sparql on a uvicorn server (in a thread) over the catalogue's store."""
    settings = Settings(data_dir=graph_dir, query_workers=2)
    app = FastAPI()
    app.include_router(router)
    app.state.runtime = Runtime(settings, engine=open_engine(settings))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}/sparql"
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.runtime.engine.close()


def client(endpoint: str, query: str, fmt: str, method: str = GET) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(PREFIXES + query)
    wrapper.setReturnFormat(fmt)
    wrapper.setMethod(method)
    return wrapper


@pytest.mark.parametrize("method", [GET, POST])
def test_select_json(endpoint: str, method: str) -> None:
    query = "SELECT ?r ?title { ?r a dcat:Resource ; dct:title ?title } ORDER BY ?title"
    result = client(endpoint, query, JSON, method).queryAndConvert()
    assert isinstance(result, dict)
    assert result["head"]["vars"] == ["r", "title"]
    rows = result["results"]["bindings"]
    assert len(rows) >= 30
    assert all(row["r"]["value"].startswith("https://w3id.org/cradle/resource/") for row in rows)
    titles = [row["title"]["value"] for row in rows]
    assert titles == sorted(titles)


def test_select_xml(endpoint: str) -> None:
    query = "SELECT (COUNT(?r) AS ?n) { ?r a dcat:Resource }"
    document = client(endpoint, query, XML).queryAndConvert()
    literal = document.getElementsByTagName("literal")[0]  # type: ignore[union-attr]
    assert int(literal.firstChild.data) >= 30


def test_ask(endpoint: str) -> None:
    yes = client(endpoint, "ASK { ?r a dcat:Resource }", JSON).queryAndConvert()
    no = client(endpoint, "ASK { ?r a <urn:x:Nothing> }", JSON).queryAndConvert()
    assert yes["boolean"] is True  # type: ignore[index]
    assert no["boolean"] is False  # type: ignore[index]


@pytest.mark.parametrize("fmt", [TURTLE, XML])
def test_construct(endpoint: str, fmt: str) -> None:
    query = "CONSTRUCT { ?r dct:title ?t } WHERE { ?r a dcat:Resource ; dct:title ?t }"
    graph = client(endpoint, query, fmt).queryAndConvert()
    if not isinstance(graph, Graph):  # Turtle arrives as bytes
        graph = Graph().parse(data=graph, format="turtle")
    titles = list(graph.triples((None, URIRef("http://purl.org/dc/terms/title"), None)))
    assert len(titles) >= 30


@pytest.mark.parametrize("method", [GET, POST])
def test_describe_as_json_ld(endpoint: str, method: str) -> None:
    # SPARQLWrapper sends format=json-ld and format=application/ld+json,application/x-json+ld
    query = "DESCRIBE <https://w3id.org/cradle/resource/icon-babies-cry-you-can-cope>"
    graph = client(endpoint, query, JSONLD, method).queryAndConvert()
    if not isinstance(graph, Graph):
        graph = Graph().parse(data=graph, format="json-ld")
    assert len(graph) > 5


def test_malformed_query_is_reported(endpoint: str) -> None:
    with pytest.raises(QueryBadFormed):
        client(endpoint, "SELECT * WHERE { ?s ?p", JSON).queryAndConvert()
