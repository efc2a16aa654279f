"""``cradle import FILE.docx``: the Word table as partnerships keep it, written here from the
curated catalogue with python-docx and imported back."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from cradle.cli import app
from cradle.core.errors import CatalogueError
from cradle.graph.build.catalogue import Catalogue, load_catalogue
from cradle.graph.build.ontology import terms
from cradle.graph.commands import read_document
from tests.support import CATALOGUE

AS_WRITTEN = {
    "web-page": "Web link",
    "pdf": "Adobe document",
    "word": "Word document",
    "powerpoint": "Powerpoint Presentation",
    "youtube-video": "You tube video",
    "none": "",
}


def write_docx(cat: Catalogue, path: Path, merged_every_other: bool = True) -> None:
    """The table as a partnership keeps it: header, a section row per place, a row each."""
    vocab = terms()
    names = {o.id: o.name for o in cat.organisations}
    doc = Document()
    doc.add_paragraph("Safeguarding babies – good practice shared by localities")
    table = doc.add_table(rows=1, cols=5)
    for cell, text in zip(
        table.rows[0].cells, ["Good practice", "Source", "Summary", "Format", "Link"], strict=True
    ):
        cell.text = text
    place = None
    for n, e in enumerate(cat.resources):
        if e.locality != place:
            place = e.locality
            row = table.add_row()
            name = "National" if place == "england" else vocab.localities[place]
            if merged_every_other and n % 2:
                merged = row.cells[0].merge(row.cells[4])
                merged.text = name
            else:
                row.cells[0].text = name
        row = table.add_row()
        texts = [
            e.title,
            names.get(e.publisher or "", ""),
            e.summary,
            AS_WRITTEN[e.format],
            e.link_text or e.status_note or "",
        ]
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    doc.save(str(path))


def test_word_table_round_trip(tmp_path: Path) -> None:
    curated = load_catalogue(CATALOGUE)
    path = tmp_path / "good-practice.docx"
    write_docx(curated, path)
    result = read_document(path)
    assert result.problems == []
    got = result.catalogue.resources
    assert len(got) == 39
    assert [e.title for e in got] == [e.title for e in curated.resources]
    assert [e.locality for e in got] == [e.locality for e in curated.resources]
    assert [e.format for e in got] == [e.format for e in curated.resources]


def test_import_refuses_other_file_types(tmp_path: Path) -> None:
    pdf = tmp_path / "table.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(CatalogueError) as info:
        read_document(pdf)
    assert "cannot import .pdf" in str(info.value) and ".docx" in str(info.value)
    result = CliRunner().invoke(app, ["import", str(pdf)])
    assert result.exit_code == 1 and "cannot import .pdf" in result.output


def test_not_really_a_word_document(tmp_path: Path) -> None:
    fake = tmp_path / "table.docx"
    fake.write_text("hello", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        read_document(fake)
    assert "cannot read this Word document" in str(info.value)
