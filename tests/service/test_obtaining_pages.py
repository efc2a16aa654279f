"""Issue 24 on the pages and in the JSON and CLI: one way to get each resource, who it is for,
review dates, a back link that keeps the search, the not-close list folded, where else to look."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from cradle.graph.read.obtain import for_of, way_of
from cradle.graph.read.readmodel import ReadModel
from cradle.index.hit import Label
from cradle.service.elsewhere import tell_us, where_else
from cradle.service.resourceview import back_link, review_dates

HTML = {"Accept": "text/html"}
KINDS = {"open", "call", "email", "request", "none"}
FOR = {"families", "practitioners", "partnerships", "intervention"}


def _model(client: TestClient) -> ReadModel:
    data: ReadModel = client.app.state.runtime.graph_data  # type: ignore[attr-defined]
    return data


def test_every_hit_has_one_way_and_whom_it_is_for(client: TestClient) -> None:
    body = client.get("/search", params={"q": "baby", "k": 39}).json()
    assert len(body["results"]) == 39
    for hit in body["results"]:
        assert hit["how_to_get"]["kind"] in KINDS and hit["how_to_get"]["label"]
        assert hit["for"] in FOR and hit["for_label"]
        assert "Ask Greater Manchester" not in hit["how_to_get"]["label"]
        assert "publishing.service.gov.uk" not in hit["how_to_get"]["label"]


def test_shipped_counts_of_each_way(client: TestClient) -> None:
    model = _model(client)
    kinds = Counter(way_of(model, r).kind for r in model.resources.values())
    assert kinds == {"none": 29, "request": 9, "call": 1}  # bench/findings.md "How to get it"
    assert Counter(for_of(r)[0] for r in model.resources.values())["intervention"] == 1


def test_no_page_asks_a_place_or_names_a_file_host_as_publisher(client: TestClient) -> None:
    for rid in _model(client).resources:
        page = client.get(f"/resource/{rid}", headers=HTML).text
        assert "Ask Greater Manchester" not in page, rid
        assert "publishing.service.gov.uk is the publisher" not in page, rid
        assert "Source not stated" not in page, rid
        assert len(re.findall(r'class="how-action"', page)) <= 1, rid  # one action per page


def test_caring_dads_is_a_referral_programme_not_close_for_a_crying_question(
    client: TestClient,
) -> None:
    body = client.get("/search", params={"q": "a dad who is struggling with his baby crying"})
    hits = body.json()["results"]
    dads = next(h for h in hits if h["id"] == "stockport-caring-dads")
    assert dads["for"] == "intervention" and not dads["close"]
    assert dads["for_label"].startswith("Referral programme: for men who have abused")
    named = client.get("/search", params={"q": "Caring Dads programme"}).json()["results"]
    assert named[0]["id"] == "stockport-caring-dads" and named[0]["close"]


def test_resource_page_has_review_dates_badge_and_back_link(client: TestClient) -> None:
    back = "/?" + urlencode({"q": "dad", "locality": "stockport"})
    page = client.get("/resource/stockport-caring-dads", params={"back": back}, headers=HTML).text
    assert "Last reviewed" in page
    assert 'href="/?q=dad&amp;locality=stockport"' in page
    assert "Back to the results for “dad”" in page
    assert "You asked about" not in page  # the back link names the search; no more is claimed
    assert "Referral programme: for men who have abused" in page
    evil = client.get(
        "/resource/stockport-caring-dads", params={"back": "https://evil.example/"}, headers=HTML
    ).text
    assert "evil.example" not in evil


def test_vulnerable_babies_service_is_called_and_its_team_page_has_the_address(
    client: TestClient,
) -> None:
    page = client.get("/resource/manchester-vulnerable-babies-service", headers=HTML).text
    assert 'href="tel:01618612258"' in page
    assert "Rusholme Health Centre<br>Walmer Street<br>Manchester<br>M14 5NB</address>" in page
    org = client.get("/org/manchester-safeguarding-children-team", headers=HTML).text
    assert '<a href="tel:01618612258">0161 861 2258</a>' in org
    assert "Rusholme Health Centre<br>Walmer Street<br>Manchester<br>M14 5NB" in org
    bare = client.get("/org/oldham-council", headers=HTML).text
    assert "The catalogue has no contact for Oldham Council yet." in bare


def test_a_card_with_no_address_says_what_to_look_for(client: TestClient) -> None:
    page = client.get("/", params={"q": "lullaby trust safer sleep guidance", "k": 40}).text
    named = re.findall(r'<p class="named">([^<]*)</p>', page)
    lullaby = "The Lullaby Trust - Safer sleep for babies, Support for families"
    assert f"The document’s link to it reads “{lullaby}”" in named
    assert not any("huddle" in n.lower() for n in named)  # a file host's name is no help


def test_search_links_carry_the_way_back(client: TestClient) -> None:
    page = client.get("/", params={"q": "safe sleep", "locality": "bolton"}).text
    assert "?back=%2F%3Fq%3Dsafe%2Bsleep%26locality%3Dbolton" in page or (
        "?back=%2F%3Flocality%3Dbolton%26q%3Dsafe%2Bsleep" in page
    )


def test_not_close_list_is_folded_even_when_nothing_is_close(client: TestClient) -> None:
    page = client.get("/", params={"q": "car seat safety"}).text
    assert "No close matches" in page
    folded = page[page.index('<details class="not-close"') :]
    assert folded.split(">", 1)[0] == '<details class="not-close"'
    assert re.search(r"Other results, not close matches \(\d+\)", page)


def test_where_else_names_national_sources_and_tell_us_carries_topic_and_place_only(
    client: TestClient,
) -> None:
    model = _model(client)
    sleep = (Label("safer-sleep", "Safer sleep"),)
    found = [r.id for r in where_else(model, sleep)]
    assert "lullaby-trust-safer-sleep" in found
    assert all(model.resources[r].locality == "england" for r in found)
    crying = [r.id for r in where_else(model, (Label("infant-crying", "Infant crying"),))]
    assert crying == ["icon-babies-cry-you-can-cope"]
    assert tell_us(model, sleep, ()) is None  # the shipped catalogue records no mailbox
    model.feedback_email = "unit@example.gov.uk"
    try:
        link = tell_us(model, sleep, (Label("wigan", "Wigan"),))
    finally:
        model.feedback_email = None
    assert link is not None and link.startswith("mailto:unit@example.gov.uk?subject=")
    assert "Safer%20sleep" in link and "Wigan" in link


def test_review_dates_and_back_links() -> None:
    assert review_dates(None, None) == ("Not yet reviewed", None)
    assert review_dates("2026-03-31", 6) == ("31 March 2026", "30 September 2026")
    assert review_dates("2026-01-15", None) == ("15 January 2026", "15 January 2027")
    assert back_link("/?q=dad") == "/?q=dad"
    for bad in ("//evil.example/?q=x", "https://evil.example/", "/admin", "/?q=a b", None):
        assert back_link(bad) is None
