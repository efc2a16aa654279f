"""What changed since the previous build, recorded by every build in the data dir
(:data:`cradle.graph.datafiles.CHANGES_FILE`) and shown at ``/changes`` (page and Atom feed).

The file holds a short fingerprint of every field of every entry at the last build (so the
next build can tell what changed without the old catalogue) and the list of builds that changed
something, newest first: ``{"date", "added", "removed", "changed": {id: [fields]}}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from cradle.graph.catalogue import Catalogue, Entry
from cradle.graph.datafiles import CHANGES_FILE

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


def read_changes(data_dir: Path) -> dict[str, Any]:
    """The changes file of a data dir (empty when there is none or it is damaged)."""
    try:
        body = json.loads((data_dir / CHANGES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"fingerprints": None, "builds": []}
    if not isinstance(body, dict):
        return {"fingerprints": None, "builds": []}
    body.setdefault("builds", [])
    body.setdefault("fingerprints", None)
    return body


def record_changes(
    cat: Catalogue, previous: Path | None, out_dir: Path, when: dt.datetime | None = None
) -> dict[str, Any] | None:
    """Write ``out_dir/CHANGES_FILE``: the previous build's history plus, when something
    changed, what (the first build counts every entry as added).

    Args:
        cat: the catalogue being built.
        previous: the data dir of the previous build (None or empty: this is the first).
        out_dir: where this build's files go.
        when: the build's time (now, UTC, when None).

    Returns:
        This build's record, or None when nothing changed.
    """
    old = read_changes(previous) if previous is not None else {"fingerprints": None, "builds": []}
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
    (out_dir / CHANGES_FILE).write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return record
