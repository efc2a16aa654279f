"""The checks of one catalogue entry, as small rules run in turn.

Labels are first turned into ids (``_normalised``), pydantic checks each field's type, then
each rule in :data:`RULES` adds what it finds to the report: values the ontology does not know
(with the closest ones), an unknown publisher, the id's form, empty text, dates and web
addresses. An entry with any problem is left out of the catalogue.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from cradle.graph.build import cleantext
from cradle.graph.build.catalogue.messages import (
    Report,
    cut,
    did_you_mean,
    friendly,
    nearest_topics,
    no_close_match,
    read_as,
    suggest,
    suggest_topic,
    unknown_field,
)
from cradle.graph.build.catalogue.model import Entry
from cradle.graph.build.ontology import Terms

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
YEAR_MONTH = re.compile(r"[0-9]{4}(-(0[1-9]|1[0-2]))?\Z")  # with .match: the whole value
PERIOD = re.compile(r"[0-9]{4}/[0-9]{4}\Z")
#: Fields naming terms: field -> (its value list in ``Terms.aliases``, a list of values?).
REFERENCE_FIELDS = {
    "locality": ("locality", False),
    "adopted_in": ("locality", True),
    "format": ("format", False),
    "kind": ("kind", False),
    "status": ("status", False),
    "topics": ("topic", True),
    "audience": ("audience", True),
}


@dataclass
class Context:
    """What an entry is checked against, and where its problems go."""

    vocab: Terms
    orgs: dict[str, str]  # id, lower-cased name -> id
    places: dict[str, str]  # every locality id -> label
    tables: dict[str, dict[str, str]]  # field -> spelling -> id
    report: Report
    #: the ids of each table, and of the organisations (worked out once, not once per entry)
    known: dict[str, set[str]] = field(init=False)
    org_ids: set[str] = field(init=False)
    #: table -> id -> preferred label (a spelling that is neither is a synonym)
    labels: dict[str, dict[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        self.known = {name: set(table.values()) for name, table in self.tables.items()}
        self.org_ids = set(self.orgs.values())
        v = self.vocab
        self.labels = {
            "topic": v.topics,
            "locality": self.places,
            "format": v.formats,
            "kind": v.kinds,
            "status": v.statuses,
            "audience": v.audiences,
        }


@dataclass
class Place:
    """One entry's name and the line of each of its fields, to report its problems at."""

    report: Report
    name: str
    start: int
    keys: dict[str, int]
    #: list field -> the line of each of its items, by position ("0", "1", ...)
    items: dict[str, dict[str, int]] = field(default_factory=dict)

    def _line(self, fld: str, item: int | None) -> int:
        line = self.keys.get(fld, self.start)
        return line if item is None else self.items.get(fld, {}).get(str(item), line)

    def add(self, fld: str, what: str, item: int | None = None) -> None:
        """Note a problem with field ``fld`` (at its line, or the entry's when it is absent), or
        with its list item at position ``item`` (at the item's own line)."""
        self.report.add(self._line(fld, item), self.name, fld, what)

    def note(self, fld: str, what: str, item: int | None = None) -> None:
        """Note something in ``fld`` read other than as written (not a problem unless strict)."""
        self.report.note(self._line(fld, item), self.name, fld, what)


def check_entry(ctx: Context, raw: Any, index: int, where_of: Any) -> Entry | None:
    """Check one raw entry, adding its problems to the report.

    Args:
        ctx: the terms, organisations and places, and the report.
        raw: the entry as read from YAML.
        index: its position in ``resources`` (for an entry without an id).
        where_of: the line of a mapping and of its keys
            (:meth:`cradle.graph.build.catalogue.loader.Loaded.where_of`).

    Returns:
        The entry when it is sound, else None.
    """
    start, keys = where_of(raw)
    if not isinstance(raw, dict):
        ctx.report.add(start, f"entry #{index + 1}", "", "expected fields (key: value lines)")
        return None
    ident = raw.get("id")
    name = f"entry {ident}" if isinstance(ident, str) and ident else f"entry #{index + 1}"
    items = {str(k): where_of(v)[1] for k, v in raw.items() if isinstance(v, list)}
    at = Place(ctx.report, name, start, keys, items)
    before = len(ctx.report.found)
    data = _normalised(ctx, raw, at)
    entry = _validated(data, at)
    for rule in RULES:
        rule(ctx, data, entry, at)
    return entry if len(ctx.report.found) == before else None


def _normalise(value: Any, table: dict[str, str]) -> Any:
    """The id a label or id names (any case); ``value`` itself when it names none."""
    if isinstance(value, str):
        return table.get(" ".join(value.lower().split()), value)
    return value


