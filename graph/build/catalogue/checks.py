"""Parsing and checking a whole catalogue file: its sections, every entry, and what spans
entries (repeated keys, duplicate ids, text rules).

Every problem of every entry is found in one pass and reported together
(:mod:`cradle.graph.build.catalogue.messages`); nothing downstream runs on a catalogue with
problems.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cradle.core.errors import CatalogueError
from cradle.core.settings import ONTOLOGY_DIR
from cradle.graph.build import cleantext
from cradle.graph.build.catalogue.entry import Context, check_entry
from cradle.graph.build.catalogue.loader import Loaded, read_yaml
from cradle.graph.build.catalogue.messages import (
    Report,
    cut,
    did_you_mean,
    friendly,
    suggest,
    unknown_field,
)
from cradle.graph.build.catalogue.model import Catalogue, Entry, Header, LocalityDef, Organisation
from cradle.graph.build.catalogue.writer import dump_catalogue
from cradle.graph.build.ontology import Terms, terms

_LABELS = {"resources": "entry", "organisations": "organisation", "localities": "locality"}


def parse_catalogue(
    text: str, source: str = "<catalogue>", vocab: Terms | None = None, strict: bool = False
) -> Catalogue:
    """Parse and check catalogue YAML text: structure and references, every problem at once.

    Args:
        text: the YAML.
        source: the file name used in problem lines.
        vocab: the ontology's terms (read from ``ontology/`` when omitted).
        strict: notes (a synonym read as its preferred label) are problems too.

    Returns:
        The catalogue; its notes (:meth:`Catalogue.notes`) say what was read other than as
        written.

    Raises:
        CatalogueError: one ``FILE:LINE: entry <id>: <field>: <what is wrong>`` line per problem.
    """
    vocab = vocab or terms(ONTOLOGY_DIR)
    loaded = read_yaml(text, source)
    raw, report = loaded.data, Report(source, strict=strict)
    if not isinstance(raw, dict):
        report.add(1, "(file)", "", "expected `catalogue:`, `organisations:` and `resources:`")
        raise CatalogueError(report.lines())
    _, top = loaded.where_of(raw)
    _repeated_keys(report, loaded)
    _unknown_sections(report, raw, top)
    header = _header(report, raw, top, loaded)
    orgs = _items(report, raw, "organisations", Organisation, top, loaded)
    places_def = _items(report, raw, "localities", LocalityDef, top, loaded)
    ctx = _context(vocab, orgs, places_def, report, _invalid_ids(raw, "organisations", orgs))
    _area(ctx, header, raw, loaded)
    entries, lines = _entries(ctx, raw, top, loaded)
    _text_problems(report, raw, loaded)
    if report.found or header is None:
        raise CatalogueError(report.lines())
    cat = Catalogue.model_construct(
        catalogue=header, organisations=orgs, localities=places_def, resources=entries
    )
    cat._lines, cat._notes = lines, report.note_lines()
    return cat


def _repeated_keys(report: Report, loaded: Loaded) -> None:
    """A key written twice in one mapping (YAML keeps only the last)."""
    if not loaded.repeats:
        return
    raw, owners = loaded.data, {}
    for kind, label in _LABELS.items():
        items = raw.get(kind)
        for i, item in enumerate(items if isinstance(items, list) else []):
            owners[id(item)] = f"{label} {_ident(item, i)}"
    # an id written again in one item is a new item that lost its dash: said once, at its id,
    # and its other fields (repeats from that line on) are not listed as repeats as well
    starts: dict[int, int] = {}
    for mapping, key, line, _ in loaded.repeats:
        if key == "id" and mapping in owners:  # an item of a list (not the header)
            starts.setdefault(mapping, line)  # the first: the entries after it are one
    for mapping, key, line, first in loaded.repeats:
        start = starts.get(mapping)
        if start is not None and line > start:
            continue
        owner = owners.get(mapping, "(file)")
        if key == "id" and start is not None:
            kind = owner.split(" ", 1)[0] if owner != "(file)" else "item"
            report.add(
                line,
                owner,
                key,
                f"looks like the start of a new {kind} without its dash: write it as '- id: ...' "
                f"with the dash where the other {kind} ids have theirs; until then it is read "
                f"as part of the {kind} above it (line {first})",
            )
            continue
        report.add(
            line,
            owner,
            key,
            f"appears twice (first on line {first}); the first would be silently lost: "
            "keep one and merge their values",
        )


def _ident(item: Any, index: int) -> str:
    """How an item is named in messages: its id (cut short), else its position."""
    ident = item.get("id", f"#{index + 1}") if isinstance(item, dict) else f"#{index + 1}"
    return str(ident)[: cleantext.MAX_ID_CHARS]


def _unknown_sections(report: Report, raw: dict[str, Any], top: dict[str, int]) -> None:
    fields = [f for f in Catalogue.model_fields if f != "_lines"]
    for key in raw:
        if key not in Catalogue.model_fields:
            report.add(top.get(str(key), 1), "(file)", str(key), unknown_field(str(key), fields))


def _header(
    report: Report, raw: dict[str, Any], top: dict[str, int], loaded: Loaded
) -> Header | None:
    """The ``catalogue:`` section, or None after reporting its problems."""
    value = raw.get("catalogue")
    if value is None:
        what = "missing: the file needs a `catalogue:` section (id, title)"
        report.add(1, "(file)", "catalogue", what)
        return None
    start, keys = loaded.where_of(value)
    try:
        header = Header.model_validate(value)
    except ValidationError as exc:
        for err in exc.errors():
            fld = str(err["loc"][0]) if err["loc"] else "catalogue"
            what = (
                unknown_field(fld, list(Header.model_fields))
                if err["type"] == "extra_forbidden"
                else friendly(err)
            )
            report.add(keys.get(fld, top.get("catalogue", start)), "catalogue", fld, what)
        return None
    if header.modified[:10] > dt.date.today().isoformat():  # ISO dates compare as text
        what = f"{header.modified} is in the future: write the day the file was last changed"
        report.add(keys.get("modified", start), "catalogue", "modified", what)
    return header


def _items(
    report: Report, raw: dict[str, Any], key: str, model: Any, top: dict[str, int], loaded: Loaded
) -> list[Any]:
    """The organisations or localities, each checked by ``model``; duplicate ids reported."""
    value = raw.get(key) or []
    if not isinstance(value, list):
        report.add(top.get(key, 1), "(file)", key, "expected a list ('- id: ...' items)")
        return []
    label, out = _LABELS[key], []
    for i, item in enumerate(value):
        try:
            out.append(model.model_validate(item))
        except ValidationError as exc:
            start, keys = loaded.where_of(item)
            for err in exc.errors():
                fld = str(err["loc"][0]) if err["loc"] else "(whole item)"
                what = (
                    unknown_field(fld, list(model.model_fields))
                    if err["type"] == "extra_forbidden"
                    else friendly(err)
                )
                report.add(keys.get(fld, start), f"{label} {_ident(item, i)}", fld, what)
    for ident, n in Counter(o.id for o in out).items():
        if n > 1:
            report.add(top.get(key, 1), f"{label} {ident}", "id", f"duplicate id ({n} times)")
    return out


def _invalid_ids(raw: dict[str, Any], key: str, valid: list[Any]) -> list[str]:
    """The ids of the items under ``key`` that have problems of their own (already reported):
    entries naming one are not told that it is unknown."""
    items = raw.get(key)
    known = {o.id for o in valid}
    if not isinstance(items, list):
        return []
    found = (item.get("id") for item in items if isinstance(item, dict))
    return [i for i in found if isinstance(i, str) and i not in known]


def _context(
    vocab: Terms,
    orgs: list[Organisation],
    places_def: list[LocalityDef],
    report: Report,
    invalid_orgs: list[str],
) -> Context:
    """What entries are checked against: the ontology's terms plus the file's own places and
    organisations (those with problems of their own too)."""
    places = dict(vocab.localities)
    tables = {name: dict(table) for name, table in vocab.aliases.items()}
    ids = {
        "topic": vocab.topics,
        "locality": vocab.localities,
        "format": vocab.formats,
        "kind": vocab.kinds,
        "status": vocab.statuses,
        "audience": vocab.audiences,
    }
    for name, values in ids.items():
        tables.setdefault(name, {}).update({i: i for i in values})
    for loc in places_def:
        if loc.id in places:
            report.add(1, f"locality {loc.id}", "id", "already defined in ontology/localities.ttl")
        places[loc.id] = loc.name
        tables["locality"][loc.id] = loc.id
        tables["locality"].setdefault(loc.name.lower(), loc.id)
    for loc in places_def:
        if loc.within not in places:
            report.add(1, f"locality {loc.id}", "within", f"unknown locality {cut(loc.within)}")
    org_table: dict[str, str] = {i: i for i in invalid_orgs}
    for o in orgs:
        org_table[o.id] = o.id
        org_table.setdefault(" ".join(o.name.lower().split()), o.id)
    return Context(vocab, org_table, places, tables, report)


def _area(ctx: Context, header: Header | None, raw: dict[str, Any], loaded: Loaded) -> None:
    """The catalogue's own area is a known locality."""
    if header is None or header.area is None or header.area in ctx.places:
        return
    start, keys = loaded.where_of(raw["catalogue"])
    hint = did_you_mean(suggest(header.area, list(ctx.places)))
    ctx.report.add(
        keys.get("area", start),
        "catalogue",
        "area",
        f"unknown locality {cut(header.area)}{hint} (a locality id such as 'greater-manchester'"
        " or 'england')",
    )


