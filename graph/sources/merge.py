"""Compare two catalogues (``cradle diff``) and merge a new import of the source document into
the curated catalogue (``cradle import NEWDOC --merge``).

Each row of the new document is matched to a curated entry in three steps, and each match says
how it was made and how sure it is (:class:`Match`):

1. **id**: the row's imported id is a curated entry's id, in the same place;
2. **title**: the closest title among the curated entries of the same place and publisher, at
   or above :data:`TITLE_MATCH`; when two candidates are nearly as close (within
   :data:`AMBIGUOUS_MARGIN`) the row is listed for a person to decide, never guessed;
3. **position**: a row left over between two matched rows (or a matched row and the document's
   start or end), with exactly one curated entry of the same place left over between the same
   two entries, is that entry (a retitled row) when their titles are at least
   :data:`POSITION_MATCH` alike; more than one either side, or titles less alike, is ambiguous,
   listed for a person.

A matched entry keeps what staff curated (:data:`CURATED_FIELDS`: its id, so its web address,
url, topics, audiences, review dates) and takes the document's fields (:data:`DOCUMENT_FIELDS`);
when those changed its topics are marked as suggested again, to be looked at. New rows come with
suggested topics. Curated entries the new document does not have (hand-added ones, or rows the
partnership removed) are kept where they were and listed, unless ``drop_missing``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rapidfuzz import fuzz

from cradle.core.errors import CatalogueError
from cradle.graph.build.catalogue import Catalogue, Entry, Header, LocalityDef, Organisation

#: Fields whose values come from the source document (the rest are curated by staff).
DOCUMENT_FIELDS = (
    "title",
    "publisher",
    "summary",
    "format",
    "link_text",
    "link_domain",
    "locality",
    "status",
    "status_note",
    "expected",
    "date",
    "period",
)
#: Fields staff curate, kept from the curated entry whatever the document says.
CURATED_FIELDS = (
    "id",
    "kind",
    "topics",
    "topics_suggested",
    "audience",
    "adopted_in",
    "url",
    "url_checked",
    "reviewed",
    "review_every",
    "status_since",
    "intended_for",
    "referral_criteria",
)
#: Title similarity (:func:`title_similarity`, 0-100) at or above which two titles of one place
#: and publisher are the same entry; chosen on the shipped document (bench/findings.md, "Merging").
TITLE_MATCH = 85
#: Two candidates this close in title similarity are ambiguous: a person decides.
AMBIGUOUS_MARGIN = 3
#: A row matched by position needs a title at least this alike (``fuzz.ratio``) to the entry's;
#: below it the two are listed for a person (a row removed and another added in its place
#: would otherwise turn one resource into another).
POSITION_MATCH = 40

MatchKind = Literal["id", "title", "position"]


@dataclass(frozen=True)
class Match:
    """One row of the new document matched to a curated entry.

    Attributes:
        row: the row's index among the imported entries.
        entry: the curated entry's id.
        kind: how it was matched: ``id``, ``title`` or ``position``.
        confidence: 0-100: 100 for an id or identical title, else the titles' similarity.
        title: the row's title in the new document.
        was: the entry's title in the curated catalogue.
    """

    row: int
    entry: str
    kind: MatchKind
    confidence: int
    title: str
    was: str


@dataclass(frozen=True)
class Ambiguous:
    """A row that could be any of several curated entries: a person decides."""

    row: int
    title: str
    candidates: tuple[str, ...]


@dataclass
class MergeReport:
    """What a merge did, for the person who runs it.

    Attributes:
        matches: every matched row, in document order.
        added: ids of the rows that matched no entry (new entries).
        kept: ids of curated entries not in the new document, kept.
        dropped: ids of curated entries not in the new document, dropped (``drop_missing``).
        ambiguous: rows that could be several entries (added as new; the candidates kept).
    """

    matches: list[Match] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    ambiguous: list[Ambiguous] = field(default_factory=list)


def _values(cat: Catalogue, e: Entry) -> dict[str, Any]:
    """An entry's fields, with its publisher as the organisation's name (ids differ between an
    import and the curated catalogue; names do not)."""
    names = {o.id: o.name for o in cat.organisations}
    data = e.model_dump(mode="json")
    data["publisher"] = names.get(e.publisher or "", e.publisher)
    return data


def diff_catalogues(old: Catalogue, new: Catalogue) -> dict[str, Any]:
    """What changed from ``old`` to ``new``: entries, organisations and localities (each
    matched by id) and the catalogue's header.

    Returns:
        ``{"added": [ids], "removed": [ids], "changed": {id: {field: {"old", "new"}}},
        "organisations": {"added", "removed", "changed"}, "localities": {...}, "catalogue":
        {field: {"old", "new"}}}`` (the first three for entries), ids in catalogue order,
        fields in the model's order, values as JSON values (dates as YYYY-MM-DD; a field left
        out is null).
    """
    entries = _by_id(
        {e.id: _values(old, e) for e in old.resources},
        {e.id: _values(new, e) for e in new.resources},
        list(Entry.model_fields),
    )
    return entries | {
        "organisations": _by_id(
            {o.id: o.model_dump(mode="json") for o in old.organisations},
            {o.id: o.model_dump(mode="json") for o in new.organisations},
            list(Organisation.model_fields),
        ),
        "localities": _by_id(
            {x.id: x.model_dump(mode="json") for x in old.localities},
            {x.id: x.model_dump(mode="json") for x in new.localities},
            list(LocalityDef.model_fields),
        ),
        "catalogue": _changed_fields(
            old.catalogue.model_dump(mode="json"),
            new.catalogue.model_dump(mode="json"),
            list(Header.model_fields),
        ),
    }


def _changed_fields(
    before: dict[str, Any], after: dict[str, Any], fields: list[str]
) -> dict[str, dict[str, Any]]:
    """Each of ``fields`` whose value differs: ``{field: {"old", "new"}}``."""
    return {
        f: {"old": before.get(f), "new": after.get(f)}
        for f in fields
        if before.get(f) != after.get(f)
    }


def _by_id(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], fields: list[str]
) -> dict[str, Any]:
    """Items added, removed and changed (field by field) from ``before`` to ``after``."""
    changed = {}
    for ident, values in after.items():
        if ident in before:
            found = _changed_fields(before[ident], values, fields)
            if found:
                changed[ident] = found
    return {
        "added": [i for i in after if i not in before],
        "removed": [i for i in before if i not in after],
        "changed": changed,
    }


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def title_similarity(a: str, b: str) -> int:
    """0-100: 100 for the same words, else the mean of rapidfuzz's token-set ratio (a title with
    words added reads as close) and plain ratio (so that a short title inside a long one does
    not read as the same), capped at 99."""
    x, y = _key(a), _key(b)
    if x == y:
        return 100
    return min(99, round((fuzz.token_set_ratio(x, y) + fuzz.ratio(x, y)) / 2))


class _Matcher:
    """The three matching steps over one curated catalogue and one import."""

    def __init__(self, curated: Catalogue, imported: Catalogue) -> None:
        self.cur = curated.resources
        self.imp = imported.resources
        cur_names = {o.id: _key(o.name) for o in curated.organisations}
        imp_names = {o.id: _key(o.name) for o in imported.organisations}
        self.cur_pub = [cur_names.get(e.publisher or "", "") for e in self.cur]
        self.imp_pub = [imp_names.get(e.publisher or "", "") for e in self.imp]
        self.by_place: dict[str, list[int]] = {}  # locality -> curated indexes, in order
        for at, c in enumerate(self.cur):
            self.by_place.setdefault(c.locality, []).append(at)
        self.at_of = {c.id: at for at, c in enumerate(self.cur)}
        self.row_of: dict[int, int] = {}  # curated index -> row
        self.found: dict[int, Match] = {}  # row -> match
        self.report = MergeReport()

    def take(self, row: int, at: int, kind: MatchKind, confidence: int) -> None:
        title, was = self.imp[row].title, self.cur[at].title
        self.found[row] = Match(row, self.cur[at].id, kind, confidence, title, was)
        self.row_of[at] = row

    def by_id(self) -> None:
        index = {e.id: n for n, e in enumerate(self.cur)}
        for row, e in enumerate(self.imp):
            at = index.get(e.id)
            if at is not None and self.cur[at].locality == e.locality:
                self.take(row, at, "id", 100)

    def _candidates(self, row: int) -> list[tuple[int, int]]:
        """(score, curated index) of the free curated entries of the row's place and
        publisher whose title is close enough, best first."""
        e = self.imp[row]
        out = []
        for at in self.by_place.get(e.locality, []):
            c = self.cur[at]
            if at in self.row_of:
                continue
            if self.cur_pub[at] and self.imp_pub[row] and self.cur_pub[at] != self.imp_pub[row]:
                continue
            score = title_similarity(c.title, e.title)
            if score >= TITLE_MATCH:
                out.append((score, at))
        return sorted(out, reverse=True)

    def by_same_title(self) -> None:
        """Rows whose title is, word for word, the title of a free entry of the same place and
        publisher (most rows of a new version): matched at once, without comparing them with
        every other title; several entries of one title are taken in the order they come."""
        index: dict[tuple[str, str, str], list[int]] = {}
        for at, c in enumerate(self.cur):
            if at not in self.row_of:
                index.setdefault((c.locality, self.cur_pub[at], _key(c.title)), []).append(at)
        for row, e in enumerate(self.imp):
            hits = index.get((e.locality, self.imp_pub[row], _key(e.title)))
            if row not in self.found and hits:
                self.take(row, hits.pop(0), "title", 100)

    def by_title(self) -> None:
        pending = [r for r in range(len(self.imp)) if r not in self.found]
        # the surest first, so a close call never takes an entry an identical title would
        best = {r: max((s for s, _ in self._candidates(r)), default=0) for r in pending}
        for row in sorted(pending, key=lambda r: -best[r]):
            cands = self._candidates(row)  # again: earlier rows may have taken some
            if not cands:
                continue
            if (
                len(cands) > 1
                and cands[0][0] < 100
                and cands[0][0] - cands[1][0] <= AMBIGUOUS_MARGIN
            ):
                ids = tuple(self.cur[at].id for _, at in cands[:3])
                self.report.ambiguous.append(Ambiguous(row, self.imp[row].title, ids))
                continue
            self.take(row, cands[0][1], "title", cands[0][0])

    def by_position(self) -> None:
        decided = {a.row for a in self.report.ambiguous}
        rows = sorted(self.found)
        bounds = [-1, *rows, len(self.imp)]  # the document's ends bound the first and last
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            left = [r for r in range(lo + 1, hi) if r not in decided]
            if not left:
                continue
            c_lo = self._at(lo, -1)
            c_hi = self._at(hi, len(self.cur))
            for place in dict.fromkeys(self.imp[r].locality for r in left):
                here = [r for r in left if self.imp[r].locality == place]
                free = [a for a in range(c_lo + 1, c_hi)
                        if a not in self.row_of and self.cur[a].locality == place]  # fmt: skip
                score = 0
                if len(here) == 1 and len(free) == 1:
                    score = round(
                        fuzz.ratio(_key(self.cur[free[0]].title), _key(self.imp[here[0]].title))
                    )
                if score >= POSITION_MATCH:
                    self.take(here[0], free[0], "position", score)
                elif here and free:
                    ids = tuple(self.cur[a].id for a in free[:3])
                    self.report.ambiguous += [Ambiguous(r, self.imp[r].title, ids) for r in here]

    def _at(self, row: int, default: int) -> int:
        m = self.found.get(row)
        return default if m is None else self.at_of[m.entry]


def match_rows(curated: Catalogue, imported: Catalogue) -> tuple[dict[int, Match], MergeReport]:
    """Match the rows of a new import to curated entries (the module describes the steps).

    Returns:
        Row index -> its match, and a report holding the ambiguous rows.
    """
    m = _Matcher(curated, imported)
    m.by_id()
    m.by_same_title()
    m.by_title()
    m.by_position()
    m.report.matches = [m.found[r] for r in sorted(m.found)]
    m.report.ambiguous.sort(key=lambda a: a.row)
    return m.found, m.report


def _publisher(
    new: Entry, imported: Catalogue, orgs: list[Organisation], org_ids: dict[str, str]
) -> str | None:
    """The curated organisation id of an imported row's publisher (added when new)."""
    if not new.publisher:
        return None
    name = next((o.name for o in imported.organisations if o.id == new.publisher), new.publisher)
    if name.lower() not in org_ids:
        oid, taken = new.publisher, {o.id for o in orgs}
        while oid in taken:
            oid += "-2"
        orgs.append(Organisation(id=oid, name=name))
        org_ids[name.lower()] = oid
    return org_ids[name.lower()]


