"""What changed since the previous build, recorded by every build in the data dir
(:attr:`cradle.core.datadir.Version.changes_file`) and shown at ``/changes`` (page and Atom feed).

The file holds every field of every entry at the last build (``values``: so the next build can
tell what changed, and show old -> new, without the old catalogue) and the list of builds that
changed something, newest first: ``{"date", "added", "removed", "removed_titles": {id: title},
"changed": {id: {field: {"old", "new"}}}}`` (and ``"first": true`` on the first build's, which
counts every entry as added): a removed entry's title is kept from the build
before, since the catalogue no longer has it. A file written before values were kept has
``fingerprints`` (a digest per field) instead: its next build names the changed fields with
``"old": null``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from cradle.core.datadir import Version
from cradle.graph.build.catalogue import Catalogue

KEEP_BUILDS = 100  # builds listed; older ones drop off the feed


def fingerprints_of(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Entry id -> field -> a short digest of the field's value, as files written before
    values were kept hold them (to compare a new build with such a file)."""
    return {
        ident: {
            f: hashlib.sha1(json.dumps(v, sort_keys=True).encode()).hexdigest()[:12]
            for f, v in fields.items()
        }
        for ident, fields in values.items()
    }


def entry_values(cat: Catalogue) -> dict[str, dict[str, Any]]:
    """Entry id -> field -> its value as JSON (dates as YYYY-MM-DD)."""
    return {e.id: e.model_dump(mode="json") for e in cat.resources}


def _empty() -> dict[str, Any]:
    return {"values": None, "fingerprints": None, "builds": []}


def read_changes(version: Version | None) -> dict[str, Any]:
    """The changes file of a version (empty when there is none or it is damaged); builds
    recorded before values were kept (``changed: {id: [fields]}``) read as fields without
    values (``{field: {}}``)."""
    if version is None:
        return _empty()
    try:
        body = json.loads(version.changes_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _empty()
    if not isinstance(body, dict):
        return _empty()
    body = _empty() | body
    for build in body["builds"]:
        changed = build.get("changed") or {}
        build["changed"] = {
            ident: {f: {} for f in fields} if isinstance(fields, list) else fields
            for ident, fields in changed.items()
        }
    return body


def _changed(old: dict[str, Any], after: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Entry id -> field -> ``{"old", "new"}`` for the entries in both builds whose fields
    differ (old values unknown, null, when the previous file kept only fingerprints)."""
    before = old.get("values")
    prints = old.get("fingerprints") or {}
    # digests only to compare with a file that kept them: a first build has nothing to compare
    now = fingerprints_of(after) if before is None and prints else {}
    out = {}
    for ident, values in after.items():
        if before is not None and ident in before:
            fields = [f for f in values if before[ident].get(f) != values[f]]
            out[ident] = {f: {"old": before[ident].get(f), "new": values[f]} for f in fields}
        elif before is None and ident in prints:
            fields = [f for f in values if prints[ident].get(f) != now[ident][f]]
            out[ident] = {f: {"old": None, "new": values[f]} for f in fields}
    return {i: c for i, c in out.items() if c}


def record_changes(
    cat: Catalogue, previous: Version | None, out: Version, when: dt.datetime | None = None
) -> dict[str, Any] | None:
    """Write ``out``'s changes file: the previous build's history plus, when something
    changed, what (the first build counts every entry as added).

    Args:
        cat: the catalogue being built.
        previous: the version built before (None: this is the first).
        out: the version being built.
        when: the build's time (now, UTC, when None).

    Returns:
        This build's record, or None when nothing changed.
    """
    old = read_changes(previous)
    before = list(old.get("values") or old.get("fingerprints") or {})
    after = entry_values(cat)
    changed = _changed(old, after)
    removed = [i for i in before if i not in after]
    values = old.get("values") or {}
    record: dict[str, Any] | None = {
        "date": (when or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat(),
        "added": [i for i in after if i not in before],
        "removed": removed,
        "removed_titles": {
            i: values[i]["title"] for i in removed if values.get(i, {}).get("title")
        },
        "changed": changed,
        **({"first": True} if not before else {}),  # the first build: every entry is "added"
    }
    builds = list(old.get("builds") or [])
    if record and (record["added"] or record["removed"] or record["changed"]):
        builds.insert(0, record)
    else:
        record = None
    body = {"values": after, "builds": builds[:KEEP_BUILDS]}
    out.changes_file.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return record
