"""W3C SPARQL 1.1 Protocol conformance: every request of the 34 tests in the shared manifest is
replayed against the app serving data1-3.nt as named graphs.

``query_*`` and ``bad_*`` tests must pass as written; this endpoint is read-only, so each
``update_*`` test passes when its update requests are answered 4xx and the data is unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF

from cradle.core.settings import Settings
from tests.support import in_ci, shared
from tests.support.sparql import W3C_DIR, data_hash, sparql_client, w3c_graphs

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
MANIFEST = W3C_DIR / "manifest.ttl"
RESULTS = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR = RESULTS | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}

pytestmark = pytest.mark.skipif(  # in CI a missing ../shared fails instead (tests.support)
    not MANIFEST.is_file() and not in_ci(),
    reason=f"W3C protocol tests not found at {W3C_DIR} (skipped outside CI only)",
)


@dataclass
class Step:
    """One HTTP request of a test and what its response must be."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int] = field(default_factory=set)
    fmt: str | None = None
    boolean: bool | None = None


def load_tests() -> list[tuple[str, list[Step]]]:
    """The manifest's tests, in order, as (name, steps)."""
    if not MANIFEST.is_file():
        return []
    g = Graph().parse(MANIFEST, format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for test in Collection(g, g.value(manifest, MF.entries)):
        action = g.value(test, MF.action)
        steps = [_step(g, req) for req in Collection(g, g.value(action, HT.requests))]
        tests.append((str(test).rsplit("#", 1)[-1], steps))
    return tests


def _step(g: Graph, req: Any) -> Step:
    headers = {}
    if (hlist := g.value(req, HT.headers)) is not None:
        for h in Collection(g, hlist):
            headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
    body = None
    if (b := g.value(req, HT.body)) is not None:
        encoding = str(g.value(b, CNT.characterEncoding) or "UTF-8")
        body = str(g.value(b, CNT.chars)).encode(encoding.lower())
    resp = g.value(req, HT.resp)
    statuses = {
        int(str(s).rsplit("StatusCode", 1)[1][0]) for s in g.objects(resp, MF.expectedStatus)
    }
    fmt = g.value(resp, MF.expectedFormat)
    boolean = g.value(resp, MF.expectedBoolean)
    return Step(
        method=str(g.value(req, HT.methodName)),
        path=str(g.value(req, HT.absolutePath)),
        headers=headers,
        body=body,
        statuses=statuses,
        fmt=str(fmt) if fmt is not None else None,
        boolean=boolean.toPython() if boolean is not None else None,
    )


TESTS = load_tests()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with sparql_client(Settings(named_graphs=w3c_graphs(), query_timeout=5)) as c:
        yield c


def test_manifest_has_34_tests() -> None:
    shared(MANIFEST)  # in CI, where this module is not skipped, a missing manifest fails here
    assert len(TESTS) == 34
    assert {name.split("_")[0] for name, _ in TESTS} == {"query", "update", "bad"}


def send(client: TestClient, step: Step) -> Any:
    return client.request(
        step.method, step.path, headers=step.headers, content=step.body, follow_redirects=True
    )


def is_update(step: Step) -> bool:
    ctype = step.headers.get("content-type", "")
    return ctype.startswith("application/sparql-update") or (step.body or b"").startswith(
        b"update="
    )


def check_response(step: Step, response: Any) -> None:
    assert response.status_code // 100 in step.statuses, (response.status_code, response.text)
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if step.fmt == "boolean":
        assert media in RESULTS, media
        if media.endswith("json"):
            value = json.loads(response.content)["boolean"]
        else:
            value = b"<boolean>true</boolean>" in response.content
        if step.boolean is not None:
            assert value is step.boolean
    elif step.fmt == "tabular":
        assert media in TABULAR, media
        list(ox.parse_query_results(response.content, format=_results_format(media)))
    elif step.fmt == "RDF":
        assert media in RDF_TYPES, media
        list(ox.parse(response.content, format=RDF_TYPES[media]))


def _results_format(media: str) -> ox.QueryResultsFormat:
    return {
        "application/sparql-results+json": ox.QueryResultsFormat.JSON,
        "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        "text/csv": ox.QueryResultsFormat.CSV,
        "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    }[media]


@pytest.mark.parametrize(("name", "steps"), TESTS, ids=[name for name, _ in TESTS])
def test_protocol(client: TestClient, name: str, steps: list[Step]) -> None:
    before = data_hash(client)
    if name.startswith("update_"):
        updates = [s for s in steps if is_update(s)]
        assert updates
        for step in updates:
            response = send(client, step)
            assert 400 <= response.status_code < 500, (response.status_code, response.text)
    else:
        for step in steps:
            check_response(step, send(client, step))
    assert data_hash(client) == before
