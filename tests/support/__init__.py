"""What the tests share, defined once: the checkout's paths, the shared folder's inputs (a skip
outside CI, a failure in CI), fake settings and the built-catalogue helpers.

:mod:`tests.support.service` adds apps and real servers over one build; :mod:`tests.support.sparql`
the SPARQL tests' minimal app and the W3C data.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest

from cradle.core.datadir import Version
from cradle.core.errors import CatalogueError
from cradle.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "data" / "catalogue.yaml"
SHARED = Settings().shared_dir  # CRADLE_SHARED_DIR points elsewhere
SOURCE_DOCUMENT = SHARED / "000_7ea27756e6b4f046.txt"
#: Settings with the fake (hashing) embedder and nothing else changed.
FAKE = Settings.model_validate({"embedder": "fake"})
#: Greater Manchester's ten boroughs (locality ids).
GM_BOROUGHS = frozenset(
    [
        "bolton",
        "bury",
        "manchester",
        "oldham",
        "rochdale",
        "salford",
        "stockport",
        "tameside",
        "trafford",
        "wigan",
    ]
)
#: Fields every search hit has in the JSON (the whole list: tests/index/search_fields.json).
HIT_KEYS = frozenset(
    [
        "uri",
        "title",
        "summary",
        "score",
        "localities",
        "topics",
        "format",
        "publisher",
        "status",
        "why",
    ]
)


def in_ci() -> bool:
    """Whether the tests run in CI (``CI=true``, as .ci/run and most CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def shared(path: Path) -> Path:
    """``path`` from the shared inputs (../shared), or the test stops: skipped outside CI, failed
    in CI, where a missing shared folder must not pass quietly."""
    if not path.exists():
        if in_ci():
            pytest.fail(f"{path} is missing and CI is set: CI needs the shared inputs (../shared)")
        pytest.skip(f"{path} not found (skipped outside CI only; with CI=true this fails)")
    return path


def shared_or_none(path: Path) -> Path | None:
    """``path`` from the shared inputs, or None outside CI when it is missing (for a test that
    still checks the rest without it); in CI a missing path fails the test."""
    if not path.exists() and not in_ci():
        return None
    return shared(path)


def fake_settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    """Settings over ``data_dir`` (the default data dir when None) with the fake embedder and
    the curated catalogue."""
    values: dict[str, Any] = {"embedder": "fake", "catalogue": CATALOGUE}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings.model_validate(values | overrides)


def indexed_copy(
    graph_dir: Path, out: Path, settings: Settings = FAKE, embedder: Any = None
) -> Version:
    """A copy of a built graph's data dir (the session's ``graph_dir``) with its search index
    built into it (the fake embedder unless ``settings`` or ``embedder`` say otherwise)."""
    from cradle.index.build import build_index

    shutil.copytree(graph_dir, out, dirs_exist_ok=True)
    version = Version.at(out)
    build_index(version, settings, embedder=embedder)
    return version


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def catalogue_problems(path: Path) -> list[str]:
    """The problems loading the catalogue at ``path`` reports (it must report some)."""
    from cradle.graph.build.catalogue import load_catalogue

    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    return info.value.problems


def build_cmd(root: Path, catalogue: Path) -> list[str]:
    """``cradle build`` of ``catalogue`` into the data dir ``root``, as a command line."""
    import sys

    return [sys.executable, "-m", "cradle.cli", "build", "--catalogue", str(catalogue),
            "--data-dir", str(root)]  # fmt: skip  # a table: one command line