def _merged_entry(old: Entry | None, data: dict[str, Any], used_ids: set[str]) -> Entry:
    """A row's entry: new (a free id, topics suggested) or the curated one brought up to date."""
    if old is None:
        ident = data["id"]
        while ident in used_ids:
            ident += "-2"
        used_ids.add(ident)
        data["id"], data["topics_suggested"] = ident, True
        return Entry.model_validate(data)
    if all(getattr(old, f) == data[f] for f in DOCUMENT_FIELDS):
        return old
    for f in CURATED_FIELDS:
        data[f] = getattr(old, f)
    data["topics_suggested"] = True  # the text changed: look at the topics again
    return Entry.model_validate(data)


def merge_import(
    curated: Catalogue,
    imported: Catalogue,
    drop_missing: bool = False,
    drop: Sequence[str] = (),
) -> tuple[Catalogue, MergeReport]:
    """The curated catalogue brought up to date with a new import of the document.

    Args:
        curated: the catalogue staff keep (``data/catalogue.yaml``).
        imported: what ``cradle import`` read from the new version of the document.
        drop_missing: leave out the curated entries the new document does not have (they are
            kept, where they were, otherwise).
        drop: leave out these of them only (the rows the partnership took out), keeping the
            others (entries added by hand).

    Returns:
        The merged catalogue (the document's order, kept entries after the entry they followed)
        and what the merge did.

    Raises:
        CatalogueError: an id of ``drop`` is not one of the entries the new document does not
            have (the message lists those).
    """
    matches, report = match_rows(curated, imported)
    orgs = list(curated.organisations)
    org_ids = {o.name.lower(): o.id for o in orgs}
    used_ids = {e.id for e in curated.resources}
    by_id = {e.id: e for e in curated.resources}
    out: list[Entry] = []
    for i, new in enumerate(imported.resources):
        data = new.model_dump()
        data["publisher"] = _publisher(new, imported, orgs, org_ids)
        m = matches.get(i)
        entry = _merged_entry(by_id[m.entry] if m else None, data, used_ids)
        if m is None:
            report.added.append(entry.id)
        out.append(entry)
    matched = {m.entry for m in matches.values()}
    missing = [e for e in curated.resources if e.id not in matched]
    unknown = [d for d in drop if d not in {e.id for e in missing}]
    if unknown:
        listed = ", ".join(e.id for e in missing) or "none"
        raise CatalogueError(
            [f"--drop {d}: not an entry the new document leaves out; those are: {listed}"
             for d in unknown]
        )  # fmt: skip
    gone = [e for e in missing if drop_missing or e.id in drop]
    report.dropped = [e.id for e in gone]
    dropped = set(report.dropped)
    report.kept = [e.id for e in missing if e.id not in dropped]
    out = _keep_in_place(curated.resources, out, set(report.kept))
    header = curated.catalogue.model_copy(
        update={
            "source_document": imported.catalogue.source_document,
            "source_sha256": imported.catalogue.source_sha256,
            "modified": imported.catalogue.modified,
        }
    )
    merged = Catalogue(
        catalogue=header, organisations=orgs, localities=curated.localities, resources=out
    )
    return merged, report


