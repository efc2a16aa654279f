"""CSV cells a spreadsheet will not run: the one helper every CSV the project writes uses.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by spreadsheet programs (OWASP "CSV injection"), so such a cell gets a leading
apostrophe, which spreadsheets show as text and do not display. A plain number (``-5``,
``+3.2``) is left as it is: it cannot run anything, and data stays data.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: object) -> str:
    """``value`` as text that a spreadsheet shows and never evaluates."""
    text = "" if value is None else str(value)
    if text.startswith(TRIGGERS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_rows(rows: Iterable[Iterable[object]]) -> list[list[str]]:
    """Every cell of ``rows`` through :func:`safe_cell`."""
    return [[safe_cell(value) for value in row] for row in rows]


def neutralise_csv(data: bytes) -> bytes:
    """A UTF-8 CSV document (CRLF line ends, as SPARQL CSV results are written) with every
    cell through :func:`safe_cell`; the same bytes when no cell needs it."""
    text = data.decode("utf-8")
    if not any(ch in text for ch in TRIGGERS):
        return data
    # a cell may be as long as the whole answer (the csv module refuses fields over 128 KiB by
    # default, process-wide; the answer is already bounded by the engine's limits)
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(safe_rows(rows))
    return out.getvalue().encode("utf-8")
