"""How the catalogue's problems are worded.

Every problem is one line, ``FILE:LINE: <where>: <field>: <what is wrong>``, sorted by line.
A value is cut short (:func:`cut`) before it is formatted or compared, so a huge value costs no
more than a short one; an unknown value or field comes with the closest valid ones.
"""

from __future__ import annotations

import datetime as dt
import re
import reprlib
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import ErrorDetails
from rapidfuzz import fuzz, process, utils

from cradle.graph.build.cleantext import MAX_ID_CHARS

#: Field names people write for the catalogue's own (when fuzzy matching alone would not say).
_ALIASES_OF = {
    "reviewed": ("last_reviewed", "review_date", "reviewed_on"),
    "url": ("link", "website", "web_address", "address"),
    "summary": ("description",),
    "title": ("name",),
    "locality": ("place", "area"),
    "publisher": ("source",),
    "topics": ("topic",),
    "audience": ("audiences",),
    "kind": ("type",),
}
FIELD_ALIASES = {alias: name for name, aliases in _ALIASES_OF.items() for alias in aliases}
#: Where the valid values of each reference field are listed, for a value with no close match.
VALUE_LISTS = {
    "topics": "the topics `cradle topics` lists",
    "locality": "the places /locality/scheme lists; a place not there is added under "
    "`localities:` (docs/catalogue.md, 'A place that is not in the list')",
    "adopted_in": "the places /locality/scheme lists; a place not there is added under "
    "`localities:` (docs/catalogue.md, 'A place that is not in the list')",
    "format": "the formats in ontology/values.ttl",
    "kind": "the kinds in ontology/values.ttl",
    "status": "available, awaiting-information, in-development",
    "audience": "parents, practitioners",
}
#: Characters of a value shown in a message, and compared with the valid values.
SHOWN = 60
COMPARED = 200

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = SHOWN
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 4
_SHORT.maxlevel = 2


def cut(value: Any) -> str:
    """``repr(value)`` cut short: at most about :data:`SHOWN` characters of any one part, a few
    items of a list or mapping and two levels deep, never formatting the whole value first."""
    return _SHORT.repr(value)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass
class Report:
    """Problems found, each with the line it belongs to (sorted by line when reported), and
    notes: what was read other than as written (a synonym read as its preferred label), which
    ``strict`` makes problems."""

    source: str
    found: list[tuple[int, int, str]] = field(default_factory=list)
    strict: bool = False
    notes: list[tuple[int, int, str]] = field(default_factory=list)

    def _line(self, line: int, where: str, fld: str, what: str) -> str:
        where, fld = _short(where, MAX_ID_CHARS + 20), _short(fld, SHOWN)
        if fld:
            return f"{self.source}:{line}: {where}: {fld}: {what}"
        return f"{self.source}:{line}: {where}: {what}"

    def add(self, line: int, where: str, fld: str, what: str) -> None:
        """Note one problem at ``line`` of ``where`` (an entry, ``(file)``, ...) in ``fld``."""
        self.found.append((line, len(self.found), self._line(line, where, fld, what)))

    def note(self, line: int, where: str, fld: str, what: str) -> None:
        """Note something read other than as written; a problem when the report is strict."""
        if self.strict:
            self.add(line, where, fld, what)
        else:
            self.notes.append(
                (line, len(self.notes), self._line(line, f"note: {where}", fld, what))
            )

    def lines(self) -> list[str]:
        """Every problem's line, in the order of the file."""
        return [text for _, _, text in sorted(self.found)]

    def note_lines(self) -> list[str]:
        """Every note's line, in the order of the file."""
        return [text for _, _, text in sorted(self.notes)]


def read_as(written: str, label: str, ident: str) -> str:
    """The note for a synonym read as a preferred label: ``alcohol: read as Parental substance
    misuse``, and how to write it so that no note is needed."""
    return f"{cut(written)[1:-1]}: read as {label} (a synonym; write {ident} to say so)"


def suggest(value: str, choices: dict[str, str] | list[str], limit: int = 3) -> list[str]:
    """The valid values closest to ``value`` (ids, best first); empty when none is close.

    Args:
        value: what was written (only its first :data:`COMPARED` characters are compared).
        choices: valid ids, or a mapping of spellings (ids, labels) to the ids they name.
        limit: at most this many.
    """
    table = choices if isinstance(choices, dict) else {c: c for c in choices}
    found = process.extract(
        value[:COMPARED].lower(), list(table), scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=75
    )
    return list(dict.fromkeys(table[match] for match, _, _ in found))[:limit]


#: "Did you mean" for a topic: rapidfuzz's QRatio after its default processing (lower case,
#: hyphens and punctuation as spaces), from this score up. Chosen on typed topic values, typos
#: and values that are no topic (bench/topic_typos.json, bench/suggest_threshold.py; the numbers
#: in bench/RESULTS.md): WRatio, used for other values, rates a shared word ("sleep") as close.
TOPIC_CUTOFF = 81


