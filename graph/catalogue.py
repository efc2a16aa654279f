"""The curated catalogue (``data/catalogue.yaml``): its model, loading and checks.

Every problem of every entry is found in one pass (structure and references together) and
reported as ``FILE:LINE: entry <id>: <field>: <what is wrong>``, with the closest valid values
when a value is unknown, so that a maintainer can fix them all at once. Display labels
("PDF", "Wigan", "Safer sleep") are accepted wherever an id is expected and become ids.
Nothing downstream runs on a catalogue with problems. The fields are described for staff in
``docs/catalogue.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from pydantic_core import ErrorDetails
from rapidfuzz import fuzz, process

from cradle.core.errors import CatalogueError
from cradle.core.settings import ONTOLOGY_DIR
from cradle.graph.build import cleantext
from cradle.graph.build.ontology import Terms, terms

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
YEAR_MONTH = re.compile(r"^\d{4}(-\d{2})?$")
PERIOD = re.compile(r"^\d{4}/\d{4}$")
#: Months between reviews when an entry gives no ``review_every``.
REVIEW_EVERY_DEFAULT = 12
#: Field names people write for the catalogue's own (when fuzzy matching alone would not say).
FIELD_ALIASES = {
    "last_reviewed": "reviewed", "review_date": "reviewed", "reviewed_on": "reviewed",
    "link": "url", "website": "url", "web_address": "url", "address": "url",
    "description": "summary", "name": "title", "place": "locality", "area": "locality",
    "source": "publisher", "topic": "topics", "audiences": "audience", "type": "kind",
}  # fmt: skip
#: Where the valid values of each reference field are listed, for a value with no close match.
VALUE_LISTS = {
    "topics": "the topics in ontology/topics.ttl",
    "locality": "the places in ontology/localities.ttl (or under `localities:` in this file)",
    "adopted_in": "the places in ontology/localities.ttl (or under `localities:` in this file)",
    "format": "the formats in ontology/values.ttl",
    "kind": "the kinds in ontology/values.ttl",
    "status": "available, awaiting-information, in-development",
    "audience": "parents, practitioners",
}
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: much faster


class Organisation(BaseModel):
    """A publisher or source organisation."""

    model_config = ConfigDict(extra="forbid")
    id: str
    name: str = Field(min_length=1)


class LocalityDef(BaseModel):
    """A locality the ontology does not list (national catalogues bring their own areas)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    name: str = Field(min_length=1)
    gss: str = Field(pattern=r"^[EWSN][0-9]{8}$")
    within: str
    level: str = "local authority"


