"""The review list as ``cradle review`` prints it: a table under a heading per reason that fits
the terminal (80 columns), and the CSV that keeps every entry.

The table lists each entry once, under its most urgent reason
(:func:`cradle.graph.curation.ranking.grouped`), with what to do per reason in one line. Ids
are never cut or wrapped (a reader copies them into ``cradle review --mark``); titles are cut
to fit, with an ellipsis. Entries that were never reviewed and need nothing else are summed up
as a count, with the command that lists them; JSON and CSV list every entry.
"""

from __future__ import annotations

import csv
import io
import shlex
import textwrap
from typing import Any

from rich.cells import cell_len, set_cell_size

from cradle.core.csvcells import safe_rows
from cradle.graph.curation.ranking import SUMMED_UP, Group, grouped
from cradle.graph.curation.review import describe

#: Columns of the table (a terminal's usual width).
WIDTH = 80
#: The narrowest a cut title is still worth showing.
MIN_TITLE = 10
_INDENT = "   "
_GAP = "  "


def what(item: dict[str, Any], first: str) -> str:
    """An entry's line under reason ``first``: that reason in plain words, then its others."""
    text = describe(first, item["details"][first])
    others = [describe(r, item["details"][r]) for r in item["reasons"] if r != first]
    return text + ("; also " + "; ".join(others) if others else "")


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns, ending with an ellipsis when cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)).rstrip() + "…"


def _rows(group: Group, width: int) -> list[str]:
    """The lines of one reason's entries: one per entry when id, title and what to do fit,
    else the id and title on one line and what to do wrapped below."""
    ids = max(cell_len(f["id"]) for f in group.entries)
    whats = [what(f, group.reason.code) for f in group.entries]
    longest_title = max(cell_len(f["title"]) for f in group.entries)
    room = width - len(_INDENT) - ids - 2 * len(_GAP) - max(cell_len(w) for w in whats)
    out = []
    if room >= MIN_TITLE:
        title_width = min(room, longest_title)
        for f, w in zip(group.entries, whats, strict=True):
            cells = [set_cell_size(f["id"], ids), set_cell_size(_fit(f["title"], title_width),
                     title_width), w]  # fmt: skip
            out.append((_INDENT + _GAP.join(cells)).rstrip())
        return out
    below = _INDENT + "   "
    for f, w in zip(group.entries, whats, strict=True):
        pad = ids if width - len(_INDENT) - ids - len(_GAP) >= MIN_TITLE else cell_len(f["id"])
        title_width = width - len(_INDENT) - pad - len(_GAP)
        title = _GAP + _fit(f["title"], title_width) if title_width >= MIN_TITLE else ""
        out.append((_INDENT + set_cell_size(f["id"], pad) + title).rstrip())
        out += textwrap.wrap(
            w, width, initial_indent=below, subsequent_indent=below,
            break_long_words=False, break_on_hyphens=False,
        )  # fmt: skip
    return out


def _command_lines(command: str, width: int) -> list[str]:
    """A command to copy, indented, continued with `` \\`` where it would pass ``width``
    (never inside a word: a path is kept whole)."""
    lines = [_INDENT]
    for word in shlex.split(command):
        quoted = shlex.quote(word)
        if lines[-1].strip() and len(lines[-1]) + 1 + len(quoted) + 2 > width:
            lines[-1] += " \\"
            lines.append(_INDENT + "  ")
        lines[-1] += (" " if lines[-1].strip() else "") + quoted
    return lines


def review_table(
    found: list[dict[str, Any]],
    total: int,
    heading: str,
    reasons: list[str] | None = None,
    command: str = "cradle review",
    width: int = WIDTH,
) -> str:
    """The review list as text, most urgent reason first, fitting ``width`` columns.

    Args:
        found: the ranked review list (:func:`cradle.graph.curation.review.review`).
        total: how many entries the catalogue has.
        heading: what was reviewed and when, for the first line.
        reasons: only these reasons (``--reason``); a reason asked for is never summed up.
        command: the command as typed (without ``--reason``), to say how to list the entries
            summed up.
        width: the terminal's columns.
    """
    reasons = reasons or []
    groups = grouped(found, reasons)
    listed = sum(len(g.entries) for g in groups)
    first = f"{heading}: {listed} of {total} entries need attention."
    if reasons:
        first += " Only: " + ", ".join(reasons) + "."
    lines = textwrap.wrap(first, width, break_long_words=False, break_on_hyphens=False)
    counted = [g for g in groups if g.reason.code in SUMMED_UP and g.reason.code not in reasons]
    for n, group in enumerate((g for g in groups if g not in counted), start=1):
        lines += ["", f"{n}. {group.reason.heading}: {len(group.entries)}"]
        lines += textwrap.wrap(
            f"To do: {group.reason.action}.", width, initial_indent=_INDENT,
            subsequent_indent=_INDENT + "   ", break_long_words=False,
        )  # fmt: skip
        lines += _rows(group, width)
    for group in counted:
        lines += [
            "",
            f"{group.reason.heading}, and nothing else: {len(group.entries)} entries. "
            "To list them:",
        ]
        lines += _command_lines(f"{command} --reason {group.reason.code}", width)
    lines += ["", "Record a review: cradle review --mark ID. Every entry: --format csv or json."]
    return "\n".join(lines) + "\n"


def review_csv(found: list[dict[str, Any]]) -> str:
    """Every entry of the review list as CSV (``id, title, reasons, details``), most urgent
    first; no cell a spreadsheet would run as a formula."""
    rows = [
        [
            f["id"],
            f["title"],
            " ".join(f["reasons"]),
            "; ".join(describe(r, f["details"][r]) for r in f["reasons"]),
        ]
        for f in found
    ]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["id", "title", "reasons", "details"])
    writer.writerows(safe_rows(rows))
    return buf.getvalue()