def _is_synonym(written: Any, ident: Any, labels: dict[str, str]) -> bool:
    """Whether ``written`` named ``ident`` by a synonym (neither its id nor its preferred
    label, in any case)."""
    if not isinstance(written, str) or written == ident or ident not in labels:
        return False
    spelling = " ".join(written.lower().split())
    return spelling not in (ident.lower(), " ".join(labels[ident].lower().split()))


def _normalised(ctx: Context, raw: dict[str, Any], at: Place) -> dict[str, Any]:
    """The entry with labels turned into ids (one value where a list is expected: a list);
    each synonym read as a preferred label is noted."""
    data = dict(raw)
    for fld, (table, many) in REFERENCE_FIELDS.items():
        if fld not in data:
            continue
        value, tab, labels = data[fld], ctx.tables[table], ctx.labels[table]
        listed = many and isinstance(value, list)
        values = value if listed else [value]
        ids = [_normalise(v, tab) for v in values]
        for i, (written, ident) in enumerate(zip(values, ids, strict=True)):
            if _is_synonym(written, ident, labels):
                at.note(fld, read_as(written, labels[ident], ident), i if listed else None)
        data[fld] = ids if many and isinstance(value, list | str) else ids[0]
    if "publisher" in data:
        data["publisher"] = _normalise(data["publisher"], ctx.orgs)
    return data


def _validated(data: dict[str, Any], at: Place) -> Entry | None:
    """The entry model, or None after reporting each field pydantic refused."""
    try:
        return Entry.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            fld = str(err["loc"][0]) if err["loc"] else "(whole entry)"
            item = err["loc"][1] if len(err["loc"]) > 1 else None
            if err["type"] == "extra_forbidden":
                at.add(fld, unknown_field(fld, list(Entry.model_fields)))
            else:
                at.add(fld, friendly(err), item if isinstance(item, int) else None)
    return None


Rule = Callable[[Context, dict[str, Any], Entry | None, Place], None]


def _references(ctx: Context, data: dict[str, Any], entry: Entry | None, at: Place) -> None:
    """Every value of a reference field names a term (else: the closest terms)."""
    for fld, (table, many) in REFERENCE_FIELDS.items():
        value = data.get(fld)
        known = ctx.known[table]
        listed = many and isinstance(value, list)
        values: list[Any] = value if many and isinstance(value, list) else [value]
        for i, v in enumerate(values):
            if isinstance(v, str) and v not in known:
                at.add(
                    fld, f"unknown value {cut(v)}{_hint(ctx, fld, table, v)}", i if listed else None
                )


def _hint(ctx: Context, fld: str, table: str, value: str) -> str:
    """What to write instead of an unknown ``value``: did you mean (for a topic only when it
    is that close a typo), else for a topic the nearest three, else where the values are."""
    if table == "topic":
        spellings, labels = ctx.tables[table], ctx.labels[table]
        typo = did_you_mean(suggest_topic(value, spellings))
        return typo or nearest_topics(value, spellings, labels)
    choices = ctx.tables[table]
    found = did_you_mean(suggest(value, choices))
    ids = sorted(set(choices.values()) if isinstance(choices, dict) else set(choices))
    if not found and len(ids) <= SHORT_LIST:  # a short vocabulary: say it, not where it is
        return f"; no close match: use one of {', '.join(ids)}"
    return found or no_close_match(fld)


#: A vocabulary this short (formats, kinds, statuses) is listed in full in a message.
SHORT_LIST = 20


def _publisher(ctx: Context, data: dict[str, Any], entry: Entry | None, at: Place) -> None:
    """The publisher is one of the file's organisations."""
    pub = data.get("publisher")
    if isinstance(pub, str) and pub not in ctx.org_ids:
        hint = did_you_mean(suggest(pub, ctx.orgs))
        at.add(
            "publisher",
            f"unknown organisation {cut(pub)}{hint}; a new publisher must first be added under "
            "`organisations:` at the top of the file (id and name)",
        )


def _id_form(ctx: Context, data: dict[str, Any], entry: Entry | None, at: Place) -> None:
    ident = data.get("id")
    if isinstance(ident, str) and ident and not SLUG.match(ident):
        words = re.sub(r"[^a-z0-9]+", "-", cleantext.CURLY_QUOTES.sub("", ident).lower()).strip("-")
        like = f"'{words}'" if words and SLUG.match(words) else "'safer-sleep-video'"
        at.add(
            "id",
            f"{cut(ident)} is not an id: write lower-case letters, digits and hyphens only, "
            f"like {like}",
        )


def _some_text(ctx: Context, data: dict[str, Any], entry: Entry | None, at: Place) -> None:
    """A title of spaces is empty; no ``topics`` (or ``topics: []``) names none."""
    title = data.get("title")
    if isinstance(title, str) and title and not title.strip():
        at.add("title", "must not be empty")
    if data.get("topics", []) == []:
        at.add("topics", "at least one topic is needed: `cradle topics` lists them")


