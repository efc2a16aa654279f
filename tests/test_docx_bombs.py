"""Issue 21 item 5: a ``.docx`` that is too large, packed or unpacked, holds millions of
paragraphs, or is malformed (bad zip, bad CRC, bad XML, entities) fails in under 2 s with one
line naming the file."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from cradle.cli import app
from cradle.graph.sources import docx as docx_reader

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
BOUND_S = 2.0


def _base(tmp_path: Path) -> Path:
    path = tmp_path / "base.docx"
    doc = Document()
    doc.add_paragraph("Title")
    doc.add_table(rows=1, cols=2).rows[0].cells[0].text = "x"
    doc.save(str(path))
    return path


def _with_main(tmp_path: Path, name: str, main: bytes, stored: bool = False) -> Path:
    """The base document with its main part replaced by ``main``."""
    base, out = _base(tmp_path), tmp_path / name
    how = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", how) as dst:
        for info in src.infolist():
            data = main if info.filename == "word/document.xml" else src.read(info)
            dst.writestr(info.filename, data)
    return out


def _body(inner: str) -> bytes:
    head = f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>'
    return (head + inner + "</w:body></w:document>").encode()


def _bad_crc(tmp_path: Path) -> Path:
    path = _with_main(tmp_path, "crc.docx", _body("<w:p/>" * 50), stored=True)
    data = bytearray(path.read_bytes())
    at = data.index(b"<w:p/>")
    data[at + 1] = ord("x")  # the stored bytes no longer match their CRC
    path.write_bytes(bytes(data))
    return path


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + f']><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&j;</w:t></w:r></w:p></w:body>'
    "</w:document>"
).encode()


def _one_line_failure(path: Path, expected: str) -> None:
    started = time.monotonic()
    result = CliRunner().invoke(app, ["import", str(path)])
    took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(path) in lines[0] and expected in lines[0], result.output
    assert "Traceback" not in result.output
    assert took < BOUND_S, took


def test_millions_of_empty_paragraphs(tmp_path: Path) -> None:
    path = _with_main(tmp_path, "paragraphs.docx", _body("<w:p/>" * 4_000_000))
    assert path.stat().st_size < 200_000  # a small file, 24 MB unpacked
    _one_line_failure(path, "more than 200000 paragraphs")


def test_too_many_elements(tmp_path: Path) -> None:
    path = _with_main(tmp_path, "elements.docx", _body("<x:y/>" * 2_500_000))
    _one_line_failure(path, "more than 2000000 XML elements")


def test_too_many_cells(tmp_path: Path) -> None:
    row = "<w:tr>" + "<w:tc/>" * 1000 + "</w:tr>"
    path = _with_main(tmp_path, "cells.docx", _body("<w:tbl>" + row * 200 + "</w:tbl>"))
    _one_line_failure(path, "more than 100000 table cells")


def test_too_large_unpacked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docx_reader, "MAX_UNPACKED_BYTES", 1_000_000)
    path = _with_main(tmp_path, "unpacked.docx", _body(" " * 2_000_000))
    _one_line_failure(path, "bytes are read")


def test_too_large_on_disk_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.docx"
    with path.open("wb") as out:
        out.truncate(21 * 1024 * 1024)  # sparse: nothing to read but its size
    _one_line_failure(path, "may be at most")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("zip", "BadZipFile"), ("crc", "CRC"), ("xml", "XMLSyntaxError"), ("entities", "DTD")],
)
def test_malformed_documents_are_one_line(tmp_path: Path, name: str, expected: str) -> None:
    if name == "zip":
        path = tmp_path / "zip.docx"
        path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    elif name == "crc":
        path = _bad_crc(tmp_path)
    elif name == "xml":
        path = _with_main(tmp_path, "xml.docx", b"<w:document><w:body><w:p>")
    else:
        path = _with_main(tmp_path, "entities.docx", BILLION_LAUGHS)
    _one_line_failure(path, expected)
