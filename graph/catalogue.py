"""The curated catalogue (``data/catalogue.yaml``): its model, loading and checks.

Every problem is reported as ``FILE: entry <id>: <field>: <what is wrong>`` so a maintainer can
find and fix it; nothing downstream runs on a catalogue with problems.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cradle.core.errors import CatalogueError
from cradle.core.settings import ONTOLOGY_DIR
from cradle.graph.ontology import Terms, terms

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
YEAR_MONTH = re.compile(r"^\d{4}(-\d{2})?$")
PERIOD = re.compile(r"^\d{4}/\d{4}$")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    """One catalogue entry: a piece of good practice."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str = Field(min_length=1)
    publisher: str | None = None
    summary: str = ""
    kind: str | None = None
    format: str = "none"
    link_text: str | None = None
    link_domain: str | None = None
    locality: str
    adopted_in: list[str] = Field(default_factory=list)
    status: str = "available"
    status_note: str | None = None
    expected: str | None = None
    date: str | None = None
    period: str | None = None
    topics: list[str] = Field(default_factory=list)
    topics_suggested: bool = False
    audience: list[str] = Field(default_factory=list)


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


class Catalogue(BaseModel):
    """The whole catalogue file."""

    model_config = ConfigDict(extra="forbid")
    catalogue: Header
    organisations: list[Organisation] = Field(default_factory=list)
    localities: list[LocalityDef] = Field(default_factory=list)
    resources: list[Entry]


def _field_path(loc: tuple[Any, ...], raw: dict[str, Any]) -> str:
    """Turn a pydantic error location into ``entry <id>: <field>``."""
    if len(loc) >= 2 and loc[0] in ("resources", "organisations") and isinstance(loc[1], int):
        items = raw.get(loc[0]) or []
        item = items[loc[1]] if loc[1] < len(items) else {}
        ident = item.get("id", f"#{loc[1] + 1}") if isinstance(item, dict) else f"#{loc[1] + 1}"
        what = "entry" if loc[0] == "resources" else "organisation"
        rest = ".".join(str(p) for p in loc[2:]) or "(whole entry)"
        return f"{what} {ident}: {rest}"
    return ".".join(str(p) for p in loc) or "(file)"


def parse_catalogue(text: str, source: str = "<catalogue>") -> Catalogue:
    """Parse catalogue YAML text into a model, checking its structure only.

    Raises:
        CatalogueError: malformed YAML or fields of the wrong shape.
    """
    try:
        raw = yaml.load(text, Loader=_LOADER)  # libyaml when present: 4x faster at 100k
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise CatalogueError([f"{source}: {where}: malformed YAML: {problem}"]) from None
    if not isinstance(raw, dict):
        raise CatalogueError(
            [f"{source}: (file): expected a mapping with 'catalogue' and 'resources' at the top"]
        )
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{source}: {_field_path(tuple(e['loc']), raw)}: {e['msg']}" for e in exc.errors()
        ]
        raise CatalogueError(problems) from None


def check_catalogue(cat: Catalogue, vocab: Terms, source: str = "<catalogue>") -> list[str]:
    """Check every reference in the catalogue against the ontology's terms.

    Returns:
        One line per problem; empty when the catalogue is sound.
    """
    problems: list[str] = []
    orgs = {o.id for o in cat.organisations}
    places = dict(vocab.localities)
    for loc in cat.localities:
        if loc.id in places:
            problems.append(f"{source}: locality {loc.id}: id: already defined")
        places[loc.id] = loc.name
    for loc in cat.localities:
        if loc.within not in places:
            problems.append(f"{source}: locality {loc.id}: within: unknown locality {loc.within!r}")
    if cat.catalogue.area is not None and cat.catalogue.area not in places:
        problems.append(
            f"{source}: catalogue: area: unknown locality {cat.catalogue.area!r}; "
            "use a locality id such as 'greater-manchester' or 'england'"
        )

    def bad(ident: str, fld: str, what: str) -> None:
        problems.append(f"{source}: entry {ident}: {fld}: {what}")

    def known(ident: str, fld: str, value: str, allowed: dict[str, str] | set[str]) -> None:
        if value not in allowed:
            bad(ident, fld, f"unknown value {value!r}; valid: {', '.join(sorted(allowed))}")

    for org_id, n in Counter(o.id for o in cat.organisations).items():
        if n > 1:
            problems.append(f"{source}: organisation {org_id}: id: duplicate id ({n} times)")
    for ident, n in Counter(e.id for e in cat.resources).items():
        if n > 1:
            bad(ident, "id", f"duplicate id ({n} times); ids must be unique")
    for e in cat.resources:
        if not SLUG.match(e.id):
            bad(e.id, "id", "must be a lower-case slug such as 'safer-sleep-video'")
        if not e.title.strip():
            bad(e.id, "title", "missing title")
        if e.publisher is not None:
            known(e.id, "publisher", e.publisher, orgs)
        known(e.id, "locality", e.locality, places)
        for place in e.adopted_in:
            known(e.id, "adopted_in", place, places)
        known(e.id, "format", e.format, vocab.formats)
        if e.kind is not None:
            known(e.id, "kind", e.kind, vocab.kinds)
        known(e.id, "status", e.status, vocab.statuses)
        for t in e.topics:
            known(e.id, "topics", t, vocab.topics)
        if not e.topics:
            bad(e.id, "topics", "at least one topic is needed")
        for a in e.audience:
            known(e.id, "audience", a, vocab.audiences)
        for fld in ("date", "expected"):
            value = getattr(e, fld)
            if value is not None and not YEAR_MONTH.match(value):
                bad(e.id, fld, f"{value!r} is not YYYY or YYYY-MM")
        if e.period is not None and not PERIOD.match(e.period):
            bad(e.id, "period", f"{e.period!r} is not YYYY/YYYY")
    return problems


def load_catalogue(path: Path, ontology_dir: Path = ONTOLOGY_DIR) -> Catalogue:
    """Read, parse and check a catalogue file.

    Args:
        path: the catalogue YAML.
        ontology_dir: where the thesaurus and value lists live.

    Raises:
        CatalogueError: listing every problem found, each naming file, entry and field.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError([f"{path}: (file): cannot read: {exc.__class__.__name__}"]) from None
    cat = parse_catalogue(text, str(path))
    problems = check_catalogue(cat, terms(ontology_dir), str(path))
    if problems:
        raise CatalogueError(problems)
    return cat


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
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: same text, much faster
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