def _summary(ctx: Context, data: dict[str, Any], entry: Entry | None, at: Place) -> None:
    """Only an entry awaiting information may have no summary."""
    summary, status = data.get("summary"), data.get("status", "available")
    empty = summary is None or (isinstance(summary, str) and not summary.strip())
    if empty and status != "awaiting-information":
        at.add(
            "summary",
            "missing or empty: write a sentence or two on what the resource is and who it is "
            "for (only an entry whose status is awaiting-information may have none)",
        )


def _periods(ctx: Context, data: dict[str, Any], entry: Entry | None, at: Place) -> None:
    """``date`` and ``expected`` are YYYY or YYYY-MM; ``period`` is YYYY/YYYY."""
    for fld in ("date", "expected"):
        value = _year_text(data.get(fld))
        if isinstance(value, str) and not YEAR_MONTH.match(value):
            at.add(
                fld,
                f"{cut(value)} is not YYYY or YYYY-MM, month 01 to 12 (e.g. 2021-12)",
            )
    period = data.get("period")
    if isinstance(period, str) and not PERIOD.match(period):
        at.add("period", f"{cut(period)} is not YYYY/YYYY (e.g. 2021/2023)")


def _year_text(value: object) -> object:
    """A year YAML read as a number (``date: 2099``), as the text the model keeps; else as is."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _not_future(ctx: Context, data: dict[str, Any], entry: Entry | None, at: Place) -> None:
    """Nothing was reviewed, checked, set or published in the future (``expected`` and
    ``period`` may be: they say what is to come)."""
    today = dt.date.today()
    for fld in ("reviewed", "url_checked", "status_since"):
        value = getattr(entry, fld) if entry is not None else None
        if value is not None and value > today:
            at.add(fld, f"{value.isoformat()} is in the future: write the day it was done")
    published = _year_text(data.get("date"))  # YYYY or YYYY-MM: compared with today as text
    if isinstance(published, str) and YEAR_MONTH.match(published) and published > today.isoformat():
        at.add(
            "date",
            f"{published} is in the future: `date` is when it was published; for something "
            f"not out yet, write `expected: {published}` and its status (in-development)",
        )


#: A UK mobile number in free text (bounded repeats: linear in the text).
_MOBILE_IN_TEXT = re.compile(
    r"(?<!\d)(?:07|\+44\s?(?:\(0\)\s?)?7)\d{3}[\s-]?\d{3}[\s-]?\d{3}(?!\d)"
)
#: The free-text fields of an entry that pages and search results show.
SHOWN_TEXT = ("title", "summary", "link_text", "status_note", "referral_criteria")


def _no_contact_details(ctx: Context, data: dict[str, Any], entry: Entry | None, at: Place) -> None:
    """No e-mail address or mobile number in an entry's text: they are people's, and pages and
    search show the text (docs/privacy.md); an organisation's public contact goes under
    ``organisations:``."""
    for fld in SHOWN_TEXT:
        value = data.get(fld)
        if not isinstance(value, str):
            continue
        what = (
            "an e-mail address" if cleantext.EMAIL_IN_TEXT.search(value)
            else "a mobile phone number" if _MOBILE_IN_TEXT.search(value)
            else None
        )  # fmt: skip
        if what:
            at.add(
                fld,
                f"holds {what}: people's contact details are not kept in the catalogue; remove "
                "it, and put the organisation's public e-mail or phone under `organisations:` "
                "(docs/catalogue.md)",
            )


def _url(ctx: Context, data: dict[str, Any], entry: Entry | None, at: Place) -> None:
    url = data.get("url")
    if isinstance(url, str) and (problem := url_problem(url)):
        at.add("url", problem)


#: The rules, in the order their problems are listed within one line.
RULES: tuple[Rule, ...] = (
    _references,
    _publisher,
    _id_form,
    _some_text,
    _summary,
    _periods,
    _not_future,
    _url,
    _no_contact_details,
)


def url_problem(url: str) -> str | None:
    """What is wrong with a web address written in the catalogue (None when it is fine)."""
    text = url.strip()
    if not text:
        return "empty: remove the line, or write the full address starting https://"
    if any(c.isspace() for c in text):
        return f"{cut(url)} contains a space; copy the address from the browser's address bar"
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        return (
            f"{cut(url)} is not a web address: write it in full, starting https:// "
            "(for example https://www.lullabytrust.org.uk/)"
        )
    if not parts.hostname:
        return f"{cut(url)} has no site name after {parts.scheme}://"
    if "." not in parts.hostname:
        return (
            f"{cut(url)}: {cut(parts.hostname)} is not a whole site name (like www.example.org); "
            "copy the address from the browser's address bar"
        )
    return None
