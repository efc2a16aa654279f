"""Linked data: every Cradle IRI in the graph dereferences by its path, as HTML for browsers and
as Turtle or JSON-LD by Accept (q-values honoured, 406 otherwise); resource pages show what the
graph says and never invent a URL."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from cradle.core.conneg import choose
from cradle.core.datadir import DataDir
from cradle.core.namespaces import BASE
from cradle.service.graphdata import NAMESPACES, load_graph_data

HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def graph(data_dir: Path) -> Graph:
    return Graph().parse(DataDir(data_dir).open().graph_file)


def cradle_iris(graph: Graph) -> list[str]:
    """Every IRI in the graph under a dereferenceable Cradle path (one segment after it)."""
    bases = tuple(NAMESPACES.values())
    nodes = {str(n) for t in graph for n in t if isinstance(n, URIRef)}
    return sorted(n for n in nodes if n.startswith(bases) and n[len(BASE) :].count("/") == 1)


def test_every_cradle_iri_dereferences_as_turtle_describing_it(
    client: TestClient, graph: Graph
) -> None:
    iris = cradle_iris(graph)
    kinds = {iri[len(BASE) :].split("/")[0] for iri in iris}
    assert kinds == set(NAMESPACES)  # resource, topic, locality, org, format, kind, ...
    for iri in iris:
        r = client.get(iri[len(BASE) - 1 :], headers={"accept": "text/turtle"})
        assert r.status_code == 200, iri
        assert r.headers["content-type"].startswith("text/turtle")
        described = Graph().parse(data=r.text, format="turtle")
        mine = set(graph.triples((URIRef(iri), None, None)))
        assert mine and mine <= set(described), iri


def test_every_cradle_iri_has_an_html_page(client: TestClient, graph: Graph) -> None:
    for iri in cradle_iris(graph):
        r = client.get(iri[len(BASE) - 1 :], headers=HTML)
        assert r.status_code == 200, iri
        assert r.headers["content-type"].startswith("text/html")
        assert '<html lang="en">' in r.text and 'href="#main"' in r.text
        assert r.headers["vary"] == "Accept"


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
        ("text/html;q=0.1, text/turtle;q=0.9", "text/turtle"),
        ("application/*", "application/ld+json"),
        ("*/*", "text/html"),
        ("text/html;q=0, */*;q=0.5", "text/turtle"),
        ("", "text/html"),
    ],
)
def test_content_negotiation_honours_q_values(client: TestClient, accept: str, media: str) -> None:
    r = client.get("/topic/safer-sleep", headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media


def test_json_ld_and_turtle_say_the_same(client: TestClient) -> None:
    path = "/resource/gm-safer-sleep-policy"
    ttl = Graph().parse(
        data=client.get(path, headers={"accept": "text/turtle"}).text, format="turtle"
    )
    jsonld = client.get(path, headers={"accept": "application/ld+json"}).text
    assert ttl.isomorphic(Graph().parse(data=jsonld, format="json-ld"))
    assert (URIRef(BASE + "resource/gm-safer-sleep-policy"), RDF.type, None) in ttl


def test_unacceptable_accept_is_406_and_unknown_iri_404(client: TestClient) -> None:
    assert client.get("/topic/safer-sleep", headers={"accept": "image/png"}).status_code == 406
    assert (
        client.get("/resource/no-such-thing", headers={"accept": "text/turtle"}).status_code == 404
    )
    assert client.get("/topic/..%2F..%2Fetc", headers={"accept": "text/turtle"}).status_code == 404
    assert client.get("/org/scheme").status_code == 404  # organisations have no scheme


def test_format_parameter_overrides_accept(client: TestClient) -> None:
    r = client.get("/locality/bolton", params={"format": "ttl"}, headers=HTML)
    assert r.headers["content-type"].startswith("text/turtle")
    assert client.get("/locality/bolton", params={"format": "exe"}).status_code == 422
    from cradle.graph.sparql.formats import GRAPH_FORMATS

    names = [(n, f.media_type) for f in GRAPH_FORMATS for n in (f.name, *f.aliases) if "/" not in n]
    for name, media in names:
        got = client.get("/topic/safer-sleep", params={"format": name}, headers=HTML)
        assert got.headers["content-type"].startswith(media)  # the names /sparql takes too


def test_resource_page_shows_what_the_graph_says(client: TestClient, data_dir: Path) -> None:
    data = load_graph_data(data_dir)
    adopted = next(r for r in data.resources.values() if r.adopted_in and r.link_text)
    page = client.get(f"/resource/{adopted.id}", headers=HTML).text
    for kind, ids in [("topic", adopted.topics), ("locality", (adopted.locality,)),
                      ("locality", adopted.adopted_in), ("format", (adopted.format,)),
                      ("status", (adopted.status,)), ("org", (adopted.publisher,))]:  # fmt: skip
        for term_id in ids:
            assert f'href="/{kind}/{term_id}"' in page, (kind, term_id)
            assert data.label(kind, term_id) in page
    assert adopted.link_text.replace("&", "&amp;").replace("'", "&#39;") in page
    assert "Also adopted in" in page


def test_resource_pages_link_outside_only_to_what_the_document_names(
    client: TestClient, data_dir: Path
) -> None:
    data = load_graph_data(data_dir)
    for res in data.resources.values():
        page = client.get(f"/resource/{res.id}", headers=HTML).text
        hrefs = re.findall(r'(?:href|src)="([^"]*)"', page)
        outside = {h for h in hrefs if not h.startswith(("/", "#", "http://testserver/"))}
        named = {f"https://{res.link_domain}/"} if res.link_domain else set()
        phone = {h for h in outside if h.startswith("tel:")}
        assert outside - phone <= named - {"https://huddle.net/"}, res.id
        assert all(h[4:].replace("+", "").isdigit() for h in phone), res.id
        if res.link_domain:
            assert res.link_domain in page


def test_related_resources_share_a_topic_or_are_nearest(client: TestClient, data_dir: Path) -> None:
    data = load_graph_data(data_dir)
    res = data.resources["gm-safer-sleep-policy"]
    page = client.get(f"/resource/{res.id}", headers=HTML).text
    same, nearest = page.split('id="same-topic"')[1].split('id="nearest"')
    linked = re.findall(r'href="/resource/([^"]+)"', same)
    assert linked and res.id not in linked
    assert all(set(data.resources[r].topics) & set(res.topics) for r in linked)
    near = re.findall(r'href="/resource/([^"?]+)"', nearest)
    assert near and res.id not in near


def test_topic_page_lists_resources_on_narrower_topics(client: TestClient, data_dir: Path) -> None:
    data = load_graph_data(data_dir)
    page = client.get("/topic/infant-safety", headers=HTML).text
    below = data.descendants("infant-safety") - {"infant-safety"}
    expected = [r.id for r in data.resources.values() if set(r.topics) & below]
    assert expected
    for rid in expected:
        assert f'href="/resource/{rid}"' in page


def test_choose_media_type() -> None:
    offered = ["text/html", "text/turtle"]
    assert choose(None, offered) == "text/html"
    assert choose("text/*;q=0.3, text/turtle;q=0.4", offered) == "text/turtle"
    assert choose("text/turtle;q=nan, text/html;q=0.2", offered) == "text/html"
    assert choose("garbage", offered) is None
    assert choose("text/turtle;q=0", offered) is None


def test_filters_without_words_point_to_the_pages_of_what_was_chosen(client: TestClient) -> None:
    page = client.get("/", params={"q": "", "locality": "oldham", "topic": "safer-sleep"})
    assert page.status_code == 200
    assert "Type a few words in the search box" in page.text
    for path in ('href="/locality/oldham"', 'href="/topic/safer-sleep"'):
        assert path in page.text
    assert client.get("/locality/oldham").status_code == 200
    plain = client.get("/")
    assert "Type a few words in the search box" not in plain.text  # nothing chosen: no note


def test_an_iri_under_a_resource_or_organisation_is_described_by_its_parent(
    client: TestClient, graph: Graph
) -> None:
    under = sorted(
        str(s)
        for s in set(graph.subjects())
        if isinstance(s, URIRef)
        and str(s).startswith(BASE)
        and str(s)[len(BASE) :].count("/") == 2
        and str(s)[len(BASE) :].split("/")[0] in ("resource", "org")
    )
    assert any(u.endswith("/link") for u in under) and any(u.endswith("/contact") for u in under)
    for iri in under:
        path = "/" + iri[len(BASE) :]
        moved = client.get(path, headers={"accept": "text/turtle"}, follow_redirects=False)
        assert moved.status_code == 303, path
        parent = path.rsplit("/", 1)[0]
        assert moved.headers["location"] == parent
        described = Graph().parse(data=client.get(parent, headers={"accept": "text/turtle"}).text)
        assert (URIRef(iri), None, None) in described, iri
    assert client.get("/resource/icon-babies-cry-you-can-cope/nothing").status_code == 404


def test_an_id_with_a_line_break_is_unknown_not_an_error(client: TestClient) -> None:
    for path in ("/topic/safer-sleep%0A", "/resource/icon-babies-cry-you-can-cope/link%0A"):
        assert client.get(path).status_code == 404, path


def test_only_a_path_on_this_site_is_made_of_a_cradle_iri() -> None:
    from cradle.graph.read.readmodel import iri_path

    assert iri_path(BASE + "topic/safer-sleep") == "/topic/safer-sleep"
    assert iri_path(BASE + "/evil.example/x") is None  # "//evil.example/x" is another site
    assert iri_path("https://example.org/x") is None


def test_the_place_filter_lists_the_catalogues_places_first(client: TestClient) -> None:
    page = client.get("/").text
    select = page[
        page.index('<select id="f-locality"') : page.index(
            "</select>", page.index('id="f-locality"')
        )
    ]
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups == ["Places in the catalogue", "Other places"]
    first, other = select.split('<optgroup label="Other places">')
    ours = re.findall(r'<option value="([^"]+)"', first)
    assert {"bolton", "wigan", "greater-manchester"} <= set(ours)
    assert "barking-and-dagenham" in re.findall(r'<option value="([^"]+)"', other)
    assert ours.index("greater-manchester") < ours.index("bolton")  # the area, then its places


def test_a_back_link_the_resource_page_would_refuse_is_not_repeated_on_every_hit(
    client: TestClient,
) -> None:
    from cradle.service.resourceview import MAX_BACK

    short = client.get("/", params={"q": "safe sleep"}).text
    assert "?back=%2F%3Fq%3Dsafe%2Bsleep" in short
    long_question = "safe sleep " + "\ufdfa" * 400  # 9 bytes each in a URL
    page = client.get("/", params={"q": long_question, "k": 20})
    assert page.status_code == 200 and 'href="/resource/' in page.text
    assert "?back=" not in page.text  # longer than MAX_BACK: the resource page would refuse it
    assert len(urlencode({"back": "/?" + urlencode({"q": long_question})})) > MAX_BACK