def _entries(
    ctx: Context, raw: dict[str, Any], top: dict[str, int], loaded: Loaded
) -> tuple[list[Entry], dict[str, int]]:
    """The sound entries and the line each starts on; every entry's problems reported."""
    report, resources = ctx.report, raw.get("resources")
    if not isinstance(resources, list):
        report.add(top.get("resources", 1), "(file)", "resources", "expected a list of entries")
        return [], {}
    if not resources:
        report.add(
            top.get("resources", 1),
            "(file)",
            "resources",
            "no entries: add at least one under 'resources:'",
        )
    entries: list[Entry] = []
    lines: dict[str, int] = {}
    for i, item in enumerate(resources):
        entry = check_entry(ctx, item, i, loaded.where_of)
        if entry is not None:
            entries.append(entry)
            lines.setdefault(entry.id, loaded.where_of(item)[0])
    _duplicate_ids(report, resources, loaded)
    return entries, lines


def _duplicate_ids(report: Report, resources: list[Any], loaded: Loaded) -> None:
    """An id given to several entries: each is named with the lines of the others."""
    ids = Counter(r.get("id") for r in resources if isinstance(r, dict))
    where: dict[str, list[int]] = {}
    for r in resources:
        ident = r.get("id") if isinstance(r, dict) else None
        if isinstance(ident, str) and ids[ident] > 1:
            start, keys = loaded.where_of(r)
            where.setdefault(ident, []).append(keys.get("id", start))
    for ident, lines in where.items():
        for line in lines:
            others = ", ".join(str(x) for x in lines if x != line)
            report.add(
                line,
                f"entry {ident}",
                "id",
                f"also the id of the entry on line {others}: give the newer entry another id "
                f"(the older keeps its web address, /resource/{ident}), or, if both are the "
                "same resource, keep one",
            )


