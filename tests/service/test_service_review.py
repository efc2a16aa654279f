"""The staff pages: ``/review`` (HTML and JSON), what practitioners did not find, and
``/changes`` (page, JSON and Atom feed) recorded by each build."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from html import escape
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from cradle.commands import run_build
from cradle.core.datadir import DataDir
from cradle.graph.build.catalogue import dump_catalogue, load_catalogue
from cradle.graph.build.changes import read_changes
from cradle.graph.build.datafiles import links_beside
from cradle.graph.curation.ranking import REASONS
from cradle.graph.curation.review import items_from_catalogue, needs_attention
from cradle.index.hit import SearchResponse
from cradle.service.app import create_app
from cradle.service.misses import MIN_SHOWN, Misses, found_nothing_close, note_search
from tests.support import CATALOGUE, fake_settings


def test_review_json_is_the_cli_list(client: Any) -> None:
    got = client.get("/review?today=2026-11-29", headers={"Accept": "application/json"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/json")
    expected = needs_attention(
        items_from_catalogue(load_catalogue(CATALOGUE)), dt.date(2026, 11, 29)
    )
    assert got.json() == expected
    assert client.get("/review?format=json").status_code == 200
    assert client.get("/review", headers={"Accept": "text/csv"}).status_code == 406
    assert client.get("/review?today=soon").status_code == 422


def test_review_page_lists_reasons_misses_and_gaps(client: Any) -> None:
    misses = client.app.state.runtime.misses
    for _ in range(MIN_SHOWN):
        misses.note(["safer-sleep"], ["wigan"])
    for _ in range(MIN_SHOWN - 1):
        misses.note(["neglect"], [])
    page = client.get("/review?today=2026-11-29")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "Oldham" in text and "its period ended on 2023-12-31" in text
    assert "expected 2021-12" in text
    assert "Topic: Safer sleep" in text and "Place: Wigan" in text
    assert "Topic: Neglect" not in text  # under 5: hidden
    assert "Coverage gaps" in text
    # the same order as `cradle review`: a heading per reason, the most urgent first
    headings = [h for h in REASONS if f'id="reason-{h}"' in text]
    assert headings[:2] == ["expired", "no-way-to-obtain"]  # the Rochdale overdue entry has
    assert headings[-1] == "never-reviewed"  # no way to obtain either: listed there, once
    assert "<summary>Show the " in text  # never-reviewed entries folded away, no script needed


def test_misses_count_topics_and_places_never_text() -> None:
    class Understood:
        topics = {"safer-sleep": ["safe sleep"]}
        localities = {"wigan": ["wigan"]}

    class Reader:
        def understand(self, text: str) -> Understood:
            return Understood()

        def resolve(self, facet: str, value: str) -> str:
            return value.lower()

    class Searcher:
        reader = Reader()

    misses = Misses()
    for _ in range(MIN_SHOWN):
        note_search(
            misses,
            Searcher(),
            "safe sleep wigan private words",
            {"topic": "Neglect"},
            SearchResponse("q"),
        )
    note_search(misses, Searcher(), "found", {}, SearchResponse("q", close_matches=1))
    shown = misses.shown()
    assert shown["searches"] == MIN_SHOWN
    assert {t["id"] for t in shown["topics"]} == {"safer-sleep", "neglect"}
    assert shown["places"] == [{"id": "wigan", "count": MIN_SHOWN}]
    assert "private" not in repr(misses.__dict__)
    off = Misses(enabled=False)
    off.note(["safer-sleep"], [])
    assert off.shown()["searches"] is None and off.shown()["topics"] == []


def test_no_close_match_rule() -> None:
    assert found_nothing_close(SearchResponse("q"))
    assert not found_nothing_close(SearchResponse("q", close_matches=1))


def test_setting_turns_counting_off(data_dir: Path) -> None:
    with TestClient(create_app(fake_settings(data_dir, record_misses=False))) as c:
        assert not c.app.state.runtime.misses.enabled
        assert "is off" in c.get("/review").text


def test_builds_record_changes_shown_as_page_and_feed(tmp_path: Path) -> None:
    data = tmp_path / "build"
    run_build(fake_settings(data), with_index=False)
    first = read_changes(DataDir(data).open())["builds"]
    assert len(first) == 1 and len(first[0]["added"]) == 39  # the first build: all new
    assert first[0]["first"] is True
    cat = load_catalogue(CATALOGUE)
    cat_summary = cat.resources[0].summary
    edited = cat.resources[0].model_copy(update={"summary": "Reworded."})
    gone = cat.resources.pop(1)
    cat.resources[0] = edited
    # staff's bookkeeping only: in the JSON, not on the page or in the feed
    reviewed = cat.resources[2] = cat.resources[2].model_copy(
        update={"reviewed": dt.date(2026, 12, 1)}
    )
    changed = tmp_path / "catalogue.yaml"
    changed.write_text(dump_catalogue(cat), encoding="utf-8")
    run_build(fake_settings(data, catalogue=changed), with_index=False)
    builds = read_changes(DataDir(data).open())["builds"]
    assert len(builds) == 2
    assert builds[0]["removed"] == [gone.id] and builds[0]["added"] == []
    assert builds[0]["removed_titles"] == {gone.id: gone.title}  # the catalogue has it no more
    assert builds[0]["changed"][edited.id] == {"summary": {"old": cat_summary, "new": "Reworded."}}
    assert list(builds[0]["changed"][reviewed.id]) == ["reviewed"]
    assert "first" not in builds[0]
    run_build(fake_settings(data, catalogue=changed), with_index=False)
    assert (
        len(read_changes(DataDir(data).open())["builds"]) == 2
    )  # nothing changed: nothing recorded
    with TestClient(create_app(fake_settings(data, catalogue=changed))) as c:
        page = c.get("/changes")
        assert page.status_code == 200 and "Reworded." in page.text  # old -> new, word diff
        assert '<del><span class="visually-hidden">removed: </span>' in page.text
        assert edited.title in page.text and gone.id in page.text
        assert escape(gone.title) in page.text  # staff see what went, not only its id
        assert "<strong>Summary</strong>" in page.text
        assert escape(reviewed.title) not in page.text and "Reviewed" not in page.text
        assert "first build here, with 39 entries" in page.text and "Added (39)" not in page.text
        assert c.get("/changes", headers={"Accept": "application/json"}).json() == builds
        feed = c.get("/changes", headers={"Accept": "application/atom+xml"})
        assert feed.headers["content-type"].startswith("application/atom+xml")
        root = ET.fromstring(feed.content)
        ns = {"a": "http://www.w3.org/2005/Atom"}
        assert len(root.findall("a:entry", ns)) == 2
        summary = root.findall("a:entry/a:summary", ns)[0].text or ""
        assert f"Changed: {edited.title}" in summary and "{+Reworded.+}" in summary
        assert f"Removed: {gone.title}" in summary
        assert reviewed.title not in summary
        first_title = root.findall("a:entry/a:title", ns)[1].text or ""
        assert first_title == "The catalogue's first build here, with 39 entries"
        assert "Added:" not in (root.findall("a:entry/a:summary", ns)[1].text or "")
        assert c.get("/changes.atom").content == feed.content
        # a page bookmarked before the entry was removed says so, and when
        html = c.get(f"/resource/{gone.id}", headers={"Accept": "text/html"})
        assert html.status_code == 410 and "No longer in the catalogue" in html.text
        assert f"{escape(gone.title)}\u2019 was removed from the catalogue on" in html.text
        assert 'href="/changes"' in html.text
        assert c.get(f"/resource/{gone.id}").json()["detail"].startswith(f"\u2018{gone.title}")
        assert c.get("/resource/never-there").status_code == 404


def test_review_page_reads_the_link_check_the_build_copied(tmp_path: Path) -> None:
    cat = load_catalogue(CATALOGUE)
    url = "https://www.lullabytrust.org.uk/gone"
    cat.resources[0] = cat.resources[0].model_copy(update={"url": url})
    path = tmp_path / "catalogue.yaml"
    path.write_text(dump_catalogue(cat), encoding="utf-8")
    links = links_beside(path)
    links.write_text(
        json.dumps(
            {
                "results": [
                    {
                        "id": cat.resources[0].id,
                        "url": url,
                        "status": 404,
                        "ok": False,
                        "final_url": url,
                        "checked": "2026-11-29T10:00:00+00:00",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    data = tmp_path / "build"
    run_build(fake_settings(data, catalogue=path), with_index=False)
    assert DataDir(data).open().links_file.is_file()
    with TestClient(create_app(fake_settings(data, catalogue=path))) as c:
        body = c.get("/review?format=json").json()
        first = next(f for f in body if f["id"] == cat.resources[0].id)
        assert first["reasons"][0] == "broken-link"
        assert first["details"]["broken-link"]["status"] == 404
        assert "link not working (404)" in c.get("/review").text
