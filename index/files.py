"""How the search index's pieces are written and read (their names and places in a version
are :mod:`cradle.core.datadir`'s)."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from cradle.core.datadir import Version
from cradle.index.corpus import Resource, Vocabulary


def tree_sha256(folder: Path) -> str:
    """Digest of every file under ``folder`` (relative names and contents, in sorted order)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def write_meta(version: Version, resources: list[Resource], vocab: Vocabulary) -> None:
    """Write the resources and vocabularies search shows and filters on."""
    data = {"resources": [asdict(r) for r in resources], "vocabulary": asdict(vocab)}
    version.meta_file.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


#: Resource fields holding ids of controlled terms: a few hundred values over 100k resources.
_TERM_FIELDS = ("publisher", "locality", "format", "status", "kind")
_TERM_LISTS = ("adopted_in", "topics", "audience")


_TEXTS = ("title", "summary", "link_text")


def _shared(r: dict[str, Any]) -> dict[str, Any]:
    """``r`` with its term ids interned: one string per id, not one per mention.

    Its texts are interned too: a server has loaded the same titles and descriptions for its
    pages already (:mod:`cradle.graph.read.readmodel` interns them), and keeps one copy. What it
    saves at 100k: bench/findings.md ("Measurements moved from code comments").
    """
    for name in _TEXTS:
        if isinstance(r.get(name), str):
            r[name] = sys.intern(r[name])
    for name in _TERM_FIELDS:
        if isinstance(r.get(name), str):
            r[name] = sys.intern(r[name])
    for name in _TERM_LISTS:
        if isinstance(r.get(name), list):
            r[name] = [sys.intern(v) if isinstance(v, str) else v for v in r[name]]
    return r


def read_meta(version: Version) -> tuple[list[Resource], Vocabulary]:
    """Read what :func:`write_meta` wrote."""
    data: dict[str, Any] = json.loads(version.meta_file.read_text())
    resources = [Resource(**_shared(r)) for r in data["resources"]]
    return resources, Vocabulary(**data["vocabulary"])
