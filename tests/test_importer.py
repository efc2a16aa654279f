"""The importer reads the document's text-export layout faithfully."""

from __future__ import annotations

from pathlib import Path

from cradle.graph.build.catalogue import load_catalogue
from cradle.graph.sources.document import import_file, import_text, redact

from .conftest import CATALOGUE

TINY = (
    "Title line\n\n\tGood practice\n\tSource\n\tSummary\n\tFormat\n\tLink\n\n"
    "\tBolton \n\t\n\t\n\t\n\t\n\n"
    "\tSleep leaflet\n\tBolton Council\n\tWhere baby sleeps.\nSecond line.\n\n\tWeb link\n"
    "\tLeaflet (bolton.gov.uk)\n\n"
    "\tHalf a row\n\tNobody\n"
)


def test_shared_document_matches_curated_titles_localities_formats(
    source_document: Path,
) -> None:
    imported = import_file(source_document)
    curated = load_catalogue(CATALOGUE)
    assert imported.problems == []

    def key(entries):  # noqa: ANN001, ANN202
        return [(e.title, e.locality, e.format) for e in entries]

    assert len(imported.catalogue.resources) == 39
    assert key(imported.catalogue.resources) == key(curated.resources)


def test_imported_topics_are_marked_suggested(source_document: Path) -> None:
    entries = import_file(source_document).catalogue.resources
    assert all(e.topics_suggested for e in entries)
    icon = next(e for e in entries if e.title.startswith("ICON"))
    assert "infant-crying" in icon.topics
    assert icon.adopted_in == sorted(icon.adopted_in) and len(icon.adopted_in) == 8


def test_personal_contacts_leave_the_public_text(source_document: Path) -> None:
    imported = import_file(source_document)
    people = {c["contact"] for c in imported.contacts}
    assert len(people) == 3 and any("@" in p for p in people)
    dumped = imported.catalogue.model_dump_json()
    for who in people:
        assert who not in dumped


def test_status_and_expected_date(source_document: Path) -> None:
    entries = {e.title: e for e in import_file(source_document).catalogue.resources}
    crying = entries["Coping with infant crying Rochdale multi-agency guidance"]
    assert (crying.status, crying.expected) == ("in-development", "2021-12")
    assert entries["Domestic Abuse Risk Assessment Tool"].status == "awaiting-information"
    assert entries["Lullaby Trust Guidance"].status == "available"


def test_tiny_layout_sections_continuations_and_bad_rows() -> None:
    result = import_text(TINY, "tiny.txt")
    (entry,) = result.catalogue.resources
    assert entry.locality == "bolton"
    assert entry.summary == "Where baby sleeps.\nSecond line."
    assert (entry.format, entry.link_domain) == ("web-page", "bolton.gov.uk")
    assert entry.publisher == "bolton-council"
    assert result.problems == ["line 23: row has 2 of 5 cells: 'Half a row'"]


def test_redact_removes_names_and_addresses() -> None:
    text, found = redact("Awaiting info from Jo Bloggs")
    assert (text, found) == ("Awaiting info", ["Jo Bloggs"])
    text, found = redact("Due in May – check with jo.bloggs@example.org")
    assert text == "Due in May" and found == ["jo.bloggs@example.org"]
