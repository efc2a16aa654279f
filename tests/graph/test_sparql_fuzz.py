"""Fuzz /sparql with mutations of valid queries, sent every way the protocol allows: whatever
arrives, the answer is never a 5xx and never leaks internals."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote_from_bytes

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cradle.core.settings import Settings
from tests.support import shared
from tests.support.sparql import KASEI, W3C_DIR, sparql_client, w3c_graphs

SEEDS = [
    "ASK {}",
    "SELECT * { GRAPH ?g { ?s ?p ?o } } LIMIT 5",
    "SELECT ?s (COUNT(*) AS ?n) { GRAPH ?g { ?s a ?t } } GROUP BY ?s ORDER BY DESC(?n)",
    'SELECT ?x { VALUES ?x { 1 "a"@en <urn:x:y> } FILTER(REGEX(STR(?x), "^a", "i")) }',
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "DESCRIBE <http://kasei.us/2009/09/sparql/data/data1.rdf>",
    "PREFIX foaf: <http://xmlns.com/foaf/0.1/> ASK { GRAPH ?g { ?d a foaf:Document } }",
    f"SELECT * FROM <{KASEI.format(1)}> {{ ?s ?p ?o OPTIONAL {{ ?o ?q ?r }} }}",
    "SELECT (STRLEN(CONCAT('a', \"b\")) AS ?l) (NOW() AS ?t) {} ",
    "SELECT * { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } MINUS { ?s a ?x } }",
]
FRAGMENTS = [
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    "'",
    '"',
    '"""',
    "#",
    "\\",
    "?",
    "$",
    ":",
    ".",
    ";",
    "SERVICE",
    "INSERT",
    "DELETE",
    "LOAD",
    "FROM",
    "GRAPH",
    "*",
    "/",
    "|",
    "^",
    "!",
    "@en",
    "_:b",
    "\x00",
    "\ufeff",
    "\u202e",
    "é",
    "🙂",
    "\n",
    " ",
    "1e999",
    "<file:///etc/passwd>",
]
ACCEPTS = [
    None,
    "*/*",
    "text/csv",
    "text/turtle",
    "application/ld+json;q=0.1, text/csv;q=0",
    "image/png",
    "application/sparql-results+xml;q=abc",
    ";;;,,,",
    "text/*",
    "*/*;q=0",
]
GRAPHS = [KASEI.format(1), "urn:x:g", "file:///etc/passwd", "not an iri", "", "http://[::1"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A seed query with insertions, deletions and swaps; as UTF-8 or raw bytes."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "text", "repeat"]))
        if op == "insert":
            text = text[:i] + draw(st.sampled_from(FRAGMENTS)) + text[i:]
        elif op == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 8)) :]
        elif op == "text":
            text = text[:i] + draw(st.text(max_size=8)) + text[i:]
        else:
            text = text[:i] + text[i : i + 4] * draw(st.integers(2, 50)) + text[i:]
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        return raw
    i = draw(st.integers(0, len(raw)))
    return raw[:i] + draw(st.binary(max_size=4)) + raw[i:]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    shared(W3C_DIR)
    with sparql_client(Settings(named_graphs=w3c_graphs(), query_timeout=5)) as c:
        yield c


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=mutated(),
    how=st.sampled_from(["get", "form", "direct"]),
    accept=st.sampled_from(ACCEPTS),
    graphs=st.lists(st.sampled_from(GRAPHS), max_size=2),
    graph_param=st.sampled_from(["default-graph-uri", "named-graph-uri"]),
)
def test_sparql_never_answers_5xx(
    client: TestClient,
    query: bytes,
    how: str,
    accept: str | None,
    graphs: list[str],
    graph_param: str,
) -> None:
    dataset = "".join(f"&{graph_param}={quote_from_bytes(g.encode())}" for g in graphs)
    headers = {"accept": accept} if accept else {}
    if how == "get":
        response = client.get(f"/sparql?query={quote_from_bytes(query)}{dataset}", headers=headers)
    elif how == "form":
        headers["content-type"] = "application/x-www-form-urlencoded"
        body = b"query=" + quote_from_bytes(query).encode()
        response = client.post(f"/sparql?{dataset[1:]}", content=body, headers=headers)
    else:
        headers["content-type"] = "application/sparql-query"
        response = client.post(f"/sparql?{dataset[1:]}", content=query, headers=headers)
    assert response.status_code < 500, (response.status_code, response.text, query)
    if response.status_code >= 400:
        assert "Traceback" not in response.text and ".py" not in response.text
