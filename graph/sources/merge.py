"""Compare two catalogues (``cradle diff``) and merge a new import of the source document into
the curated catalogue (``cradle import NEWDOC --merge``).

An imported entry is matched to a curated one by its place and title (exactly, ignoring case and
spacing, else the closest title in the same place). When the document's own fields
(:data:`DOCUMENT_FIELDS`) did not change, the curated entry is kept whole: its reviewed id,
topics, audiences, urls and review dates. When they changed, the entry keeps its id, web address
and curated topics, takes the document's new text, and its topics are marked as suggested again
(to be looked at); new entries come with suggested topics.
"""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz

from cradle.graph.build.catalogue import Catalogue, Entry, Organisation

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
#: Fields staff curate, kept from the curated entry when the document's did not change.
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
)
TITLE_MATCH = 90  # rapidfuzz ratio at or above which two titles in one place are the same entry


def _values(cat: Catalogue, e: Entry) -> dict[str, Any]:
    """An entry's fields, with its publisher as the organisation's name (ids differ between an
    import and the curated catalogue; names do not)."""
    names = {o.id: o.name for o in cat.organisations}
    data = e.model_dump()
    data["publisher"] = names.get(e.publisher or "", e.publisher)
    return data


def diff_catalogues(old: Catalogue, new: Catalogue) -> dict[str, Any]:
    """What changed from ``old`` to ``new``, entry by entry (matched by id).

    Returns:
        ``{"added": [ids], "removed": [ids], "changed": {id: [fields]}}``, ids in catalogue
        order, fields in the model's order.
    """
    before = {e.id: _values(old, e) for e in old.resources}
    after = {e.id: _values(new, e) for e in new.resources}
    changed = {}
    for ident, values in after.items():
        if ident in before:
            fields = [f for f in Entry.model_fields if before[ident].get(f) != values.get(f)]
            if fields:
                changed[ident] = fields
    return {
        "added": [i for i in after if i not in before],
        "removed": [i for i in before if i not in after],
        "changed": changed,
    }


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _match(curated: Catalogue, imported: Catalogue) -> dict[int, Entry]:
    """Imported entry index -> the curated entry it is."""
    by_key: dict[tuple[str, str], Entry] = {}
    for e in curated.resources:
        by_key.setdefault((e.locality, _key(e.title)), e)
    taken: set[str] = set()
    out: dict[int, Entry] = {}
    for i, e in enumerate(imported.resources):
        hit = by_key.get((e.locality, _key(e.title)))
        if hit is not None and hit.id not in taken:
            out[i] = hit
            taken.add(hit.id)
    for i, e in enumerate(imported.resources):
        if i in out:
            continue
        best, score = None, 0.0
        for c in curated.resources:
            if c.id in taken or c.locality != e.locality:
                continue
            s = fuzz.ratio(_key(c.title), _key(e.title))
            if s > score:
                best, score = c, s
        if best is not None and score >= TITLE_MATCH:
            out[i] = best
            taken.add(best.id)
    return out


def merge_import(curated: Catalogue, imported: Catalogue) -> Catalogue:
    """The curated catalogue brought up to date with a new import of the document.

    Args:
        curated: the catalogue staff keep (``data/catalogue.yaml``).
        imported: what ``cradle import`` read from the new version of the document.

    Returns:
        The merged catalogue: the imported entries in the document's order, curated fields kept
        as the module describes; entries no longer in the document are left out.
    """
    matches = _match(curated, imported)
    org_ids = {o.name.lower(): o.id for o in curated.organisations}
    imported_names = {o.id: o.name for o in imported.organisations}
    orgs = list(curated.organisations)
    used_ids = {e.id for e in curated.resources}
    out: list[Entry] = []
    for i, new in enumerate(imported.resources):
        data = new.model_dump()
        if new.publisher:
            name = imported_names.get(new.publisher, new.publisher)
            if name.lower() not in org_ids:
                oid = new.publisher
                while oid in {o.id for o in orgs}:
                    oid += "-2"
                orgs.append(Organisation(id=oid, name=name))
                org_ids[name.lower()] = oid
            data["publisher"] = org_ids[name.lower()]
        old = matches.get(i)
        if old is None:
            ident = data["id"]
            while ident in used_ids:
                ident += "-2"
            used_ids.add(ident)
            data["id"], data["topics_suggested"] = ident, True
            out.append(Entry.model_validate(data))
            continue
        same = all(getattr(old, f) == data[f] for f in DOCUMENT_FIELDS)
        if same:
            out.append(old)
            continue
        for f in CURATED_FIELDS:
            data[f] = getattr(old, f)
        data["topics_suggested"] = True  # the text changed: look at the topics again
        data["reviewed"] = None
        out.append(Entry.model_validate(data))
    header = curated.catalogue.model_copy(
        update={
            "source_document": imported.catalogue.source_document,
            "source_sha256": imported.catalogue.source_sha256,
            "modified": imported.catalogue.modified,
        }
    )
    return Catalogue(
        catalogue=header,
        organisations=orgs,
        localities=curated.localities,
        resources=out,
    )