def suggest_topic(value: str, spellings: dict[str, str], limit: int = 3) -> list[str]:
    """The topics ``value`` is a typo of (ids, best first); empty when none is that close.

    Args:
        value: what was written (only its first :data:`COMPARED` characters are compared).
        spellings: every accepted spelling (id, preferred and alternative labels, lower case)
            and the topic id it names.
        limit: at most this many.
    """
    found = process.extract(
        value[:COMPARED].lower(),
        list(spellings),
        scorer=fuzz.QRatio,
        processor=utils.default_process,
        limit=limit * 3,
        score_cutoff=TOPIC_CUTOFF,
    )
    return list(dict.fromkeys(spellings[match] for match, _, _ in found))[:limit]


def nearest_topics(value: str, spellings: dict[str, str], labels: dict[str, str]) -> str:
    """For a topic value that is no typo: the three nearest topics by name, and where to see
    them all: ``; no close match; the nearest topics are A, B and C (see `cradle topics`)``."""
    found = process.extract(value[:COMPARED].lower(), list(spellings), scorer=fuzz.WRatio, limit=12)
    ids = list(dict.fromkeys(spellings[match] for match, _, _ in found))[:3]
    names = [labels.get(i, i) for i in ids]
    if not names:
        return "; no close match (see `cradle topics`)"
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"; no close match; the nearest topics are {listed} (see `cradle topics`)"


def did_you_mean(options: list[str]) -> str:
    """``; did you mean a, b or c?`` (empty when there are no options)."""
    if not options:
        return ""
    if len(options) == 1:
        return f"; did you mean {options[0]}?"
    return f"; did you mean {', '.join(options[:-1])} or {options[-1]}?"


def no_close_match(fld: str) -> str:
    """Where to find the valid values of ``fld`` (empty for a field without a list)."""
    return f"; no close match: see {VALUE_LISTS[fld]}" if fld in VALUE_LISTS else ""


#: Pydantic error types and their plain words; ``{given}`` is the value cut short, ``{text}``
#: its text cut short and quoted, ``{kind}`` its type.
_PLAIN = {
    "missing": "missing (this field is required)",
    "string_too_short": "must not be empty",
    "int_parsing": "{given} is not a whole number",
    "int_type": "{given} is not a whole number",
    "int_from_float": "{given} is not a whole number",
    "list_type": "expected a list (one '- item' per line), got {text}",
    "bool_parsing": "{given} is not true or false",
}


_DATE_SHAPED = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def friendly(err: ErrorDetails) -> str:
    """A pydantic error in plain words."""
    kind, given = err["type"], err.get("input")
    if kind.startswith("date"):
        if isinstance(given, str) and _DATE_SHAPED.fullmatch(given.strip()):
            return (
                f"{cut(given)} is not a real date: write YYYY-MM-DD with a month from 01 to 12 "
                "and a day that exists in that month (e.g. 2026-11-30)"
            )
        return f"{cut(given)} is not a date; write it as YYYY-MM-DD, for example 2026-03-31"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{cut(given)} is out of range: {err['msg'].lower()}"
    if kind == "string_type":
        return _not_text(given)
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind in _PLAIN:
        text = given[:SHOWN] if isinstance(given, str) else cut(given)[:SHOWN]
        return _PLAIN[kind].format(given=cut(given), text=repr(text), kind=type(given).__name__)
    return str(err["msg"])


def _not_text(given: object) -> str:
    """Why a value YAML did not read as text, and what to write."""
    if given is None:
        return (
            "empty: write the text after the colon (text starting with '#' is read as a "
            'comment: put it in double quotes, "#1 like this")'
        )
    if isinstance(given, dt.date):
        return (
            f"{given.isoformat()} is a whole date, and this field takes text: for a month write "
            f"YYYY-MM ({given.isoformat()[:7]}), for other text put it in double quotes"
        )
    if isinstance(given, bool | int | float):
        return f"{cut(given)} was read as a number or yes/no: put it in double quotes as text"
    if isinstance(given, dict) and "id" in given:
        return (
            f"holds what looks like a new entry (id: {cut(given['id'])}) indented too far: start "
            "its '- id:' where the other entries' dashes are"
        )
    return "expected text, not a list or a block of fields: write the value on the same line"


#: Fields of an organisation written on an entry: a contact belongs to who publishes it.
_CONTACT_FIELDS = frozenset({"email", "phone", "website", "address", "how_to_request"})


def unknown_field(name: str, fields: list[str]) -> str:
    """An unknown field's problem: the field meant, when one is close."""
    if str(name).lower() in _CONTACT_FIELDS and "publisher" in fields:
        return (
            f"unknown field {cut(name)}: contact details belong to the publisher, under "
            "`organisations:` at the top of the file (docs/catalogue.md, 'Organisations: how to "
            "reach them'); for the resource itself, give its `url`"
        )
    guess = FIELD_ALIASES.get(str(name).lower())
    options = [guess] if guess in fields else suggest(str(name), fields, limit=2)
    hint = did_you_mean(options) or "; the fields are described in docs/catalogue.md"
    return f"unknown field {cut(name)}{hint}"
