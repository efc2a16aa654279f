"""``cradle review`` and ``cradle linkcheck``: what needs attention, and whether links open
(against a local HTTP server on loopback only)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cradle.cli import app
from cradle.graph.build.catalogue import load_catalogue
from cradle.graph.build.datafiles import links_beside
from cradle.graph.curation.review import (
    ReviewItem,
    add_months,
    items_from_catalogue,
    needs_attention,
    review,
)
from tests.support import CATALOGUE

TODAY = dt.date(2026, 11, 29)


def test_reasons_and_details() -> None:
    items = [
        ReviewItem("fresh", "Fresh", "available", reviewed=dt.date(2026, 6, 1)),
        ReviewItem("stale", "Stale", "available", reviewed=dt.date(2025, 11, 1)),
        ReviewItem("quick", "Quick", "available", reviewed=dt.date(2026, 6, 1), review_every=3),
        ReviewItem("late", "Late", "in-development", expected="2021-12",
                   reviewed=dt.date(2026, 6, 1)),
        ReviewItem("done", "Done", "available", expected="2021-12", reviewed=dt.date(2026, 6, 1)),
        ReviewItem("old", "Old", "available", period_end="2023", reviewed=dt.date(2026, 6, 1)),
        ReviewItem("wait", "Wait", "awaiting-information", reviewed=dt.date(2026, 6, 1),
                   status_since=dt.date(2025, 5, 29)),
        ReviewItem("never", "Never", "available"),
    ]  # fmt: skip
    found = {f["id"]: f for f in needs_attention(items, TODAY)}
    assert set(found) == {"stale", "quick", "late", "old", "wait", "never"}
    assert found["stale"]["details"]["review-due"]["due"] == "2026-11-01"
    assert found["quick"]["reasons"] == ["review-due"]
    assert found["late"]["reasons"] == ["overdue"]
    assert found["late"]["details"]["overdue"] == {"expected": "2021-12", "months_late": 58}
    assert found["old"]["details"]["expired"] == {"period_ended": "2023-12-31"}
    assert found["wait"]["details"]["awaiting-information"] == {"since": "2025-05-29", "months": 18}
    assert found["never"]["reasons"] == ["never-reviewed"]
    assert found["never"]["details"]["never-reviewed"] == {"review_every": 12}


def test_broken_link_only_for_the_current_url() -> None:
    item = ReviewItem("a", "A", "available", reviewed=TODAY, url="https://example.org/new")
    old = {"a": {"url": "https://example.org/old", "ok": False, "status": 404}}
    assert needs_attention([item], TODAY, old) == []
    now = {"a": {"url": "https://example.org/new", "ok": False, "status": 404}}
    assert needs_attention([item], TODAY, now)[0]["reasons"] == ["broken-link"]


def test_add_months_keeps_month_ends() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 11, 15), 12) == dt.date(2026, 11, 15)


def test_curated_catalogue_flags_the_stale_entries() -> None:
    found = {f["id"]: f for f in needs_attention(items_from_catalogue(load_catalogue(CATALOGUE)),
                                                 TODAY)}  # fmt: skip
    assert "expired" in found["oldham-neglect-strategy"]["reasons"]
    assert "overdue" in found["rochdale-coping-with-infant-crying-guidance"]["reasons"]


def test_one_review_from_the_catalogue_or_the_built_read_model(
    graph_dir: Path, tmp_path: Path
) -> None:
    """``cradle review`` (the catalogue) and ``/review`` (a version's read model) agree."""
    from cradle.graph.read.readmodel import load_read_model

    links = tmp_path / "links.json"
    links.write_text(json.dumps({"results": [
        {"id": "oldham-neglect-strategy", "url": "x", "ok": False}]}))  # fmt: skip
    cat = load_catalogue(CATALOGUE)
    from_catalogue = review(cat, links, TODAY)
    assert from_catalogue == review(load_read_model(graph_dir), links, TODAY)
    assert from_catalogue == needs_attention(items_from_catalogue(cat), TODAY)
    assert review(cat, None, TODAY) == from_catalogue


def test_review_command_json_contract() -> None:
    result = CliRunner().invoke(
        app, ["review", "--catalogue", str(CATALOGUE), "--today", "2026-11-29", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert all(set(f) == {"id", "title", "reasons", "details"} for f in body)
    bad = CliRunner().invoke(app, ["review", "--today", "29/11/2026"])
    assert bad.exit_code == 2


class Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str]] = []

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _answer(self) -> None:
        Handler.seen.append((self.command, self.path, self.headers.get("User-Agent", "")))
        if self.path == "/ok":
            self.send_response(200)
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif self.path == "/no-head" and self.command == "HEAD":
            self.send_response(405)
        elif self.path == "/no-head":
            self.send_response(200)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = _answer
    do_GET = _answer


@pytest.fixture()
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CRADLE_LINKCHECK_ALLOW_PRIVATE", "1")  # the server is on loopback
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _catalogue(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "catalogue.yaml"
    text = CATALOGUE.read_text(encoding="utf-8")
    urls = {"lullaby-trust-safer-sleep": "/ok", "icon-babies-cry-you-can-cope": "/moved",
            "family-nurse-partnership": "/no-head", "rospa-home-safety": "/gone"}  # fmt: skip
    head, _, body = text.partition("\nresources:\n")
    for ident, where in urls.items():
        body = body.replace(f"- id: {ident}\n", f"- id: {ident}\n  url: {base}{where}\n", 1)
    path.write_text(f"{head}\nresources:\n{body}", encoding="utf-8")
    return path


def test_linkcheck_records_what_review_reads(tmp_path: Path, server: str) -> None:
    path = _catalogue(tmp_path, server)
    result = CliRunner().invoke(
        app, ["linkcheck", "--catalogue", str(path), "-f", "json", "--timeout", "5",
              "--concurrency", "2"],
    )  # fmt: skip
    assert result.exit_code == 1  # one link is broken
    got = {r["id"]: r for r in json.loads(result.output)}
    assert {k for k in got["lullaby-trust-safer-sleep"]} >= {"id", "url", "status", "ok",
                                                            "final_url"}  # fmt: skip
    assert got["lullaby-trust-safer-sleep"]["ok"] is True
    moved = got["icon-babies-cry-you-can-cope"]
    assert moved["ok"] and moved["final_url"] == f"{server}/ok" and moved["redirects"]
    no_head = got["family-nurse-partnership"]
    assert no_head["ok"] and no_head["method"] == "GET"
    assert got["rospa-home-safety"]["status"] == 404 and not got["rospa-home-safety"]["ok"]
    assert all(ua.startswith("Cradle-linkcheck/") for _, _, ua in Handler.seen)
    assert links_beside(path).is_file()
    review = CliRunner().invoke(app, ["review", "--catalogue", str(path), "-f", "json"])
    broken = [f["id"] for f in json.loads(review.output) if "broken-link" in f["reasons"]]
    assert broken == ["rospa-home-safety"]
