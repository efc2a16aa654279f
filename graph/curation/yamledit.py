"""Write a field of an entry into the catalogue YAML in place (``cradle review --mark``,
``cradle linkcheck --record``), changing only that field's line.

ruamel.yaml's round-trip loader says where each entry and each of its keys is (line and
column). Its dumper would also keep comments and order, but it re-wraps long text at its own
width, so the whole file would change; the edit is therefore made on the lines themselves: the
field's line is replaced (a comment after the value is kept), or a line is added to the entry.
Every other byte of the file stays as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from cradle.core.errors import CatalogueError

#: Where an added field goes in its entry: after this field when the entry has it on one line
#: (``url_checked`` beside ``url``), else at the end of the entry.
AFTER = {"url_checked": "url", "review_every": "reviewed"}


@dataclass(frozen=True)
class Written:
    """One field written: the entry, the field, the value, and the 1-based line it is on."""

    entry: str
    field: str
    value: str
    line: int


def _entries(text: str, source: str) -> dict[str, CommentedMap]:
    """The catalogue's entries by id, as ruamel.yaml read them (with their positions)."""
    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise CatalogueError(
            [f"{source}: the file is not valid YAML ({exc.__class__.__name__}): run "
             "`cradle validate` and fix what it lists first"]
        ) from None  # fmt: skip
    resources = data.get("resources") if isinstance(data, CommentedMap) else None
    if not isinstance(resources, list):
        raise CatalogueError([f"{source}: no `resources:` list: is this a catalogue file?"])
    return {str(e["id"]): e for e in resources if isinstance(e, CommentedMap) and "id" in e}


def _one_line(entry: CommentedMap, key: str, lines: list[str]) -> int | None:
    """The 0-based line of ``key`` in ``entry`` when its value is on that line alone (comment
    and blank lines may follow it)."""
    if key not in entry:
        return None
    line = entry.lc.key(key)[0]
    keys = list(entry)
    after = keys.index(key) + 1
    nxt = entry.lc.key(keys[after])[0] if after < len(keys) else None
    between = lines[line + 1 : nxt] if nxt is not None else []
    if any(text.strip() and not text.lstrip().startswith("#") for text in between):
        return None  # the value goes on over the lines up to the next key
    if isinstance(entry[key], list | dict) or line >= len(lines):
        return None
    return line


def _end_of(entry: CommentedMap, following: int | None, lines: list[str]) -> int:
    """The 0-based line after the entry's last line (before the next entry's comments)."""
    end = following if following is not None else len(lines)
    column = entry.lc.key(next(iter(entry)))[1]
    while end > entry.lc.line + 1:
        text = lines[end - 1]
        indent = len(text) - len(text.lstrip())
        if text.strip() and not (text.lstrip().startswith("#") and indent < column):
            break
        end -= 1
    return end


def _plan(
    entries: dict[str, CommentedMap], updates: dict[str, dict[str, str]], lines: list[str],
    source: str,
) -> list[tuple[int, bool, str, Written]]:  # fmt: skip
    """(0-based line, replace it?, new line text, what) for every field to write."""
    order = list(entries)
    edits = []
    for ident, fields in updates.items():
        entry = entries[ident]
        if entry.fa.flow_style():
            raise CatalogueError(
                [f"{source}:{entry.lc.line + 1}: entry {ident}: written on one line "
                 "({...}): write it as one `field: value` per line to edit it this way"]
            )  # fmt: skip
        column = entry.lc.key(next(iter(entry)))[1]
        n = order.index(ident)
        following = entries[order[n + 1]].lc.line if n + 1 < len(order) else None
        for fld, value in fields.items():
            line = _one_line(entry, fld, lines)
            if fld in entry and line is None:
                raise CatalogueError(
                    [f"{source}:{entry.lc.key(fld)[0] + 1}: entry {ident}: {fld}: its value "
                     "runs over several lines; write it on one line, or edit it by hand"]
                )  # fmt: skip
            if line is not None:
                old = lines[line]
                comment = m.group(1) if (m := re.search(r"(\s+#.*)$", old.rstrip("\n"))) else ""
                text = f"{old[: len(old) - len(old.lstrip())]}{fld}: {value}{comment}\n"
                edits.append((line, True, text, Written(ident, fld, value, line + 1)))
                continue
            anchor = _one_line(entry, AFTER.get(fld, ""), lines)
            at = anchor + 1 if anchor is not None else _end_of(entry, following, lines)
            text = " " * column + f"{fld}: {value}\n"
            edits.append((at, False, text, Written(ident, fld, value, at + 1)))
    return edits


def set_fields(path: Path, updates: dict[str, dict[str, Any]]) -> list[Written]:
    """Write ``updates`` (entry id -> field -> value) into the catalogue file at ``path``,
    changing only those fields' lines (the module says how).

    Returns:
        What was written, with the line each field is now on.

    Raises:
        CatalogueError: the file cannot be read as YAML, an entry is not in it (with the ids
            closest to it), or a field's value is not on one line.
    """
    from cradle.graph.build.catalogue import suggest

    text = path.read_text(encoding="utf-8")
    entries = _entries(text, str(path))
    missing = [i for i in updates if i not in entries]
    if missing:
        raise CatalogueError(
            [f"{path}: no entry with id {i!r}"
             + (f"; did you mean {' or '.join(s)}?" if (s := suggest(i, list(entries))) else "")
             for i in missing]
        )  # fmt: skip
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    plain = {i: {f: str(v) for f, v in fields.items()} for i, fields in updates.items()}
    edits = _plan(entries, plain, lines, str(path))
    # from the bottom up, so that each edit's line number still holds; in order at one line
    for n in sorted(range(len(edits)), key=lambda k: (edits[k][0], k), reverse=True):
        at, replace, new, _ = edits[n]
        lines[at : at + 1 if replace else at] = [new]
    path.write_text("".join(lines), encoding="utf-8")
    return _renumbered(edits)


def _renumbered(edits: list[tuple[int, bool, str, Written]]) -> list[Written]:
    """The line each field is on once the lines added above it are counted."""
    out = []
    for n, (at, _, _, w) in enumerate(edits):
        shift = sum(1 for k, (a, rep, _, _) in enumerate(edits)
                    if not rep and (a < at or (a == at and k < n)))  # fmt: skip
        out.append(Written(w.entry, w.field, w.value, w.line + shift))
    return out
