"""Import the good-practice table straight from the Word document (``.docx``), as partnerships
keep it: a header row Good practice | Source | Summary | Format | Link, a section row per
locality (its name in one cell, or in cells merged across the row), then one row per resource,
formats as written ("Web link", "Adobe document", "You tube video" ...).

The cells are read in order and handed to the text importer's parser
(:func:`cradle.graph.sources.document.import_cells`), so both readers make the same catalogue.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cradle.graph.build.ontology import Terms
from cradle.graph.sources.document import Imported, import_cells


def _text(cell: object) -> str:
    paragraphs = [p.text.strip() for p in cell.paragraphs]  # type: ignore[attr-defined]
    return "\n".join(p for p in paragraphs if p)


def docx_cells(path: Path) -> tuple[str, list[tuple[int, str]]]:
    """The document's title (its first non-empty paragraph) and every table cell as
    (row number, text), a merged cell once (the parser passes over empty cells between rows, so
    a section row's empty cells need no special case).

    Raises:
        ValueError: the file is not a Word document, or has no table.
    """
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = Document(str(path))
    except (PackageNotFoundError, KeyError) as exc:
        raise ValueError(f"not a Word document: {exc}") from None
    title = next((p.text.strip() for p in doc.paragraphs if p.text.strip()), path.stem)
    if not doc.tables:
        raise ValueError("the document has no table")
    cells: list[tuple[int, str]] = []
    row_number = 0
    for table in doc.tables:
        for row in table.rows:
            row_number += 1
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
        ValueError: the file is not a Word document, or has no table.
    """
    title, cells = docx_cells(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return import_cells(cells, title, path.name, digest, vocab, unit="row")