class Entry(BaseModel):
    """One catalogue entry: a piece of good practice.

    ``reviewed`` is when staff last checked the entry; it is due again ``review_every`` months
    later (12 when not given). ``url`` is the resource's web address (http or https);
    ``status_since`` is since when the status holds (how long an entry has been awaiting
    information). ``url_checked`` is when a person last confirmed it opens the right thing (``cradle
    linkcheck`` records its own results beside the catalogue, see
    :mod:`cradle.graph.curation.linkcheck`).
    """

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str = Field(min_length=1)
    publisher: str | None = None
    summary: str = ""
    kind: str | None = None
    format: str = "none"
    link_text: str | None = None
    link_domain: str | None = None
    url: str | None = None
    url_checked: dt.date | None = None
    locality: str
    adopted_in: list[str] = Field(default_factory=list)
    status: str = "available"
    status_note: str | None = None
    status_since: dt.date | None = None
    expected: str | None = None
    date: str | None = None
    period: str | None = None
    topics: list[str] = Field(default_factory=list)
    topics_suggested: bool = False
    audience: list[str] = Field(default_factory=list)
    reviewed: dt.date | None = None
    review_every: int | None = Field(None, ge=1, le=120)

    @field_validator("expected", "date", "period", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        """A bare year (2021) reads as a number: keep it as text."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Header(BaseModel):
    """What the catalogue is and where it came from."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    description: str = ""
    source_document: str | None = None
    source_sha256: str | None = None
    modified: str
    #: the locality the catalogue is for (its dct:spatial): coverage's default ``within``
    area: str | None = None

    @field_validator("modified", mode="before")
    @classmethod
    def _iso(cls, value: Any) -> Any:
        """An unquoted date reads as a date: keep it as ISO text."""
        return value.isoformat() if isinstance(value, dt.date) else value


class Catalogue(BaseModel):
    """The whole catalogue file."""

    model_config = ConfigDict(extra="forbid")
    catalogue: Header
    organisations: list[Organisation] = Field(default_factory=list)
    localities: list[LocalityDef] = Field(default_factory=list)
    resources: list[Entry]
    _lines: dict[str, int] = PrivateAttr(default_factory=dict)

    def line_of(self, entry_id: str) -> int | None:
        """The line of the file where entry ``entry_id`` starts (None when not read from one)."""
        return self._lines.get(entry_id)


# ---------------------------------------------------------------- reading YAML with line numbers


class _LineLoader(_BASE_LOADER):  # type: ignore[misc]
    """A safe YAML loader that remembers where each mapping and key is, and notes keys repeated
    within one mapping (which a plain loader silently keeps only the last of)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.where: dict[int, tuple[int, dict[str, int]]] = {}
        self.repeats: list[tuple[int, str, int, int]] = []  # (mapping, key, line, first line)

    def construct_lined_map(self, node: yaml.MappingNode) -> Any:
        data: dict[Any, Any] = {}
        yield data
        self.flatten_mapping(node)
        keys: dict[str, int] = {}
        for key_node, value_node in node.value:
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


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_lined_map)


def _entry_around(lines: list[str], line: int) -> str | None:
    """The id of the entry that the 1-based ``line`` is in (the nearest ``- id:`` above)."""
    for text in reversed(lines[:line]):
        if m := re.match(r"^\s*-\s+id:\s*['\"]?([^'\"#\s]+)", text):
            return m.group(1)
        if re.match(r"^\S", text):  # a top-level key: not inside an entry
            return None
    return None


def _yaml_problem(exc: yaml.YAMLError, text: str, source: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "the file is not valid YAML"
    if mark is None:
        return f"{source}:1: (file): malformed YAML: {problem}"
    line = mark.line + 1
    lines = text.splitlines()
    entry = _entry_around(lines, line)
    where = f"entry {entry}" if entry else "(file)"
    key = re.match(r"^\s*-?\s*([A-Za-z_]+):", lines[line - 1]) if line <= len(lines) else None
    fld = f"{key.group(1)}: " if key else ""
    hint = (
        "; if the text contains a colon followed by a space, a '#', or starts with a quote, "
        "'-', '[' or '{', put the whole value in double quotes "
        '(summary: "Text: like this"), or check the indentation of this line'
    )
    at = f"malformed YAML at column {mark.column + 1}: {problem}"
    return f"{source}:{line}: {where}: {fld}{at}{hint}"


# ---------------------------------------------------------------- checks


@dataclass
class _Report:
    """Problems found, each with the line it belongs to (sorted by line when reported)."""

    source: str
    found: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, line: int, where: str, fld: str, what: str) -> None:
        text = (
            f"{self.source}:{line}: {where}: {fld}: {what}"
            if fld
            else (f"{self.source}:{line}: {where}: {what}")
        )
        self.found.append((line, len(self.found), text))

    def lines(self) -> list[str]:
        return [text for _, _, text in sorted(self.found)]


def suggest(value: str, choices: dict[str, str] | list[str], limit: int = 3) -> list[str]:
    """The valid values closest to ``value`` (ids, best first); empty when none is close.

    Args:
        value: what was written.
        choices: valid ids, or a mapping of spellings (ids, labels) to the ids they name.
        limit: at most this many.
    """
    table = choices if isinstance(choices, dict) else {c: c for c in choices}
    found = process.extract(
        value.lower(), list(table), scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=75
    )
    return list(dict.fromkeys(table[match] for match, _, _ in found))[:limit]


def _did_you_mean(options: list[str]) -> str:
    if not options:
        return ""
    if len(options) == 1:
        return f"; did you mean {options[0]}?"
    return f"; did you mean {', '.join(options[:-1])} or {options[-1]}?"


def _friendly(err: ErrorDetails) -> str:
    """A pydantic error in plain words."""
    kind, given = err["type"], err.get("input")
    if kind == "missing":
        return "missing (this field is required)"
    if kind == "string_too_short":
        return "must not be empty"
    if kind.startswith("date"):
        return f"{given!r} is not a date; write it as YYYY-MM-DD, for example 2026-03-31"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{given!r} is not a whole number"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{given!r} is out of range: {err['msg'].lower()}"
    if kind == "string_type":
        return f"expected text, got {type(given).__name__} {str(given)[:60]!r}"
    if kind == "list_type":
        return f"expected a list (one '- item' per line), got {str(given)[:60]!r}"
    if kind == "bool_parsing":
        return f"{given!r} is not true or false"
    return str(err["msg"])


def _unknown_field(name: str, fields: list[str]) -> str:
    guess = FIELD_ALIASES.get(str(name).lower())
    options = [guess] if guess in fields else suggest(str(name), fields, limit=2)
    hint = _did_you_mean(options) or "; the fields are described in docs/catalogue.md"
    return f"unknown field {name!r}{hint}"


def _as_list(value: Any) -> Any:
    """One value written where a list is expected reads as a list of one."""
    return [value] if isinstance(value, str) else value


def _normalise(value: Any, table: dict[str, str]) -> Any:
    """The id a label or id names (any case); ``value`` itself when it names none."""
    if isinstance(value, str):
        return table.get(" ".join(value.lower().split()), value)
    return value


@dataclass
class _Context:
    vocab: Terms
    orgs: dict[str, str]  # id, lower-cased name -> id
    places: dict[str, str]  # every locality id -> label
    tables: dict[str, dict[str, str]]  # field -> spelling -> id
    report: _Report


REFERENCE_FIELDS = {  # field -> (value list in Terms.aliases, a list of values?)
    "locality": ("locality", False), "adopted_in": ("locality", True),
    "format": ("format", False), "kind": ("kind", False), "status": ("status", False),
    "topics": ("topic", True), "audience": ("audience", True),
}  # fmt: skip


def _check_entry(ctx: _Context, raw: Any, index: int, where_of: Any) -> Entry | None:
    """Check one raw entry, adding its problems to the report; the entry when it is sound."""
    report = ctx.report
    start, keys = where_of(raw)
    if not isinstance(raw, dict):
        report.add(start, f"entry #{index + 1}", "", "expected fields (key: value lines)")
        return None
    ident = raw.get("id")
    name = f"entry {ident}" if isinstance(ident, str) and ident else f"entry #{index + 1}"
    line_of = lambda fld: keys.get(fld, start)  # noqa: E731
    before = len(report.found)
    data = dict(raw)
    for fld, (table, many) in REFERENCE_FIELDS.items():
        if fld in data:
            value = _as_list(data[fld]) if many else data[fld]
            tab = ctx.tables[table]
            data[fld] = (
                [_normalise(v, tab) for v in value]
                if many and isinstance(value, list)
                else _normalise(value, tab)
            )
    if "publisher" in data:
        data["publisher"] = _normalise(data["publisher"], ctx.orgs)
    try:
        entry: Entry | None = Entry.model_validate(data)
    except ValidationError as exc:
        entry = None
        for err in exc.errors():
            fld = str(err["loc"][0]) if err["loc"] else "(whole entry)"
            if err["type"] == "extra_forbidden":
                report.add(line_of(fld), name, fld, _unknown_field(fld, list(Entry.model_fields)))
            else:
                report.add(line_of(fld), name, fld, _friendly(err))
    for fld, (table, many) in REFERENCE_FIELDS.items():
        value = data.get(fld)
        values = value if many and isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str) and v not in ctx.tables[table].values():
                hint = _did_you_mean(suggest(v, ctx.tables[table]))
                report.add(line_of(fld), name, fld, f"unknown value {v!r}{hint or _nothing(fld)}")
    pub = data.get("publisher")
    if isinstance(pub, str) and pub not in ctx.orgs.values():
        hint = _did_you_mean(suggest(pub, ctx.orgs))
        report.add(
            line_of("publisher"), name, "publisher",
            f"unknown organisation {pub!r}{hint}; a new publisher must first be added under "
            f"`organisations:` at the top of the file (id and name)",
        )  # fmt: skip
    if isinstance(ident, str) and ident and not SLUG.match(ident):
        report.add(line_of("id"), name, "id", "must be a lower-case slug like 'safer-sleep-video'")
    title = data.get("title")
    if isinstance(title, str) and title and not title.strip():
        report.add(line_of("title"), name, "title", "must not be empty")
    if "topics" in data and data["topics"] == []:
        report.add(line_of("topics"), name, "topics", "at least one topic is needed")
    summary, status = data.get("summary"), data.get("status", "available")
    if (summary is None or (isinstance(summary, str) and not summary.strip())) and (
        status != "awaiting-information"
    ):
        report.add(
            line_of("summary"), name, "summary",
            "missing or empty: write a sentence or two on what the resource is and who it is "
            "for (only an entry whose status is awaiting-information may have none)",
        )  # fmt: skip
    for fld in ("date", "expected"):
        value = data.get(fld)
        if isinstance(value, str) and not YEAR_MONTH.match(value):
            report.add(line_of(fld), name, fld, f"{value!r} is not YYYY or YYYY-MM (e.g. 2021-12)")
    period = data.get("period")
    if isinstance(period, str) and not PERIOD.match(period):
        what = f"{period!r} is not YYYY/YYYY (e.g. 2021/2023)"
        report.add(line_of("period"), name, "period", what)
    for fld in ("reviewed", "url_checked", "status_since"):
        value = getattr(entry, fld) if entry is not None else None
        if value is not None and value > dt.date.today():
            report.add(line_of(fld), name, fld, f"{value.isoformat()} is in the future")
    url = data.get("url")
    if isinstance(url, str) and (problem := url_problem(url)):
        report.add(line_of("url"), name, "url", problem)
    return entry if len(report.found) == before else None


def _nothing(fld: str) -> str:
    return f"; no close match: see {VALUE_LISTS[fld]}" if fld in VALUE_LISTS else ""


def url_problem(url: str) -> str | None:
    """What is wrong with a web address written in the catalogue (None when it is fine)."""
    text = url.strip()
    if not text:
        return "empty: remove the line, or write the full address starting https://"
    if any(c.isspace() for c in text):
        return f"{url!r} contains a space; copy the address from the browser's address bar"
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        return (
            f"{url!r} is not a web address: write it in full, starting https:// "
            "(for example https://www.lullabytrust.org.uk/)"
        )
    if not parts.hostname or "." not in parts.hostname:
        return f"{url!r} has no site name after {parts.scheme}://"
    return None


def _where(loader: _LineLoader) -> Any:
    def where_of(obj: Any) -> tuple[int, dict[str, int]]:
        return loader.where.get(id(obj), (1, {}))

    return where_of


def parse_catalogue(
    text: str, source: str = "<catalogue>", vocab: Terms | None = None
) -> Catalogue:
    """Parse and check catalogue YAML text: structure and references, every problem at once.

    Args:
        text: the YAML.
        source: the file name used in problem lines.
        vocab: the ontology's terms (read from ``ontology/`` when omitted).

    Raises:
        CatalogueError: one ``FILE:LINE: entry <id>: <field>: <what is wrong>`` line per problem.
    """
    vocab = vocab or terms(ONTOLOGY_DIR)
    loader = _LineLoader(text)
    try:
        raw = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise CatalogueError([_yaml_problem(exc, text, source)]) from None
    finally:
        loader.dispose()
    report = _Report(source)
    if not isinstance(raw, dict):
        report.add(1, "(file)", "", "expected `catalogue:`, `organisations:` and `resources:`")
        raise CatalogueError(report.lines())
    where_of = _where(loader)
    _, top = where_of(raw)
    owners = {}
    for kind in ("organisations", "localities", "resources"):
        for i, item in enumerate(raw.get(kind) or [] if isinstance(raw.get(kind), list) else []):
            owners[id(item)] = (kind, i, item)
    for mapping, key, line, first in loader.repeats:
        owner = owners.get(mapping)
        if owner is None:
            where = "(file)" if mapping == id(raw) else "(file)"
        else:
            kind, i, item = owner
            label = {"resources": "entry", "organisations": "organisation"}.get(kind, "locality")
            where = f"{label} {item.get('id', f'#{i + 1}')}"
        report.add(
            line, where, key,
            f"appears twice (first on line {first}); the first would be silently lost: "
            "keep one and merge their values",
        )  # fmt: skip
    for key in raw:
        if key not in Catalogue.model_fields:
            report.add(
                top.get(str(key), 1), "(file)", str(key),
                _unknown_field(str(key), [f for f in Catalogue.model_fields if f != "_lines"]),
            )  # fmt: skip
    header = _section(report, raw, "catalogue", top, where_of)
    orgs = _items(report, raw, "organisations", Organisation, top, where_of)
    places_def = _items(report, raw, "localities", LocalityDef, top, where_of)
    ctx = _context(vocab, orgs, places_def, report, where_of)
    if header is not None and header.area is not None and header.area not in ctx.places:
        start, keys = where_of(raw["catalogue"])
        hint = _did_you_mean(suggest(header.area, list(ctx.places)))
        report.add(
            keys.get("area", start), "catalogue", "area",
            f"unknown locality {header.area!r}{hint} (a locality id such as 'greater-manchester'"
            " or 'england')",
        )  # fmt: skip
    entries: list[Entry] = []
    resources = raw.get("resources")
    if not isinstance(resources, list):
        report.add(top.get("resources", 1), "(file)", "resources", "expected a list of entries")
        resources = []
    lines: dict[str, int] = {}
    for i, item in enumerate(resources):
        entry = _check_entry(ctx, item, i, where_of)
        if entry is not None:
            entries.append(entry)
            lines.setdefault(entry.id, where_of(item)[0])
    ids = Counter(r.get("id") for r in resources if isinstance(r, dict))
    for r in resources:
        ident = r.get("id") if isinstance(r, dict) else None
        if isinstance(ident, str) and ids[ident] > 1:
            start, keys = where_of(r)
            report.add(
                keys.get("id", start), f"entry {ident}", "id",
                f"duplicate id ({ids[ident]} times); ids must be unique",
            )  # fmt: skip
    if isinstance(raw.get("resources"), list) and not resources:
        report.add(
            top.get("resources", 1), "(file)", "resources",
            "no entries: add at least one under 'resources:'",
        )  # fmt: skip
    _text_problems(report, raw, where_of)
    if report.found or header is None:
        raise CatalogueError(report.lines())
    cat = Catalogue.model_construct(
        catalogue=header, organisations=orgs, localities=places_def, resources=entries
    )
    cat._lines = lines
    return cat


def _text_problems(report: _Report, raw: dict[str, Any], where_of: Any) -> None:
    """Control characters, over-long text and ids in every item.

    See :mod:`cradle.graph.build.cleantext`.
    """
    header = raw.get("catalogue")
    if isinstance(header, dict):
        start, keys = where_of(header)
        for fld, problem in cleantext.item_problems(header):
            report.add(keys.get(fld, start), "catalogue", fld, problem)
    labels = {"resources": "entry", "organisations": "organisation", "localities": "locality"}
    for kind, label in labels.items():
        items = raw.get(kind)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                start, keys = where_of(item)
                ident = str(item.get("id", "?"))[:60]
                for fld, problem in cleantext.item_problems(item):
                    report.add(keys.get(fld, start), f"{label} {ident}", fld, problem)


def _section(
    report: _Report, raw: dict[str, Any], key: str, top: dict[str, int], where_of: Any
) -> Header | None:
    value = raw.get(key)
    if value is None:
        report.add(1, "(file)", key, "missing: the file needs a `catalogue:` section (id, title)")
        return None
    start, keys = where_of(value)
    try:
        return Header.model_validate(value)
    except ValidationError as exc:
        for err in exc.errors():
            fld = str(err["loc"][0]) if err["loc"] else key
            what = (
                _unknown_field(fld, list(Header.model_fields))
                if err["type"] == "extra_forbidden"
                else _friendly(err)
            )
            report.add(keys.get(fld, top.get(key, start)), "catalogue", fld, what)
    return None


def _items(
    report: _Report, raw: dict[str, Any], key: str, model: Any, top: dict[str, int], where_of: Any
) -> list[Any]:
    value = raw.get(key) or []
    if not isinstance(value, list):
        report.add(top.get(key, 1), "(file)", key, "expected a list ('- id: ...' items)")
        return []
    label = "organisation" if key == "organisations" else "locality"
    out = []
    for i, item in enumerate(value):
        start, keys = where_of(item)
        ident = item.get("id", f"#{i + 1}") if isinstance(item, dict) else f"#{i + 1}"
        try:
            out.append(model.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors():
                fld = str(err["loc"][0]) if err["loc"] else "(whole item)"
                what = (
                    _unknown_field(fld, list(model.model_fields))
                    if err["type"] == "extra_forbidden"
                    else _friendly(err)
                )
                report.add(keys.get(fld, start), f"{label} {ident}", fld, what)
    for ident, n in Counter(o.id for o in out).items():
        if n > 1:
            report.add(top.get(key, 1), f"{label} {ident}", "id", f"duplicate id ({n} times)")
    return out


def _context(
    vocab: Terms,
    orgs: list[Organisation],
    places_def: list[LocalityDef],
    report: _Report,
    where_of: Any,
) -> _Context:
    places = dict(vocab.localities)
    tables = {name: dict(table) for name, table in vocab.aliases.items()}
    for name, ids in (("topic", vocab.topics), ("locality", vocab.localities),
                      ("format", vocab.formats), ("kind", vocab.kinds),
                      ("status", vocab.statuses), ("audience", vocab.audiences)):  # fmt: skip
        tables.setdefault(name, {}).update({i: i for i in ids})
    for loc in places_def:
        if loc.id in places:
            report.add(1, f"locality {loc.id}", "id", "already defined in ontology/localities.ttl")
        places[loc.id] = loc.name
        tables["locality"][loc.id] = loc.id
        tables["locality"].setdefault(loc.name.lower(), loc.id)
    for loc in places_def:
        if loc.within not in places:
            report.add(1, f"locality {loc.id}", "within", f"unknown locality {loc.within!r}")
    org_table: dict[str, str] = {}
    for o in orgs:
        org_table[o.id] = o.id
        org_table.setdefault(" ".join(o.name.lower().split()), o.id)
    return _Context(vocab, org_table, places, tables, report)


def check_catalogue(cat: Catalogue, vocab: Terms, source: str = "<catalogue>") -> list[str]:
    """Check an already-built catalogue model against the ontology's terms (for catalogues made
    in code, such as synthetic ones); a file is checked by :func:`parse_catalogue`.

    Returns:
        One line per problem; empty when the catalogue is sound.
    """
    text = dump_catalogue(cat)
    try:
        parse_catalogue(text, source, vocab)
    except CatalogueError as exc:
        return exc.problems
    return []


def load_catalogue(path: Path, ontology_dir: Path = ONTOLOGY_DIR) -> Catalogue:
    """Read, parse and check a catalogue file.

    Args:
        path: the catalogue YAML.
        ontology_dir: where the thesaurus and value lists live.

    Raises:
        CatalogueError: listing every problem found, each naming file, line, entry and field.
    """
    text = cleantext.read_text_file(path, cleantext.MAX_CATALOGUE_BYTES, "catalogue")
    return parse_catalogue(text, str(path), terms(ontology_dir))


def dump_catalogue(cat: Catalogue) -> str:
    """Serialise a catalogue to YAML, leaving out empty optional fields."""
    data = cat.model_dump(exclude_none=True)
    if not data.get("localities"):
        data.pop("localities", None)
    for entry in data["resources"]:
        for key in ("adopted_in", "audience"):
            if not entry.get(key):
                entry.pop(key, None)
        if not entry.get("topics_suggested"):
            entry.pop("topics_suggested", None)
        if entry.get("summary") == "":
            entry.pop("summary")
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: same text
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
