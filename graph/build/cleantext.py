"""Clean text rules for everything that goes into the catalogue and the graph.

Control characters (NUL, BEL, ESC, DEL, the C1 range, ...) and the characters XML 1.0 cannot
hold (lone surrogate halves, U+FFFE, U+FFFF and the other Unicode noncharacters) make the Atom
feed, RDF/XML and SPARQL XML answers unparseable and have no place in good-practice text:
validation refuses them (tab and newline are allowed in long text only) and the importer strips
them. Files are read with size limits
checked before reading, a UTF-8 byte order mark is dropped, and text in another encoding is
refused with the encoding expected and how to convert it. Every problem is one line naming the
file, the entry and the field.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cradle.core.errors import CatalogueError, UnreadableFile

#: Fields whose text may run over several lines (tab and newline allowed).
LONG_FIELDS = frozenset({"summary", "description", "status_note"})
#: Fields of words, where curly quotes are text ("“The Myth of Invisible Men” ..."); in any
#: other field (an id, a place, a date, a web address) they are Word's or email's quote marks
#: pasted around the value.
WORD_FIELDS = LONG_FIELDS | {
    "title", "name", "address", "how_to_request", "link_text", "referral_criteria",
    "source_document",
}  # fmt: skip
CURLY_QUOTES = re.compile("[\u201c\u201d\u2018\u2019]")
#: Most characters in one long field, and in any other field.
MAX_LONG_CHARS = 20_000
MAX_SHORT_CHARS = 1_000
#: Longest id: the pages route ids of at most this many characters (service/pages.py ``ID``).
MAX_ID_CHARS = 200
#: Largest catalogue file and largest document to import, checked before reading.
MAX_CATALOGUE_BYTES = 200 * 1024 * 1024
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

#: Lone surrogate halves and the Unicode noncharacters (U+FDD0-U+FDEF and the last two code
#: points of every plane): XML 1.0 cannot hold the first nor U+FFFE/U+FFFF, and Unicode reserves
#: the rest for a program's internal use, never for text that is exchanged.
_NOT_TEXT = "\ud800-\udfff\ufdd0-\ufdef" + "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
)
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_NOT_TEXT}]")
_CONTROL_SHORT = re.compile(f"[\x00-\x1f\x7f-\x9f{_NOT_TEXT}]")
BOM = "\ufeff"
#: An e-mail address in free text (the importer takes them out of the document; the catalogue
#: refuses them in an entry's text). Every repeat is bounded, so a search is linear in the text.
EMAIL_IN_TEXT = re.compile(r"[\w.%+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")


def text_problem(value: str, field: str) -> str | None:
    """What is wrong with one field's text, or None.

    Args:
        value: the text.
        field: the field's name (long fields may hold tabs and newlines, and more text).
    """
    long = field in LONG_FIELDS
    limit = MAX_LONG_CHARS if long else MAX_SHORT_CHARS
    if len(value) > limit:
        return f"{len(value)} characters; at most {limit} are allowed: shorten it"
    found = (_CONTROL if long else _CONTROL_SHORT).search(value)
    if found is None:
        if field not in WORD_FIELDS and (curly := CURLY_QUOTES.search(value)):
            return (
                f"has curly quotes ({curly.group()} at character {curly.start() + 1}), as Word "
                "and email write them: remove them (a value needs no quotes, or straight "
                'ones " when it holds a colon)'
            )
        return None
    code, at = ord(found.group()), found.start() + 1
    if code > 0x9F:
        return f"contains U+{code:04X}, which is not a text character, at character {at}: remove it"
    where = "" if long else " (use a long field such as summary for several lines)"
    return f"contains the control character U+{code:04X} at character {at}: remove it{where}"


def strip_controls(text: str, *, long: bool = True) -> str:
    """``text`` without control characters and characters XML cannot carry (keeping tab and
    newline when ``long``)."""
    return (_CONTROL if long else _CONTROL_SHORT).sub("", text).removeprefix(BOM)


def catalogue_problems(catalogue: Any, source: str) -> list[str]:
    """Text problems in a parsed catalogue: control characters, over-long fields and ids.

    Returns:
        One line per problem: ``FILE: entry <id>: <field>: <what is wrong>``.
    """
    problems: list[str] = []
    groups: Iterable[tuple[str, list[Any]]] = (
        ("entry", catalogue.resources),
        ("organisation", catalogue.organisations),
        ("locality", catalogue.localities),
    )
    for what, items in groups:
        for item in items:
            ident = str(item.id)[:60]
            if len(item.id) > MAX_ID_CHARS:
                problems.append(
                    f"{source}: {what} {ident}...: id: {len(item.id)} characters; at most "
                    f"{MAX_ID_CHARS} (longer ids have no page)"
                )
            for field, value in _texts(item):
                problem = text_problem(value, field)
                if problem:
                    problems.append(f"{source}: {what} {ident}: {field}: {problem}")
    header = catalogue.catalogue
    for field, value in _texts(header):
        problem = text_problem(value, field)
        if problem:
            problems.append(f"{source}: catalogue: {field}: {problem}")
    return problems


def item_problems(item: dict[str, Any]) -> list[tuple[str, str]]:
    """Text problems of one raw catalogue item (a YAML mapping), as ``(field, problem)``:
    control characters, over-long fields and an id longer than pages route."""
    found: list[tuple[str, str]] = []
    ident = item.get("id")
    if isinstance(ident, str) and len(ident) > MAX_ID_CHARS:
        found.append(
            ("id", f"{len(ident)} characters; at most {MAX_ID_CHARS} (longer ids have no page)")
        )
    for field, value in _texts(item.items()):
        problem = text_problem(value, field)
        if problem:
            found.append((field, problem))
    return found


def _texts(item: Any) -> Iterable[tuple[str, str]]:
    for field, value in item:
        if isinstance(value, str):
            yield field, value
        elif isinstance(value, list):
            for part in value:
                if isinstance(part, str):
                    yield field, part


def read_text_file(path: Path, limit: int, what: str) -> str:
    """A UTF-8 text file's text, without a byte order mark, read only when within ``limit``.

    Raises:
        UnreadableFile: one line: the file cannot be read at all.
        CatalogueError: one line: the file is too large, empty of text, or in another
            encoding (naming UTF-8 and how to convert with ``iconv``).
    """
    try:
        size = path.stat().st_size
        if size > limit:
            raise CatalogueError(
                [f"{path}: (file): {size} bytes; a {what} may be at most {limit} bytes"]
            )
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile([f"{path}: (file): cannot read: {exc.strerror or exc}"]) from None
    return decode_utf8(data, str(path))


def decode_utf8(data: bytes, source: str) -> str:
    """Strict UTF-8 text of ``data`` (a leading byte order mark dropped).

    Raises:
        CatalogueError: the bytes are not UTF-8; the line names the likely encoding, the line
            of the file where the first byte that is not UTF-8 is, and the command to convert.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 1 and b"\x00" in data[:2]):
        return _refuse(source, "UTF-16", "UTF-16")
    try:
        return data.decode("utf-8").removeprefix(BOM)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if not data[: exc.start].isascii():
            # UTF-8 up to there, with its own special characters: one pasted line is not, and
            # converting the whole file would spoil the rest
            raise CatalogueError(
                [
                    f"{source}:{line}: (file): this line is not UTF-8 (byte "
                    f"0x{data[exc.start]:02X}), though the text before it is: retype its dashes "
                    "and quotes, or paste it again from a UTF-8 source"
                ]
            ) from None
        # Windows saves "ANSI" text as CP1252 (Latin-1 has no characters for its bytes
        # 0x80-0x9F: dashes and curly quotes), so CP1252 is named when it reads the bytes
        try:
            data.decode("cp1252")
            encoding, name = "CP1252", "Windows (CP1252)"
        except UnicodeDecodeError:
            encoding, name = "LATIN1", "Latin-1"
        found = f"not UTF-8 (byte 0x{data[exc.start]:02X} on line {line}; probably {name})"
        return _refuse(source, found, encoding)


def _refuse(source: str, found: str, encoding: str) -> str:
    path = Path(source)
    converted = path.with_name(f"{path.stem}-utf8{path.suffix}")
    raise CatalogueError(
        [
            f"{source}: (file): the text is {found}; UTF-8 is expected: convert it first, "
            f"e.g. iconv -f {encoding} -t UTF-8 {shlex.quote(source)} > "
            f"{shlex.quote(str(converted))}, then use {converted} "
            "(or save it from your editor as UTF-8)"
        ]
    )