def _text_problems(report: Report, raw: dict[str, Any], loaded: Loaded) -> None:
    """Control characters, over-long text and ids in every item.

    The rules are :mod:`cradle.graph.build.cleantext`'s.
    """
    header = raw.get("catalogue")
    if isinstance(header, dict):
        start, keys = loaded.where_of(header)
        for fld, problem in cleantext.item_problems(header):
            report.add(keys.get(fld, start), "catalogue", fld, problem)
    for kind, label in _LABELS.items():
        items = raw.get(kind)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                start, keys = loaded.where_of(item)
                ident = str(item.get("id", "?"))[:60]
                for fld, problem in cleantext.item_problems(item):
                    report.add(keys.get(fld, start), f"{label} {ident}", fld, problem)


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


def load_catalogue(
    path: Path, ontology_dir: Path = ONTOLOGY_DIR, strict: bool = False
) -> Catalogue:
    """Read, parse and check a catalogue file.

    Args:
        path: the catalogue YAML.
        ontology_dir: where the thesaurus and value lists live.
        strict: notes are problems too (:func:`parse_catalogue`).

    Raises:
        CatalogueError: listing every problem found, each naming file, line, entry and field.
    """
    text = cleantext.read_text_file(path, cleantext.MAX_CATALOGUE_BYTES, "catalogue")
    return parse_catalogue(text, str(path), terms(ontology_dir), strict)
