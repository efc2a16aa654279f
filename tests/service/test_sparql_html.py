"""``/sparql`` for people, and the one set of prefixes: a browser gets pages, machine clients get
exactly what they got before; a query may leave out PREFIX lines for the project's prefixes."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from cradle.core.conneg import choose, parse_accept, prefers
from cradle.core.namespaces import PREFIXES
from cradle.graph.sparql.run import with_prefixes

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
UNDECLARED = "SELECT ?r ?title WHERE { ?r dct:title ?title ; dct:spatial loc:bolton } LIMIT 5"


def test_with_prefixes_adds_only_what_a_query_uses_and_does_not_declare() -> None:
    out = with_prefixes("SELECT * { ?s dct:title ?t ; a dcat:Resource } # skos:note")
    assert out.startswith(f"PREFIX dcat: <{PREFIXES['dcat']}> PREFIX dct: <{PREFIXES['dct']}> ")
    assert "skos" not in out.split("SELECT")[0]  # a comment uses nothing
    own = (
        "PREFIX dct: <http://example.org/> SELECT * { ?s dct:x <http://a/b:c> ; schema:name 'x:y' }"
    )
    assert with_prefixes(own) == f"PREFIX schema: <{PREFIXES['schema']}> " + own
    assert with_prefixes("SELECT * { ?s ?p ?o }") == "SELECT * { ?s ?p ?o }"
    assert "\n" not in with_prefixes("SELECT * {\n?s a dcat:Resource }").split("SELECT")[0]


def test_one_content_negotiation_treats_bad_q_as_zero() -> None:
    assert [r.q for r in parse_accept("a/b;q=NaN, c/d;q=abc, e/f;q=2, g/h;q=0.5")] == [0, 0, 1, 0.5]
    assert choose("text/html;q=nan, application/json;q=0.1", ["text/html", "application/json"]) == (
        "application/json"
    )
    assert choose(None, ["a/b"]) == "a/b"
    assert prefers(BROWSER["accept"], "text/html", ["application/rdf+xml", "application/xml"])
    assert not prefers("*/*", "text/html", ["text/turtle"])
    assert not prefers(None, "text/html", ["text/turtle"])


def test_an_accept_header_is_read_only_as_far_as_its_first_ranges() -> None:
    from cradle.core.conneg import MAX_PARAMS, MAX_RANGES

    flood = ",".join(["a/b"] * 10_000) + ",text/html"
    assert len(parse_accept(flood)) == MAX_RANGES
    assert choose(flood, ["text/html"]) is None  # past the ranges read: not offered
    assert choose("text/html," + flood, ["text/html"]) == "text/html"
    params = "text/html" + ";x=1" * 10_000 + ";q=0"
    assert parse_accept(params)[0].q == 1.0  # its q comes after the parameters read
    assert parse_accept("text/html" + ";x=1" * (MAX_PARAMS - 1) + ";q=0.5")[0].q == 0.5


def test_a_browser_gets_the_endpoint_page(client: Any) -> None:
    page = client.get("/sparql", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Vary" in page.headers or "vary" in page.headers
    html = page.text
    assert '<label for="sparql-query">' in html and 'name="query"' in html
    for prefix, iri in PREFIXES.items():
        assert f"<code>{prefix}:</code>" in html and iri in html
    assert "Entries awaiting information" in html  # an example from queries/*.rq
    assert "/query#query=" in html


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("text/turtle, text/html", "text/turtle"),
    ],
)
def test_machine_clients_still_get_the_service_description(
    client: Any, accept: str | None, media: str
) -> None:
    answer = client.get("/sparql", headers={"accept": accept} if accept else {})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)


def test_the_service_description_lists_the_prefixes(client: Any) -> None:
    turtle = client.get("/sparql", headers={"accept": "text/turtle"}).text
    assert turtle.count("sh:prefix") == len(PREFIXES)
    assert f'"{PREFIXES["dcat"]}"^^' in turtle


def test_a_query_without_prefix_lines_works_for_machines_and_browsers(client: Any) -> None:
    csv = client.get("/sparql", params={"query": UNDECLARED}, headers={"accept": "text/csv"})
    assert csv.status_code == 200 and csv.text.startswith("r,title")
    assert len(csv.text.strip().splitlines()) > 1
    page = client.get("/sparql", params={"query": UNDECLARED}, headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<table class="data results">' in page.text
    assert 'href="/resource/' in page.text  # Cradle IRIs link to their pages, under labels
    assert "@en" not in page.text and "^^" not in page.text
    explicit = client.get("/sparql", params={"query": UNDECLARED, "format": "html"})
    assert explicit.headers["content-type"].startswith("text/html")


def test_browser_errors_are_pages_and_machine_errors_stay_plain_text(client: Any) -> None:
    bad = {"query": "SELECT ?x WHERE { ?x nope:y ?z }"}
    page = client.get("/sparql", params=bad, headers=BROWSER)
    assert page.status_code == 400 and "<h1>" in page.text
    plain = client.get("/sparql", params=bad, headers={"accept": "application/sparql-results+json"})
    assert plain.status_code == 400 and plain.headers["content-type"].startswith("text/plain")


def test_construct_results_as_a_page(client: Any) -> None:
    query = "CONSTRUCT { ?r dct:title ?t } WHERE { ?r dct:title ?t } LIMIT 2"
    page = client.get("/sparql", params={"query": query}, headers=BROWSER)
    assert page.status_code == 200 and "(triples)" in page.text and "dct:title" in page.text


def test_the_form_posts_a_query_whose_line_breaks_would_make_its_url_too_long() -> None:
    from cradle.service.sparql_html import query_links

    query = "ASK {}\n" + "\n" * 4900  # "%0A" in a link, "%0D%0A" from the form
    assert len("/sparql?" + urlencode({"query": query, "format": "json"})) < 16_384
    assert query_links(query, 16_384) is None


def test_a_long_query_is_shown_once_and_sent_back_in_a_body(client: Any) -> None:
    query = "# " + "é<" * 40_000 + "\nASK {}"  # 120 KB: its links would be far over the URL limit
    page = client.post(
        "/sparql",
        content=query.encode(),
        headers={**BROWSER, "content-type": "application/sparql-query"},
    )
    assert page.status_code == 200 and "The answer is" in page.text
    assert len(page.content) < 3 * len(query.encode())  # the query once, escaped, not in links
    assert "too long for a link" in page.text and 'method="post"' in page.text
    again = client.post("/sparql", data={"query": query, "format": "html"}, headers=BROWSER)
    assert again.status_code == 200 and "The answer is" in again.text  # the form's POST works
    short = client.post(
        "/sparql",
        content=b"ASK {}",
        headers={**BROWSER, "content-type": "application/sparql-query"},
    )
    assert 'href="/query#query=ASK' in short.text and 'method="get"' in short.text


def test_a_table_of_many_columns_shows_fewer_rows() -> None:
    from cradle.graph.sparql.engine import EngineResult
    from cradle.service.sparql_html import PAGE_CELLS, PAGE_ROWS, results_table

    def answer(columns: int, rows: int) -> EngineResult:
        names = [f"c{i}" for i in range(columns)]
        row = {n: {"type": "literal", "value": "x"} for n in names}
        body = json.dumps({"head": {"vars": names}, "results": {"bindings": [row] * rows}})
        return EngineResult("application/sparql-results+json", body.encode(), rows, False, 0, 0, "")

    assert results_table(answer(3, 5000), None)["shown"] == PAGE_ROWS
    wide = results_table(answer(1600, 50), None)
    assert wide["shown"] == PAGE_CELLS // 1600 and len(wide["rows"][0]) == 1600
