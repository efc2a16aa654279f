"""The guard sees what the engine sees: codepoint escapes decoded before any check, SERVICE and
non-web graphs found by parsing, the checked text is what is evaluated or forwarded; fuzzed with
escape, comment and string tricks, with Oxigraph itself (in-process, not sandboxed) as the
judge of whether a query would have opened a connection."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cradle.core.errors import QueryRefused, QuerySyntaxError
from cradle.core.settings import Settings
from cradle.graph.sparql.guard import MAX_PATTERNS, check_query, decode_escapes
from cradle.graph.sparql.remote import RemoteEngine
from cradle.graph.sparql.scan import MAX_ESCAPES
from tests.support.sparql import Listener, sparql_client, w3c_graphs


def esc(text: str) -> str:
    """Every character of ``text`` as a ``\\uXXXX`` escape."""
    return "".join(f"\\u{ord(c):04X}" for c in text)


def test_escapes_decode_as_the_grammar_says() -> None:
    assert decode_escapes(r"SEL\u0045CT \U0001F600") == "SELECT \U0001f600"
    assert decode_escapes(r'"\\u0041"') == r'"\\u0041"'  # an escaped backslash stays
    for bad in (r"\uD800", r"\U00110000", r"\u0000", r"\u005Cu0041"):
        with pytest.raises(QuerySyntaxError):
            decode_escapes(bad)
    assert decode_escapes("#" + r"\u0041" * MAX_ESCAPES) == "#" + "A" * MAX_ESCAPES
    with pytest.raises(QuerySyntaxError, match="more than 10000 codepoint escapes"):
        decode_escapes("#" + r"\u0041" * (MAX_ESCAPES + 1))  # counted before any is decoded


@pytest.mark.parametrize(
    "query",
    [
        # the bypass: an escape inside an IRI hid a quote from the old lexer
        "SELECT * { ?s <http://a/\\u0041'> ?o . SERVICE SILENT <http://127.0.0.1:9/> "
        "{ ?a ?b ?c } ?s <http://b/'> ?o }",
        f"SELECT * {{ {esc('SERVICE')} <http://127.0.0.1:9/> {{ }} }}",
        "SELECT * { ?s ?p ?o \\u0023 comment?\n SERVICE <http://127.0.0.1:9/> { } }",
        "SELECT * { ?s ?p '\\u0027 . SERVICE <http://127.0.0.1:9/> { } . ?s ?p '' }",
        "SELECT * { FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { } } }",
        "SELECT * { { SELECT * { SERVICE <http://127.0.0.1:9/> { } } } }",
    ],
)
def test_service_hidden_by_escapes_is_refused(query: str) -> None:
    with pytest.raises((QueryRefused, QuerySyntaxError)):
        check_query(query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <\\u0066ile:///etc/passwd> { ?s ?p ?o }",
        f"SELECT * FROM NAMED <{esc('file:///etc/passwd')}> {{ ?s ?p ?o }}",
        "SELECT * { GRAPH <file:///etc/passwd> { ?s ?p ?o } }",
        "PREFIX f: <file:///etc/> SELECT * { GRAPH f:passwd { ?s ?p ?o } }",
        "SELECT * { GRAPH <ftp://host/g> { ?s ?p ?o } }",
    ],
)
def test_non_web_graphs_are_refused_wherever_named(query: str) -> None:
    with pytest.raises(QueryRefused, match="never reads files"):
        check_query(query)


def test_the_checked_text_is_the_decoded_text() -> None:
    checked = check_query('SELECT ("caf\\u00E9" AS ?x) { ?s <http://e.org/\\u0070> ?o }')
    assert checked.text == 'SELECT ("café" AS ?x) { ?s <http://e.org/p> ?o }'


def test_patterns_are_counted_not_expressions() -> None:
    args = ",".join(f'"a{i}"' for i in range(300))
    assert check_query(f"SELECT (CONCAT({args}) AS ?x) {{}}").form == "SELECT"
    values = ",".join(str(i) for i in range(300))
    assert check_query(f"ASK {{ ?s ?p ?o FILTER(?o IN ({values})) }}").patterns == 1
    path = check_query("ASK { ?s <urn:x:a>/<urn:x:b>/^<urn:x:c>* ?o }")
    assert path.patterns == 3
    many = "SELECT * { " + " ".join(f"?s <urn:x:p{i}> ?o{i} ." for i in range(300)) + " }"
    with pytest.raises(QuerySyntaxError, match=f"at most {MAX_PATTERNS}"):
        check_query(many)


def test_unknown_functions_are_refused() -> None:
    with pytest.raises(QuerySyntaxError, match="unknown function <http://example.com/fn>"):
        check_query("SELECT (<http://example.com/fn>(1) AS ?x) {}")
    xsd = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
    assert check_query(xsd + 'SELECT (xsd:integer("1") AS ?x) {}').form == "SELECT"


def test_endpoint_makes_no_connection_for_escaped_service(tmp_path: Path) -> None:
    listener = Listener()
    url = f"http://127.0.0.1:{listener.port}/"
    attempts = [
        f"SELECT * {{ ?s <http://a/\\u0041'> ?o . SERVICE SILENT <{url}> {{ ?a ?b ?c }} "
        "?s <http://b/'> ?o }",
        f"SELECT * {{ SERVICE <{esc(url)}> {{ ?s ?p ?o }} }}",
        "SELECT * FROM <\\u0066ile:///etc/passwd> { ?s ?p ?o }",
        f"SELECT (<{url}fn>(1) AS ?x) {{}}",
    ]
    try:
        with sparql_client(Settings(named_graphs=w3c_graphs(), query_timeout=5)) as client:
            for query in attempts:
                response = client.get("/sparql", params={"query": query})
                assert response.status_code == 400, (query, response.text)
                assert "root:" not in response.text
    finally:
        listener.close()
    assert listener.connections == 0


class _FakeStore(BaseHTTPRequestHandler):
    """A SPARQL endpoint that records each query it is sent and answers one row."""

    received: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["content-length"])).decode()
        self.received.append(parse_qs(body)["query"][0])
        answer = {"head": {"vars": ["n"]}, "results": {"bindings": [{"n": _one()}]}}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/sparql-results+json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


def _one() -> dict[str, str]:
    return {"type": "literal", "value": "1"}


@pytest.fixture
def fake_store() -> Iterator[tuple[str, list[str]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeStore)
    _FakeStore.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/query", _FakeStore.received
    server.shutdown()
    server.server_close()


def test_external_store_is_sent_the_query_as_checked(
    fake_store: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, received = fake_store
    engine = RemoteEngine(Settings(data_dir=tmp_path, store_url=url), None)
    received.clear()
    query = 'SELECT ?n { BIND("caf\\u00E9" AS ?x) BIND(1 AS ?n) }'
    engine.execute(query, default_graphs=[], named_graphs=[], accept=None)
    assert received == ['SELECT ?n { BIND("café" AS ?x) BIND(1 AS ?n) }']
    hidden = (
        "SELECT * { ?s <http://a/\\u0041'> ?o . SERVICE SILENT <http://127.0.0.1:9/> "
        "{ ?a ?b ?c } ?s <http://b/'> ?o }"
    )
    with pytest.raises((QueryRefused, QuerySyntaxError)):
        engine.execute(hidden, default_graphs=[], named_graphs=[], accept=None)
    assert len(received) == 1  # nothing more was forwarded


# --- fuzzing: escape, comment and string tricks around SERVICE and FROM --------------------

JUNK = [
    "",
    "<http://a/\\u0041'>",
    "<http://b/'>",
    "'",
    '"',
    '"""',
    "'''",
    "#",
    "\\u0023",
    "\\u0027",
    "\\u0022",
    "\\u003C",
    "\\u003E",
    "\n",
    "# '\n",
    "'\\u0027'",
    '"\\\\"',
    "\\\\",
    "\\u007B",
    "\\u007D",
    "?s ?p ?o .",
    "<urn:x:a>",
    "{",
    "}",
]


