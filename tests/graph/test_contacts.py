"""Organisations' contact routes (issue 24): checked with file and line, in the graph as a
schema.org ContactPoint, read back, used for the way to get a resource and by the review."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from cradle.graph.build.catalogue import load_catalogue
from cradle.graph.build.pipeline import build_graph
from cradle.graph.curation.review import review
from cradle.graph.read.readmodel import load_read_model
from cradle.graph.sources.merge import CURATED_FIELDS
from tests.support import CATALOGUE
from tests.support import catalogue_problems as problems_for

ENTRY = {
    "id": "tiny-leaflet",
    "title": "Tiny safer sleep leaflet",
    "publisher": "tiny-partnership",
    "summary": "Where baby should sleep.",
    "format": "pdf",
    "locality": "bolton",
    "topics": ["safer-sleep"],
    "audience": ["parents"],
}
ORG = {
    "id": "tiny-partnership",
    "name": "Tiny Partnership",
    "email": "unit@example.gov.uk",
    "phone": "0161 234 5678",
    "website": "https://example.gov.uk/",
    "address": "Town Hall, High Street, Tinytown, TT1 1AA",
    "how_to_request": "email the business unit",
}


def write(tmp_path: Path, org: dict, entries: list[dict] | None = None, **head: object) -> Path:
    doc = {
        "catalogue": {"id": "t", "title": "Test", "modified": "2026-01-01", **head},
        "organisations": [org],
        "resources": entries or [ENTRY],
    }
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("website", "ftp://example.org/", "must be a web address starting https://"),
        ("website", "javascript:alert(1)", "must be a web address"),
        ("email", "not an address", "must be an e-mail address"),
        ("phone", "12345", "must be a UK telephone number"),
        ("phone", "+1 212 555 0100", "must be a UK telephone number"),
    ],
)
def test_bad_contact_is_named_with_its_line(
    tmp_path: Path, field: str, value: str, words: str
) -> None:
    problems = problems_for(write(tmp_path, {**ORG, field: value}))
    assert any(f"organisation tiny-partnership: {field}" in p and words in p for p in problems), (
        problems
    )
    assert all(":" in p.split(" ", 1)[0] for p in problems)  # FILE:LINE: first


def test_good_contacts_load_and_reach_the_graph_and_the_way(tmp_path: Path) -> None:
    path = write(tmp_path, ORG, contact_email="feedback@example.gov.uk")
    cat = load_catalogue(path)
    assert cat.organisations[0].phone == "0161 234 5678"
    out = tmp_path / "data"
    build_graph(path, out)
    model = load_read_model(out)
    contact = model.contacts["tiny-partnership"]
    assert contact.email == "unit@example.gov.uk" and contact.website == "https://example.gov.uk/"
    assert contact.address_lines() == ["Town Hall", "High Street", "Tinytown", "TT1 1AA"]
    assert model.feedback_email == "feedback@example.gov.uk"
    from cradle.graph.read.obtain import for_of, way_of

    way = way_of(model, model.resources["tiny-leaflet"])
    assert way.kind == "request" and way.href == "mailto:unit@example.gov.uk"
    assert "email the business unit" in way.label
    assert for_of(model.resources["tiny-leaflet"]) == ("families", "To give to families")


def test_the_graph_uses_schema_org_contact_points(tmp_path: Path) -> None:
    out = tmp_path / "data"
    build_graph(write(tmp_path, ORG), out)
    store = ox.Store.read_only(str(next(out.rglob("store"))))
    ask = (
        "PREFIX schema: <https://schema.org/> ASK { <https://w3id.org/cradle/org/tiny-partnership> "
        'schema:contactPoint ?c . ?c a schema:ContactPoint ; schema:telephone "0161 234 5678" }'
    )
    assert bool(store.query(ask))


def test_review_lists_no_way_to_obtain_high(tmp_path: Path) -> None:
    bare = {"id": "tiny-partnership", "name": "Tiny Partnership"}
    found = review(load_catalogue(write(tmp_path, bare)), None, dt.date(2026, 11, 29))
    (item,) = found
    assert item["reasons"][0] == "no-way-to-obtain"
    assert item["details"]["no-way-to-obtain"] == {"publisher": "tiny-partnership"}
    assert review(load_catalogue(write(tmp_path, ORG)), None, dt.date(2026, 11, 29))[0][
        "reasons"
    ] == ["never-reviewed"]


def test_intended_for_is_checked_and_kept_by_merges(tmp_path: Path) -> None:
    problems = problems_for(write(tmp_path, ORG, [{**ENTRY, "intended_for": "everyone"}]))
    assert any("intended_for" in p and "families" in p for p in problems), problems
    assert {"intended_for", "referral_criteria"} <= set(CURATED_FIELDS)


def test_shipped_catalogue_has_only_the_contacts_the_document_gives() -> None:
    cat = load_catalogue(CATALOGUE)
    given = {o.id: (o.website, o.email, o.phone) for o in cat.organisations if o.has_contact()}
    assert given == {"manchester-safeguarding-children-team": (None, None, "0161 861 2258")}
