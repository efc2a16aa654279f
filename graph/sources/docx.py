"""Import the good-practice table straight from the Word document (``.docx``), as partnerships
keep it: a header row Good practice | Source | Summary | Format | Link, a section row per
locality (its name in one cell, or in cells merged across the row), then one row per resource,
formats as written ("Web link", "Adobe document", "You tube video" ...).

The cells are read in order and handed to the text importer's parser
(:func:`cradle.graph.sources.document.import_cells`), so both readers make the same catalogue.

A ``.docx`` is a zip of XML, so it is checked before python-docx builds it in memory: its size
on disk (the document limit of :mod:`cradle.graph.build.cleantext`), then the sizes its parts unpack
to (:data:`MAX_UNPACKED_BYTES`), then, streaming the main part without parsing it, the number
of XML elements it opens (:data:`MAX_ELEMENTS`) and the absence of a DTD (Word never writes
one; python-docx never expands entities). Paragraphs and table cells are counted again while
the table is read (:data:`MAX_PARAGRAPHS`, :data:`MAX_CELLS`). Whatever is wrong with a file,
the error is one line naming it.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import IO, NoReturn

from cradle.core.errors import CatalogueError
from cradle.graph.build.cleantext import MAX_DOCUMENT_BYTES
from cradle.graph.build.ontology import Terms
from cradle.graph.sources.document import Imported, import_cells

MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # all parts unpacked; Word's own files are far smaller
MAX_PARTS = 2000
MAX_ELEMENTS = 2_000_000  # XML elements of the main part: paragraphs, cells, runs, ...
MAX_PARAGRAPHS = 200_000
MAX_CELLS = 100_000
MAIN_PART = "word/document.xml"
BLOCK = 1 << 20
#: What is counted in the main part, by the bytes that open it, and its limit. Elements are
#: counted by their ``<`` less their closing ``</``: every tag, whatever its prefix.
COUNTED: dict[str, tuple[tuple[bytes, ...], int]] = {
    "paragraphs": ((b"<w:p>", b"<w:p ", b"<w:p/>"), MAX_PARAGRAPHS),
    "table cells": ((b"<w:tc>", b"<w:tc ", b"<w:tc/>"), MAX_CELLS),
}


def check_package(path: Path) -> None:
    """Refuse a ``.docx`` that is too large, packed or unpacked, or holds too many paragraphs
    or cells, or a DTD, reading its main part as a stream (see the module docstring).

    Raises:
        CatalogueError: one line naming the file and what is wrong.
    """
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            _refuse(
                path,
                f"{size} bytes; a document to import may be at most {MAX_DOCUMENT_BYTES} bytes",
            )
        with zipfile.ZipFile(path) as package:
            parts = package.infolist()
            unpacked = sum(info.file_size for info in parts)
            if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED_BYTES:
                found = f"{len(parts)} parts unpacking to {unpacked} bytes"
                _refuse(
                    path,
                    f"{found}; at most {MAX_PARTS} parts and {MAX_UNPACKED_BYTES} bytes are read",
                )
            with package.open(MAIN_PART) as stream:
                _count_elements(path, stream)
    except CatalogueError:
        raise
    except KeyError:
        _refuse(path, f"not a Word document (no {MAIN_PART}): save the table from Word as .docx")
    except Exception as exc:  # noqa: BLE001 - bad zip, bad CRC, bad XML: the file's fault
        _refuse(
            path,
            f"cannot read this Word document ({_reason(exc)}): open it in Word and "
            "save it again as .docx",
        )


def _count_elements(path: Path, stream: IO[bytes]) -> None:
    """Count the main part's elements (``<`` opening a tag), paragraphs and table cells (as
    Word writes them, ``<w:p>`` and ``<w:tc>``) in 1 MiB blocks, without parsing, and look for
    a DTD: constant memory, linear time."""
    found = dict.fromkeys(COUNTED, 0)
    elements, tail = 0, b""
    while block := stream.read(BLOCK):
        seen = tail + block  # a tag split between blocks is counted once, in the later one
        if b"<!DOCTYPE" in seen or b"<!ENTITY" in seen:
            _refuse(path, "the document declares a DTD, which Word never writes: not read")
        for what, (tags, limit) in COUNTED.items():
            found[what] += sum(seen.count(t) - tail.count(t) for t in tags)
            if found[what] > limit:
                _refuse(path, f"more than {limit} {what}: not read (is it the partnership table?)")
        elements += block.count(b"<") - block.count(b"</")
        if elements > MAX_ELEMENTS:
            _refuse(
                path,
                f"more than {MAX_ELEMENTS} XML elements: not read (is it the partnership table?)",
            )
        tail = seen[-16:]


def _refuse(path: Path, message: str) -> NoReturn:
    raise CatalogueError([f"{path}: (file): {message}"])


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0][:120] if lines else ""
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def _text(cell: object) -> str:
    paragraphs = [p.text.strip() for p in cell.paragraphs]  # type: ignore[attr-defined]
    return "\n".join(p for p in paragraphs if p)


def docx_cells(path: Path) -> tuple[str, list[tuple[int, str]]]:
    """The document's title (its first non-empty paragraph) and every table cell as
    (row number, text), a merged cell once (the parser passes over empty cells between rows, so
    a section row's empty cells need no special case).

    Raises:
        CatalogueError: the file is too large or not a readable Word document
            (:func:`check_package`).
        ValueError: the document has no table.
    """
    from docx import Document

    check_package(path)
    try:
        doc = Document(str(path))
    except Exception as exc:  # noqa: BLE001 - whatever python-docx meets is the file's fault
        _refuse(
            path,
            f"cannot read this Word document ({_reason(exc)}): open it in Word and "
            "save it again as .docx",
        )
    title = next((p.text.strip() for p in doc.paragraphs if p.text.strip()), path.stem)
    if not doc.tables:
        raise ValueError("the document has no table")
    cells: list[tuple[int, str]] = []
    row_number = 0
    for table in doc.tables:
        for row in table.rows:
            row_number += 1
            if len(cells) > MAX_CELLS:
                _refuse(
                    path,
                    f"more than {MAX_CELLS} table cells: not read (is it the partnership table?)",
                )
            seen: set[int] = set()
            texts = []
            for cell in row.cells:  # a merged cell appears once per grid column it spans
                if id(cell._tc) in seen:
                    continue
                seen.add(id(cell._tc))
                texts.append(_text(cell))
            cells.extend((row_number, t) for t in texts)
    return title, cells


def import_docx(path: Path, vocab: Terms | None = None) -> Imported:
    """Import the table of the Word document at ``path``.

    Raises:
        CatalogueError: the file is too large or not a readable Word document.
        ValueError: the document has no table.
    """
    title, cells = docx_cells(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return import_cells(cells, title, path.name, digest, vocab, unit="row")
