"""The typed hit (issue 22): JSON field names exactly those saved before the hit was typed,
one serialiser, and no hit read as a dict anywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from cradle.index.hit import Hit, SearchResponse, plain
from tests.support import ROOT

FIELDS = json.loads((Path(__file__).parent / "search_fields.json").read_text(encoding="utf-8"))


def test_search_json_keeps_the_saved_field_names_in_order(client: TestClient) -> None:
    body = client.get("/search", params={"q": "safe sleep video", "k": 5}).json()
    assert list(body) == FIELDS["response"]
    assert list(body["understood"]) == FIELDS["understood"]
    assert all(list(t) == FIELDS["label"] for t in body["understood"]["topic"])
    for hit in body["results"]:
        assert list(hit) == FIELDS["hit"]
        assert list(hit["why"]) == FIELDS["why"]
        assert list(hit["how_to_get"]) == FIELDS["how_to_get"]
        assert hit["how_to_get"]["kind"] in ("open", "call", "email", "request", "none")
        assert hit["for"] in ("families", "practitioners", "partnerships", "intervention")
        assert hit["tier"] in (1, 2, 3)


def test_cli_json_is_the_one_serialiser(client: TestClient) -> None:
    searcher = client.app.state.runtime.searcher  # type: ignore[attr-defined]
    response = searcher.search("crying baby", k=3)
    assert isinstance(response, SearchResponse)
    assert all(isinstance(h, Hit) for h in response.results)
    out = response.to_dict()
    assert list(out) == FIELDS["response"][:-1]  # the service adds facets
    assert out == json.loads(json.dumps(out))  # plain JSON values: lists, not tuples
    related = searcher.related(response.results[0].uri, 2)
    assert all(list(plain(c)) == FIELDS["related"] for c in related)


def test_no_hit_is_read_by_string_key() -> None:
    """The hit's readers use attributes: no ``hit["..."]`` / ``h.get("...")`` left."""
    readers = [
        "index/commands.py",
        "service/search.py",
        "service/ui.py",
        "cradle/tables.py",
        "service/misses.py",
        "service/pages.py",
        "index/evaluate.py",
    ]
    pattern = re.compile(r"\b(?:hit|h)(?:\[\"|\.get\(\")")
    for path in readers:
        text = (ROOT / path).read_text(encoding="utf-8")
        assert not pattern.search(text), path
