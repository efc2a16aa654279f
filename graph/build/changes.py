"""What changed since the previous build, recorded by every build in the data dir
(:attr:`cradle.core.datadir.Version.changes_file`) and shown at ``/changes`` (page and Atom feed).

The file holds a short fingerprint of every field of every entry at the last build (so the
next build can tell what changed without the old catalogue) and the list of builds that changed
something, newest first: ``{"date", "added", "removed", "changed": {id: [fields]}}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from cradle.core.datadir import Version
from cradle.graph.build.catalogue import Catalogue, Entry

KEEP_BUILDS = 100  # builds listed; older ones drop off the feed


def fingerprints(cat: Catalogue) -> dict[str, dict[str, str]]:
    """Entry id -> field -> a short digest of the field's value."""
    out = {}
    for e in cat.resources:
        values = e.model_dump(mode="json")
        out[e.id] = {
            f: hashlib.sha1(json.dumps(values[f], sort_keys=True).encode()).hexdigest()[:12]
            for f in Entry.model_fields
        }
    return out


def read_changes(version: Version | None) -> dict[str, Any]:
    """The changes file of a version (empty when there is none or it is damaged)."""
    if version is None:
        return {"fingerprints": None, "builds": []}
    try:
        body = json.loads(version.changes_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"fingerprints": None, "builds": []}
    if not isinstance(body, dict):
        return {"fingerprints": None, "builds": []}
    body.setdefault("builds", [])
    body.setdefault("fingerprints", None)
    return body


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
    before: dict[str, dict[str, str]] = old.get("fingerprints") or {}
    after = fingerprints(cat)
    changed = {}
    for ident, fields in after.items():
        if ident in before:
            diff = [f for f in fields if before[ident].get(f) != fields[f]]
            if diff:
                changed[ident] = diff
    record: dict[str, Any] | None = {
        "date": (when or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat(),
        "added": [i for i in after if i not in before],
        "removed": [i for i in before if i not in after],
        "changed": changed,
    }
    builds = list(old.get("builds") or [])
    if record and (record["added"] or record["removed"] or record["changed"]):
        builds.insert(0, record)
    else:
        record = None
    body = {"fingerprints": after, "builds": builds[:KEEP_BUILDS]}
    out.changes_file.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return record
