"""Reading catalogue YAML with line numbers, safely.

The loader is PyYAML's safe loader (libyaml's when installed: much faster) that also remembers
the line of each mapping and key, notes keys repeated within one mapping (which a plain loader
silently keeps only the last of) and refuses YAML aliases (``*name``): a catalogue has no use
for them, and a few lines of nested aliases expand to gigabytes (an "alias bomb"). An alias is
noticed the second time a node is built, at no extra cost on the way; only then is the file
scanned again for the alias's line. Every problem is one ``FILE:LINE`` line.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from typing import Any

import yaml

from cradle.core.errors import CatalogueError
from cradle.graph.build.catalogue.messages import SHOWN
from cradle.graph.build.cleantext import CURLY_QUOTES, MAX_ID_CHARS

_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: much faster
_KEY = re.compile(r"^\s*-?\s*([A-Za-z_]+):")
_ENTRY = re.compile(r"^\s*-\s+id:\s*['\"]?([^'\"#\s]+)")
_HINT = (
    "; if the text contains a colon followed by a space, a '#', or starts with a quote, "
    "'-', '[' or '{', put the whole value in double quotes "
    '(summary: "Text: like this"), or check the indentation of this line'
)


class _AliasUsed(Exception):
    """A node was reached a second time: the file uses a YAML alias."""


class _LineLoader(_BASE_LOADER):  # type: ignore[misc]
    """A safe YAML loader that remembers where each mapping and key (and each list item) is,
    notes repeated keys and refuses aliases."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.where: dict[int, tuple[int, dict[str, int]]] = {}
        self.repeats: list[tuple[int, str, int, int]] = []  # (mapping, key, line, first line)

    def construct_lined_map(self, node: yaml.MappingNode) -> Any:
        data: dict[Any, Any] = {}
        yield data
        self.flatten_mapping(node)
        keys: dict[str, int] = {}
        done = self.constructed_objects
        for key_node, value_node in node.value:
            if key_node in done or value_node in done:
                raise _AliasUsed
            key = self.construct_object(key_node, deep=False)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | float | bool | dt.date) and key is not None:
                key = str(key)
            if str(key) in keys:
                self.repeats.append((id(data), str(key), line, keys[str(key)]))
            else:
                keys[str(key)] = line
            data[key] = self.construct_object(value_node, deep=False)
        self.where[id(data)] = (node.start_mark.line + 1, keys)

    def construct_date(self, node: yaml.ScalarNode) -> Any:
        """A YAML date; one that does not exist (2026-13-01) stays text, so that its field's
        check says so beside every other problem of the file (``date()`` raises
        ``ValueError``, which would otherwise stop the whole file as a number too long)."""
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return str(node.value)

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> list[Any]:
        done, out = self.constructed_objects, []
        for child in node.value:
            if child in done:
                raise _AliasUsed
            out.append(self.construct_object(child, deep=deep))
        return out

    def construct_lined_seq(self, node: yaml.SequenceNode) -> Any:
        data: list[Any] = []
        yield data
        data.extend(self.construct_sequence(node))
        lines = {str(i): child.start_mark.line + 1 for i, child in enumerate(node.value)}
        self.where[id(data)] = (node.start_mark.line + 1, lines)


#: YAML types a catalogue has no use for, and what to write instead: ``!!omap``, ``!!pairs`` and
#: ``!!set`` build their items past the alias checks above, ``!!binary`` is not text.
_UNUSED_TAGS = {
    "omap": "write a plain list",
    "pairs": "write a plain list",
    "set": "write a plain list",
    "binary": "write the text itself",
}


def _unused_tag(loader: _LineLoader, node: yaml.Node) -> Any:
    name = node.tag.rsplit(":", 1)[-1]
    raise yaml.constructor.ConstructorError(
        None,
        None,
        f"!!{name} values are not used in a catalogue: {_UNUSED_TAGS[name]}",
        node.start_mark,
    )


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_lined_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_lined_seq)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_date)
for _tag in _UNUSED_TAGS:
    _LineLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _unused_tag)


@dataclass
class Loaded:
    """A catalogue file's data and where each mapping and key is in it."""

    data: Any
    where: dict[int, tuple[int, dict[str, int]]] = field(default_factory=dict)
    repeats: list[tuple[int, str, int, int]] = field(default_factory=list)

    def where_of(self, obj: Any) -> tuple[int, dict[str, int]]:
        """The line where mapping ``obj`` starts and the line of each of its keys; for a list,
        where it starts and the line of each item by position (``"0"``, ``"1"``, ...)."""
        return self.where.get(id(obj), (1, {}))


def read_yaml(text: str, source: str) -> Loaded:
    """The data of catalogue YAML ``text``, with the line of every mapping and key.

    Args:
        text: the YAML.
        source: the file name used in problem lines.

    Raises:
        CatalogueError: one line: the YAML is malformed, uses an alias, or holds a number too
            long to read.
    """
    loader = _LineLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise CatalogueError([_yaml_problem(exc, text, source)]) from None
    except _AliasUsed:
        raise CatalogueError([_alias_problem(text, source)]) from None
    except ValueError:  # int() refuses more digits than sys.get_int_max_str_digits()
        raise CatalogueError([_long_number_problem(text, source)]) from None
    finally:
        loader.dispose()
    return Loaded(data, loader.where, loader.repeats)


