"""/topics, /localities and /gaps, checked against counts computed independently with SPARQL on
the built graph (including the analyst query ``queries/coverage_matrix.rq``), and the heatmap."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from cradle.core.datadir import DataDir
from cradle.core.namespaces import sparql_prologue
from tests.support import ROOT


@pytest.fixture(scope="module")
def store(data_dir: Path) -> ox.Store:
    s = ox.Store()
    s.bulk_load(DataDir(data_dir).open().graph_file.read_bytes(), format=ox.RdfFormat.TURTLE)
    return s


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    result = store.query(sparql_prologue() + query)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{n: sol[n].value for n in names if sol[n] is not None} for sol in result]


def local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def test_topics_counts_match_sparql(client: TestClient, store: ox.Store) -> None:
    body = client.get("/topics").json()
    rows = select(
        store,
        """SELECT ?t (COUNT(DISTINCT ?r) AS ?n) (COUNT(DISTINCT ?r2) AS ?below)
        WHERE { ?t skos:inScheme topic:scheme ; skos:prefLabel ?l .
                OPTIONAL { ?r dcat:theme ?t }
                OPTIONAL { ?r2 dcat:theme/skos:broader* ?t } } GROUP BY ?t""",
    )
    expected = {local(r["t"]): (int(r["n"]), int(r["below"])) for r in rows}
    got = {t["id"]: (t["count"], t["count_with_narrower"]) for t in body["topics"]}
    assert got == expected
    seen: set[str] = set()
    for t in body["topics"]:  # depth-first: a topic comes after its broader one
        assert set(t["broader"]) <= seen
        seen.add(t["id"])
    assert any(t["narrower"] for t in body["topics"])


def test_localities_count_published_and_adopted_separately(
    client: TestClient, store: ox.Store
) -> None:
    body = client.get("/localities").json()
    rows = select(
        store,
        """SELECT ?p (COUNT(DISTINCT ?r) AS ?own) (COUNT(DISTINCT ?a) AS ?adopted)
        WHERE { ?p skos:inScheme loc:scheme ; skos:prefLabel ?l .
                OPTIONAL { ?r a dcat:Resource ; dct:spatial ?p }
                OPTIONAL { ?a cradle:adoptedIn ?p } } GROUP BY ?p""",
    )
    expected = {local(r["p"]): (int(r["own"]), int(r["adopted"])) for r in rows}
    assert {x["id"]: (x["published"], x["adopted"]) for x in body["localities"]} == expected
    assert sum(x["adopted"] for x in body["localities"]) > 0


def test_gaps_matrix_matches_the_analyst_query(client: TestClient, store: ox.Store) -> None:
    body = client.get("/gaps").json()
    query = (ROOT / "queries" / "coverage_matrix.rq").read_text()
    expected = {(r["borough"], r["topic"]): int(r["resources"]) for r in select(store, query)}
    labels = {x["id"]: x["label"] for x in body["localities"] + body["topics"]}
    got = {(labels[c["locality"]], labels[c["topic"]]): c["local"] for c in body["cells"]}
    assert got == expected


def test_gaps_has_every_borough_and_topic_with_zeros(client: TestClient) -> None:
    body = client.get("/gaps").json()
    assert len(body["localities"]) == 10
    assert len(body["cells"]) == 10 * len(body["topics"])
    zeros = [(c["locality"], c["topic"]) for c in body["cells"] if c["count"] == 0]
    assert zeros and [(g["locality"], g["topic"]) for g in body["gaps"]] == zeros
    for c in body["cells"]:
        assert c["local"] == c["own"] + c["adopted"] == c["count"]


def test_including_shared_resources_adds_them(client: TestClient) -> None:
    plain = client.get("/gaps").json()["cells"]
    shared = client.get("/gaps", params={"include_shared": "true"}).json()
    assert shared["include_shared"] is True
    for a, b in zip(plain, shared["cells"], strict=True):
        assert b["count"] == a["local"] + a["shared"]
    safer = [c for c in shared["cells"] if c["topic"] == "safer-sleep"]
    assert all(c["shared"] > 0 for c in safer)  # the GM Safer Sleep Policy covers every borough
    assert len(shared["gaps"]) < len(client.get("/gaps").json()["gaps"])


def test_gaps_as_csv_matches_json(client: TestClient) -> None:
    body = client.get("/gaps").json()
    for r in (
        client.get("/gaps", params={"format": "csv"}),
        client.get("/gaps", headers={"accept": "text/csv"}),
    ):
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert len(rows) == len(body["cells"])
        for row, cell in zip(rows, body["cells"], strict=True):
            assert (row["locality"], row["topic"], int(row["count"])) == (
                cell["locality"],
                cell["topic"],
                cell["count"],
            )
    assert client.get("/gaps", headers={"accept": "image/png"}).status_code == 406


def test_heatmap_page_shows_the_matrix(client: TestClient) -> None:
    body = client.get("/gaps").json()
    page = client.get("/coverage").text
    table = page.split('id="heatmap"')[1].split("</table>")[0]
    assert "local authority (rows) and topic (columns)" in table  # as docs/coverage.md says
    # the authority, its two need columns, then every topic
    assert len(re.findall(r'<th scope="col"', table)) == 3 + len(body["topics"])
    rows = re.findall(r"<tr>\s*<th scope=\"row\".*?</tr>", table, re.S)
    assert len(rows) == len(body["localities"]) == 10
    first = [int(x) for x in re.findall(r'<td[^>]*><a class="n"[^>]*>(\d+)', rows[0])]
    expected = [c["count"] for c in body["cells"] if c["locality"] == "bolton"]
    assert first == expected
    assert "(gap)" in table and ">3,748<" in rows[0]  # Bolton's babies under one
    assert "Open Government Licence" in page


def test_heatmap_wording_follows_the_choices(client: TestClient) -> None:
    def page(**params: str) -> str:
        return " ".join(client.get("/coverage", params=params).text.split())

    every = page(status="all")
    assert "Every resource counts, whatever its status" in every
    assert "whose status is every status" not in every
    pending = page(status="in-development")
    assert "Only resources marked" in pending and "any other status are left out" in pending
    nw = page(within="north-west")
    assert "This catalogue covers Greater Manchester; the other 14 North West authorities" in nw
    london = page(within="london")
    assert "none of the 33 London authorities is in it" in london
    assert "0 of 0" not in london and 'id="heatmap"' not in london
    by_need = page(sort="need")
    first = re.search(r'<th scope="row"><a href="/locality/([^"]+)"', by_need)
    assert first and first.group(1) == "manchester"


def test_gaps_counts_available_resources_unless_asked(client: TestClient) -> None:
    available = client.get("/gaps").json()
    every = client.get("/gaps", params={"status": "all"}).json()
    assert available["status"] == "available" and every["status"] == "all"
    pairs = zip(available["cells"], every["cells"], strict=True)
    assert all(a["count"] <= b["count"] for a, b in pairs)
    bolton = {c["topic"]: c for c in every["cells"] if c["locality"] == "bolton"}
    assert bolton["safer-sleep"]["local"] > next(
        c["local"]
        for c in available["cells"]
        if (c["locality"], c["topic"]) == ("bolton", "safer-sleep")
    )
    pending = client.get("/gaps", params={"status": "in-development"}).json()
    assert sum(c["count"] for c in pending["cells"]) > 0


def test_gaps_within_an_area_and_bad_parameters(client: TestClient) -> None:
    nw = client.get("/gaps", params={"within": "north-west"}).json()
    assert nw["within"]["id"] == "north-west" and len(nw["localities"]) == 24
    outside = {p["id"] for p in nw["localities"] if p["outside_catalogue"]}
    assert len(outside) == 14 and "liverpool" in outside and "bolton" not in outside
    assert nw["catalogue_area"]["id"] == "greater-manchester"
    assert not outside & {g["locality"] for g in nw["gaps"]}  # not gaps: not this catalogue's
    assert all(c["outside_catalogue"] == (c["locality"] in outside) for c in nw["cells"])
    england = client.get("/gaps", params={"within": "england"}).json()
    assert len(england["localities"]) == 153
    assert {p["gss"][:3] for p in england["localities"]} == {"E06", "E08", "E09", "E10"}
    csv_text = client.get("/gaps", params={"within": "north-west", "format": "csv"}).text
    assert csv_text.splitlines()[0].endswith(",outside_catalogue")
    assert [
        x["id"] for x in client.get("/gaps", params={"within": "bolton"}).json()["localities"]
    ] == ["bolton"]
    missing = client.get("/gaps", params={"within": "atlantis"})
    assert missing.status_code == 404 and "no area" in missing.json()["detail"]
    bad = client.get("/gaps", params={"status": "lost"})
    assert bad.status_code == 400 and "available" in bad.json()["detail"]
    page = client.get("/coverage", params={"within": "atlantis"}, headers={"accept": "text/html"})
    assert page.status_code == 404 and "no area" in page.text


def test_heatmap_cells_link_to_their_resources_and_to_search(client: TestClient) -> None:
    page = client.get("/coverage", params={"status": "all"}).text
    assert '<a class="n" href="/coverage/bolton/safer-sleep?status=all">2' in page
    assert "/?q=Safer+sleep&amp;locality=bolton&amp;topic=safer-sleep" in page
    assert "own·adopted·shared" in page  # the key, visible without hovering
    assert 'class="status-legend"' in page and "Awaiting information" in page
    cell = client.get("/coverage/bolton/safer-sleep", params={"status": "all"})
    assert cell.status_code == 200
    own = cell.text.split('id="own"')[1].split("</section>")[0]
    assert own.count('href="/resource/') == 2
    shared = cell.text.split('id="shared"')[1].split("</section>")[0]
    assert shared.count('href="/resource/') > 0  # the GM Safer Sleep Policy, national guidance
    available = client.get("/coverage/bolton/safer-sleep").text.split('id="own"')[1]
    assert available.split("</section>")[0].count('href="/resource/') == 1
    assert client.get("/coverage/atlantis/safer-sleep").status_code == 404
    assert client.get("/coverage/bolton/nothing").status_code == 400


def test_heatmap_sorts_by_most_gaps(client: TestClient) -> None:
    page = client.get("/coverage", params={"sort": "gaps"}).text
    gaps = [int(n) for n in re.findall(r"<small>(\d+) gaps</small>", page)]
    assert len(gaps) == 10 and gaps == sorted(gaps, reverse=True)


def test_topic_scheme_counts_narrower_topics(client: TestClient) -> None:
    topics = {t["id"]: t for t in client.get("/topics").json()["topics"]}
    page = client.get("/topic/scheme", headers={"accept": "text/html"}).text
    wide = topics["infant-safety"]["count_with_narrower"]
    assert wide > topics["infant-safety"]["count"]
    assert re.search(
        rf'href="/topic/infant-safety">Infant safety</a>\s*<span class="meta">\({wide}\)', page
    )


def test_large_heatmap_pages_go_gzipped(client: TestClient) -> None:
    zipped = client.get("/coverage", headers={"accept-encoding": "gzip"})
    assert (
        zipped.headers["content-encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["vary"]
    )
    plain = client.get("/coverage", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == zipped.text