def _keep_in_place(curated: list[Entry], out: list[Entry], kept: set[str]) -> list[Entry]:
    """``out`` with each kept curated entry put back after the entry it followed."""
    result = list(out)
    for n, e in enumerate(curated):
        if e.id not in kept:
            continue
        ids = [x.id for x in result]
        before = next((c.id for c in reversed(curated[:n]) if c.id in ids), None)
        result.insert(ids.index(before) + 1 if before else 0, e)
    return result


def render_merge(report: MergeReport, imported: Catalogue) -> str:
    """What a merge did, in plain lines: the matches a person should look at (by title when not
    identical, by position), new rows, kept and dropped entries, and ambiguous rows."""
    retitled = [m for m in report.matches if m.title != m.was]
    same = len(report.matches) - len(retitled)
    lines = [f"{len(imported.resources)} rows in the new document: {same} matched an entry with "
             "the same title"]  # fmt: skip
    for m in retitled:
        how = "" if m.kind == "id" else f" (titles {m.confidence}% alike)"
        lines.append(f"matched by {m.kind}{how}: {m.entry}: {m.was!r} -> {m.title!r}")
    lines += [f"new: {i}" for i in report.added]
    lines += [f"not in the new document (kept; --drop {i} removes it, --drop-missing all): {i}"
              for i in report.kept]  # fmt: skip
    lines += [f"not in the new document (dropped): {i}" for i in report.dropped]
    for a in report.ambiguous:
        lines.append(
            f"ambiguous: {a.title!r} could be {' or '.join(a.candidates)}: added as a new entry; "
            "decide by hand which it is and delete the other"
        )
    return "\n".join(lines) + "\n"