def _located(text: str, line: int, *, parent: bool = False) -> tuple[str, str]:
    """The entry (or ``(file)``) and the ``field: `` that 1-based ``line`` of ``text`` is in:
    the key on that line, or with ``parent`` the nearest less indented key above."""
    lines = text.splitlines()
    entry = _entry_around(lines, line)
    key = _KEY.match(lines[line - 1]) if line <= len(lines) else None
    if key is None and parent and line <= len(lines):
        key = _parent_key(lines, line)
    where = f"entry {entry[:MAX_ID_CHARS]}" if entry else "(file)"
    return where, (f"{key.group(1)[:SHOWN]}: " if key else "")


def _parent_key(lines: list[str], line: int) -> re.Match[str] | None:
    """The key of the nearest line above 1-based ``line`` that is indented less."""
    indent = len(lines[line - 1]) - len(lines[line - 1].lstrip())
    for above in reversed(lines[: line - 1]):
        if above.strip() and len(above) - len(above.lstrip()) < indent:
            return _KEY.match(above)
    return None


def _entry_around(lines: list[str], line: int) -> str | None:
    """The id of the entry that the 1-based ``line`` is in (the nearest ``- id:`` above)."""
    for text in reversed(lines[:line]):
        if m := _ENTRY.match(text):
            return m.group(1)
        if re.match(r"^\S", text):  # a top-level key: not inside an entry
            return None
    return None


def _yaml_problem(exc: yaml.YAMLError, text: str, source: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "the file is not valid YAML"
    started = getattr(exc, "context_mark", None)
    unclosed = "end of stream" in problem or "document separator" in problem
    if started is not None and unclosed and "quoted scalar" in str(getattr(exc, "context", "")):
        # the file ended (or a line broke) inside quotes: where they opened is what to fix
        line = started.line + 1
        where, fld = _located(text, line)
        return (
            f"{source}:{line}: {where}: {fld}a quote opened at column {started.column + 1} is "
            "never closed: end the value with the same quote mark, or remove the opening one"
        )
    if mark is None:
        return f"{source}:1: (file): malformed YAML: {problem}"
    line = mark.line + 1
    at = f"malformed YAML at column {mark.column + 1}: {problem}"
    found = _layout_hint(text, line)
    if found is not None:
        hint_line, hint = found
        where, fld = _located(text, hint_line)
        return f"{source}:{hint_line}: {where}: {fld}{hint} (the reader stopped at line {line})"
    where, fld = _located(text, line)
    return f"{source}:{line}: {where}: {fld}{at}{_HINT}"


#: Characters that look like a space but are not one to YAML (pasted from Word or a web page).
_ODD = "\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff"
_ODD_SPACE = re.compile(f"[{_ODD}]")
#: A line's indentation, its list dash, its key and the space after the key's colon.
_LAYOUT = re.compile(f"^([ \t{_ODD}]*)(-[ \t{_ODD}]+)?(?:([A-Za-z_]+):([ \t{_ODD}]*))?")


def _layout_hint(text: str, line: int) -> tuple[int, str] | None:
    """What on 1-based ``line`` (or, for a tab or a look-alike space in its indentation, the
    line before: the reader often notices only on the next line) stops the file being read,
    in plain words: a tab in the indentation, a character that looks like a space and is not
    one around the key, or curly quotes opening a value. None when neither line has one (the
    general message then applies)."""
    lines = text.splitlines()
    for at in (line, line - 1):
        if not 1 <= at <= len(lines):
            continue
        here = lines[at - 1]
        m = _LAYOUT.match(here)
        assert m is not None  # every part of the pattern is optional
        indent, dash, key = m.group(1), m.group(2) or "", m.group(3)
        if "\t" in indent + dash:
            return at, "starts with a tab: indent with spaces only, as the lines around it"
        if odd := _ODD_SPACE.search(here, 0, m.end()):  # in the indentation or after the key
            return at, (
                f"has a character that looks like a space but is not one (U+{ord(odd.group()):04X}"
                f", at column {odd.start() + 1}; pasted from Word or a web page): replace it with "
                "an ordinary space"
            )
        value = here[m.end() :]
        if at == line and key and CURLY_QUOTES.match(value):
            return at, (
                f"opens its value with a curly quote ({value[0]}), as Word and email write them: "
                'use straight quotes " around a value that holds a colon, or none'
            )
    return None


def _alias_problem(text: str, source: str) -> str:
    """The line naming the file's first alias and how many it has."""
    first, found = 0, 0
    for event in yaml.parse(text, Loader=_BASE_LOADER):
        if isinstance(event, yaml.AliasEvent):
            found += 1
            first = first or (event.start_mark.line + 1 if event.start_mark else 0)
    line = first or 1
    where, fld = _located(text, line, parent=True)
    more = f" (the first of {found})" if found > 1 else ""
    return (
        f"{source}:{line}: {where}: {fld}a YAML alias (*name){more}: aliases are not allowed in "
        "the catalogue; write the value out in full"
    )


def _long_number_problem(text: str, source: str) -> str:
    limit = sys.get_int_max_str_digits()
    found = re.search(rf"\d{{{limit},}}", text)
    line = text.count("\n", 0, found.start()) + 1 if found else 1
    where, fld = _located(text, line)
    return f"{source}:{line}: {where}: {fld}a number with more than {limit} digits: shorten it"