def _escape_some(text: str, picks: list[bool]) -> str:
    return (
        "".join(esc(c) if pick else c for c, pick in zip(text, picks, strict=False))
        + text[len(picks) :]
    )


@st.composite
def service_queries(draw: st.DrawFn, port: int) -> str:
    keyword = draw(st.sampled_from(["SERVICE", "service", "SeRvIcE"]))
    keyword = _escape_some(keyword, draw(st.lists(st.booleans(), max_size=7)))
    iri = f"http://127.0.0.1:{port}/"
    iri = _escape_some(iri, draw(st.lists(st.booleans(), max_size=len(iri))))
    silent = draw(st.sampled_from(["", "SILENT ", "silent\n"]))
    before = "".join(draw(st.lists(st.sampled_from(JUNK), max_size=4)))
    after = "".join(draw(st.lists(st.sampled_from(JUNK), max_size=4)))
    form = draw(st.sampled_from(["SELECT *", "ASK", "SEL\\u0045CT *"]))
    return f"{form} {{ {before} {keyword} {silent}<{iri}> {{ ?a ?b ?c }} {after} }}"


def test_fuzzed_service_tricks_never_reach_a_connection() -> None:
    listener = Listener()
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:b"), ox.NamedNode("urn:x:c")))
    accepted = []

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(service_queries(listener.port))
    def probe(query: str) -> None:
        try:
            checked = check_query(query)
        except (QueryRefused, QuerySyntaxError):
            return
        accepted.append(checked.text)
        # Oxigraph itself, unsandboxed, on exactly what would be sent
        with contextlib.suppress(SyntaxError, OSError, RuntimeError, ValueError):
            result = store.query(checked.text)
            if not isinstance(result, ox.QueryBoolean):  # ASK answers one boolean
                list(result)  # type: ignore[arg-type]

    try:
        probe()
    finally:
        listener.close()
    assert listener.connections == 0, accepted


