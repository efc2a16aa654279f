"""What a health visitor gets from search: a way to each resource, usable resources first, an
honest cut-off, spelling help, suggestions, place notes and plain words (issue 14)."""

from __future__ import annotations

import io
import json
import re
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from cradle.core.datadir import Version
from cradle.core.settings import Settings
from cradle.graph.read.contact import Contact
from cradle.graph.read.obtain import HowToGet, for_label, how_to_get, intended_for
from cradle.index.access import access, site_of
from cradle.index.build import build_index
from cradle.index.close import GENERIC
from cradle.index.commands import run_search
from cradle.index.corpus import read_graph
from cradle.index.judge import tiers
from cradle.index.search import Searcher, open_searcher, ranking
from cradle.index.spelling import Speller
from cradle.index.text import keywords
from cradle.index.usable import badge, out_of_date
from tests.support import FAKE

TODAY = date(2026, 11, 29)
LANDING = "https://www.lullabytrust.org.uk/safer-sleep-advice/"


@pytest.fixture(scope="module")
def landing_dir(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogue's graph with one dcat:landingPage added, and its index (fake embedder)."""
    out = tmp_path_factory.mktemp("landing")
    shutil.copytree(graph_dir, out, dirs_exist_ok=True)
    store = ox.Store(str(Version.at(out).store_dir))
    store.add(
        ox.Quad(
            ox.NamedNode("https://w3id.org/cradle/resource/lullaby-trust-safer-sleep"),
            ox.NamedNode("http://www.w3.org/ns/dcat#landingPage"),
            ox.NamedNode(LANDING),
        )
    )
    store.flush()
    del store
    build_index(out, FAKE, out / "cache")
    return out


@pytest.fixture(scope="module")
def searcher(landing_dir: Path) -> Searcher:
    s = open_searcher(landing_dir, FAKE)
    s.today = lambda: TODAY
    return s


def test_site_is_the_named_domain_except_file_sharing() -> None:
    assert site_of("iconcope.org") == ("https://iconcope.org/", None)
    assert site_of("www.fnp.nhs.uk") == ("https://fnp.nhs.uk/", None)
    assert site_of("huddle.net") == (None, "Huddle")
    assert site_of("not a domain") == (None, None)


def test_one_way_prefers_the_resource_then_a_call_then_the_owner_then_says_none() -> None:
    own = how_to_get("https://example.org/doc", "iconcope.org", "", "ICON", None)
    assert own == HowToGet("open", "Open the resource", "https://example.org/doc")
    home = how_to_get(None, "iconcope.org", "", "ICON", None)
    assert home.kind == "request" and home.href == "https://iconcope.org/"
    assert "the publisher's home page" in home.label  # not the resource
    call = how_to_get(None, "", "Walmer Street 4.30 pmTel: 0161 861 2258", "Team", None, True)
    assert call == HowToGet("call", "Call Team on 0161 861 2258", "tel:01618612258")
    mailbox = Contact(email="unit@example.gov.uk", how_to_request="email the business unit")
    asked = how_to_get(None, "huddle.net", "", "Oldham Safeguarding Partnership", mailbox)
    assert asked.kind == "request" and asked.href == "mailto:unit@example.gov.uk"
    assert "Huddle" not in asked.label and "email the business unit" in asked.label
    served = how_to_get(None, "", "", "Team", Contact(phone="0161 234 5678"), service=True)
    assert served.kind == "call" and served.href == "tel:01612345678"
    for host in ("huddle.net", "assets.publishing.service.gov.uk", "publishing.service.gov.uk"):
        none = how_to_get(None, host, "", "Oldham Council", None)
        assert none == HowToGet(
            "none", "The catalogue has no link or contact for Oldham Council yet", None
        )
    nobody = how_to_get(None, "", "", None, None).label
    assert nobody == "The catalogue has no link for it, nor who publishes it, yet"
    assert how_to_get("javascript:alert(1)", "", "", None, None).kind == "none"
    assert access("javascript:alert(1)", "", "").url is None


def test_who_it_is_for_follows_the_documented_rule() -> None:
    assert intended_for(None, "policy", "none", ("practitioners",)) == "partnerships"
    assert intended_for(None, "report", "pdf", ("parents",)) == "partnerships"
    assert intended_for(None, "video", "youtube-video", ("parents",)) == "families"
    assert intended_for(None, "guidance", "web-page", ("parents", "practitioners")) == "families"
    assert intended_for(None, "training", "none", ("practitioners",)) == "practitioners"
    assert intended_for("intervention", "programme", "web-page", ("parents",)) == "intervention"
    assert for_label("families") == "To give to families"
    assert for_label("intervention", "men who have abused") == (
        "Referral programme: for men who have abused"
    )


def test_badges_say_what_is_known_and_when_it_is_late() -> None:
    assert badge("available", "", TODAY) == (None, False)
    assert badge("in-development", "2021-12", TODAY) == (
        "In development · expected December 2021 · overdue",
        True,
    )
    assert badge("in-development", "2027-03", TODAY) == (
        "In development · expected March 2027",
        False,
    )
    assert badge("awaiting-information", "", TODAY) == ("Awaiting information", False)
    assert out_of_date("2021/2023", "", TODAY) == "May be out of date: it covers 2021–2023"
    assert out_of_date("2025/2028", "", TODAY) is None
    assert out_of_date("", "2020-06", TODAY) == "May be out of date: issued June 2020"
    assert out_of_date("", "2025-06", TODAY) is None


def test_tiers_partition_close_usable_close_not_usable_and_not_close() -> None:
    close = np.array([True, True, True, False, False])
    usable = np.array([False, True, False, True, False])
    named = np.array([False, False, True, False, True])
    assert list(tiers(close, usable, named)) == [2, 1, 1, 3, 3]  # named lifts a close one only
    total = np.array([0.99, 0.2, 0.5, 0.98, 0.97])
    order = ranking(total, tiers(close, usable, named), np.arange(5))
    assert list(order) == [2, 1, 0, 3, 4]  # tier first, whatever the score gap


def test_speller_corrects_to_the_thesaurus_word_when_clear() -> None:
    counts = {"shaken": 2, "shake": 3, "happy": 9, "baby": 40, "neglect": 5}
    speller = Speller(counts, frozenset({"shaken", "baby"}), lambda w: w in counts)
    assert speller.correct("shakn baby") == "shaken baby"
    assert speller.correct("Neglet") == "Neglect"
    assert speller.correct("nappy rash") is None  # "happy" starts with another letter
    assert speller.correct("baby neglect") is None
    assert speller.correct("xqzv blorp") is None


def test_landing_page_is_read_into_the_search_json(landing_dir: Path, searcher: Searcher) -> None:
    resources, _ = read_graph(landing_dir)
    assert {r.id: r.url for r in resources}["lullaby-trust-safer-sleep"] == LANDING
    hits = searcher.search("Lullaby Trust safer sleep", k=39).to_dict()["results"]
    lullaby = next(h for h in hits if h["id"] == "lullaby-trust-safer-sleep")
    assert lullaby["url"] == LANDING and lullaby["how_to_get"]["kind"] == "open"
    icon = next(h for h in hits if h["id"] == "icon-babies-cry-you-can-cope")
    assert icon["url"] is None and icon["site"] == "https://iconcope.org/"
    for hit in hits:
        assert {"url", "site", "close", "badge", "out_of_date", "how_to_get", "for"} <= set(hit)
        assert hit["url"] in (None, LANDING)  # never made up


def test_nonsense_and_off_topic_have_no_close_match(searcher: Searcher) -> None:
    for query in ("xqzv blorp", "car seat safety"):
        out = searcher.search(query, k=20).to_dict()
        assert out["close_matches"] == 0, query
        assert out["results"] and not any(h["close"] for h in out["results"])


def test_words_for_illness_count_for_a_match() -> None:
    """ "is my baby ill": "ill" is a word of the question, not a phone spelling of "I'll" left
    out of matching (else every resource about babies matched it)."""
    assert not set(keywords("ill sick poorly unwell")) & GENERIC


def test_close_matches_come_with_a_count(searcher: Searcher) -> None:
    out = searcher.search("coping with a crying baby", k=10).to_dict()
    assert out["close_matches"] >= 2
    assert sum(h["close"] for h in out["results"]) == out["close_matches"]
    assert "Infant crying" in out["results"][0]["why"]["text"]
    assert not re.search(r"\d\.\d", out["results"][0]["why"]["text"])  # plain words


def test_misspelt_words_reach_the_thesaurus(searcher: Searcher) -> None:
    out = searcher.search("shakn baby", k=5).to_dict()
    assert out["corrected_query"] == "shaken baby" and out["query"] == "shakn baby"
    assert [t["id"] for t in out["understood"]["topic"]] == ["abusive-head-trauma"]
    assert any("abusive-head-trauma" in h["topics"] for h in out["results"][:2])
    assert searcher.search("shakn baby", k=5, exact=True).corrected_query is None


def test_rochdale_crying_guidance_is_badged_overdue(searcher: Searcher) -> None:
    hits = searcher.search("coping with a crying baby", k=5).results
    rochdale = next(h for h in hits if h.id == "rochdale-coping-with-infant-crying-guidance")
    assert rochdale.overdue and "expected December 2021" in (rochdale.badge or "")
    oldham = searcher.search("neglect strategy", k=3).results[0]
    assert oldham.out_of_date == "May be out of date: it covers 2021–2023"


def test_a_place_with_nothing_of_its_own_is_named(searcher: Searcher) -> None:
    note = searcher.search("neglect Wigan", k=10).place_note
    assert note and note.startswith("Wigan has no resource of its own on neglect")
    assert searcher.search("neglect Oldham", k=10).place_note is None
    assert searcher.search("neglect", k=10).place_note is None


def test_cli_lines_fit_80_columns(landing_dir: Path) -> None:
    settings = Settings.model_validate({"embedder": "fake", "data_dir": landing_dir})
    for query in ("coping with a crying baby", "xqzv blorp", "shakn baby", "neglect Wigan"):
        out = io.StringIO()
        run_search(settings, query, {}, k=10, out=out)
        text = out.getvalue()
        assert all(len(line) <= 80 for line in text.splitlines()), text
        assert "score" not in text and "https://w3id.org" not in text
    out = io.StringIO()
    run_search(settings, "xqzv blorp", {}, k=5, out=out)
    assert "No close matches" in out.getvalue()
    out = io.StringIO()
    run_search(settings, "shakn baby", {}, k=5, as_json=True, out=out)
    assert json.loads(out.getvalue())["corrected_query"] == "shaken baby"


def test_suggest_answers_labels_titles_and_places(client: TestClient) -> None:
    body = client.get("/suggest", params={"q": "safe"}).json()
    assert body["query"] == "safe"
    kinds = [s["kind"] for s in body["suggestions"]]
    assert kinds and kinds[0] == "topic" and set(kinds) <= {"topic", "locality", "resource"}
    assert all({"label", "kind", "uri"} <= set(s) for s in body["suggestions"])
    wig = client.get("/suggest", params={"q": "wig"}).json()["suggestions"]
    assert wig[0] == {
        "label": "Wigan",
        "kind": "locality",
        "path": "/locality/wigan",
        "uri": "https://w3id.org/cradle/locality/wigan",
    }
    shaken = client.get("/suggest", params={"q": "shaken"}).json()["suggestions"]
    assert shaken and shaken[0]["detail"] == "Abusive head trauma"  # an alternative label
    safe = client.get("/suggest", params={"q": "safe sl"}).json()["suggestions"]
    details = {s["label"]: s.get("detail") for s in safe if s["kind"] == "resource"}
    assert details["Safe sleep animation"] == "Manchester"  # available: its place only
    assert details["Local thematic safe sleeping review"] == "Bolton, awaiting information"
    assert client.get("/suggest", params={"q": "  "}).json()["suggestions"] == []
    assert client.get("/suggest").json()["suggestions"] == []
    assert client.get("/suggest", params={"q": "x" * 500}).status_code == 422


def test_suggestions_forgive_typos_and_complete_several_words(client: TestClient) -> None:
    def labels(q: str) -> list[str]:
        found = client.get("/suggest", params={"q": q}).json()["suggestions"]
        assert len(found) <= 8
        return [s["label"] for s in found]

    assert labels("shakn")[0] == "shaken baby"  # a typo: rapidfuzz over the same labels
    assert "Hackney" not in labels("shakn")  # a typo keeps its first letter
    assert labels("neglet")[0] == "Neglect"
    assert labels("oldam")[0] == "Oldham"
    wigan = client.get("/suggest", params={"q": "wigan co"}).json()["suggestions"]
    assert wigan[0]["label"] == "Wigan co-sleeping" and wigan[0]["detail"] == "Wigan + Co-sleeping"
    assert labels("safer sleep wig")[0] == "Safer sleep Wigan"
    assert labels("saf")[0] == "safe sleep"  # prefix matches first, as before
    assert labels("car seat") == []  # nothing close: nothing made up


def test_search_page_shows_close_matches_in_plain_words(client: TestClient) -> None:
    page = client.get("/", params={"q": "shakn baby"}).text
    assert "Showing results for <strong>shaken baby</strong>" in page
    assert "exact=1" in page and "search instead for shakn baby" in page
    assert "score" not in page.lower()
    assert "<summary>Why this result</summary>" in page
    assert '<script src="/static/suggest.js" defer></script>' in page
    none = client.get("/", params={"q": "xqzv blorp"}).text
    assert "No close matches" in none and 'href="/topic/scheme"' in none
    assert "Not a close match" in none
    filtered = client.get("/", params={"q": "xqzv blorp", "locality": "bolton"}).text
    assert "without filters" in filtered
    topic = client.get(
        "/", params={"q": "safer sleep", "locality": "bolton", "format": "youtube-video"}
    ).text
    assert "No close matches" in topic
    assert '<a href="/topic/safer-sleep">the topic Safer sleep</a>' in topic
    wigan = client.get("/", params={"q": "neglect Wigan"}).text
    assert "Wigan has no resource of its own on neglect" in wigan
    assert client.get("/static/suggest.js").status_code == 200


def test_resource_pages_lead_with_the_best_action(client: TestClient) -> None:
    html = {"Accept": "text/html"}
    icon = client.get("/resource/icon-babies-cry-you-can-cope", headers=html).text
    link = '<a class="how-action" href="https://iconcope.org/">Look for it on the publisher&#39;s'
    assert link in icon and "home page, iconcope.org</a>" in icon
    vbs = client.get("/resource/manchester-vulnerable-babies-service", headers=html).text
    call = 'href="tel:01618612258">Call Manchester Safeguarding Children Team on 0161 861 2258</a>'
    assert call in vbs
    oldham = client.get("/resource/oldham-neglect-strategy", headers=html).text
    assert "May be out of date: it covers 2021–2023" in oldham
    assert "shared through Huddle, a file-sharing site, which is not the publisher" in oldham
    assert "The catalogue has no link or contact for Oldham" in oldham
    rochdale = client.get("/resource/rochdale-coping-with-infant-crying-guidance", headers=html)
    assert "expected December 2021 · overdue" in rochdale.text