@st.composite
def from_queries(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["file", "FILE", "ftp", "jar:file", "data"]))
    iri = f"{scheme}:///etc/passwd"
    iri = _escape_some(iri, draw(st.lists(st.booleans(), max_size=len(iri))))
    clause = draw(st.sampled_from(["FROM", "FROM NAMED", "from named"]))
    before = "".join(draw(st.lists(st.sampled_from(JUNK[:16]), max_size=3)))
    where = draw(st.sampled_from(["{ ?s ?p ?o }", "{ GRAPH ?g { ?s ?p ?o } }"]))
    if draw(st.booleans()):
        return f"SELECT * {clause} <{iri}> {before} {where}"
    return f"SELECT * {{ {before} GRAPH <{iri}> {{ ?s ?p ?o }} }}"


MARKED = ox.Store()
for _scheme in ("file", "FILE", "ftp", "jar:file", "data"):
    MARKED.add(
        ox.Quad(
            ox.NamedNode("urn:x:secret"),
            ox.NamedNode("urn:x:is"),
            ox.Literal("root:x:0:0"),
            ox.NamedNode(f"{_scheme}:///etc/passwd"),
        )
    )


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(from_queries())
def test_fuzzed_file_graphs_are_never_accepted(query: str) -> None:
    try:
        checked = check_query(query)
    except (QueryRefused, QuerySyntaxError):
        return
    # accepted: Oxigraph, on exactly what would be sent, must not reach the file-named graph
    try:
        rows = [str(list(row)) for row in MARKED.query(checked.text)]  # type: ignore[union-attr]
    except (SyntaxError, ValueError, RuntimeError):
        return
    assert not any("root:x" in row for row in rows), (query, checked.text)


def test_concurrent_checks_all_parse() -> None:
    """rdflib's grammar is shared state: checks from many request threads must not interleave."""
    from concurrent.futures import ThreadPoolExecutor

    queries = [
        f"SELECT (COUNT(*) AS ?n{i}) {{ ?a ?b ?c . ?d ?e ?f FILTER(?a != <urn:x:{i}>) }}"
        for i in range(60)
    ]
    with ThreadPoolExecutor(8) as pool:
        forms = list(pool.map(lambda q: check_query(q).form, queries))
    assert forms == ["SELECT"] * 60
