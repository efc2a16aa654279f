"""Data flows one way: foundation -> graph -> index -> service -> top (cli, api).

No module imports from a later stage. ``cradle.core`` is the foundation every stage may use;
the rest of ``cradle/`` (the CLI, the analyst API and the build across stages) is the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Module prefixes by stage, most specific first.
ORDER = (
    ("cradle.core", 0),
    ("cradle.graph", 1),
    ("cradle.index", 2),
    ("cradle.service", 3),
    ("cradle", 4),
)
#: Source folders and the stage of the modules in them (cradle/core is the foundation).
FOLDERS = {"cradle/core": 0, "graph": 1, "index": 2, "service": 3, "cradle": 4}
#: Package-data folders (cradle.ontology, cradle.queries, cradle.data): no code of their own.
DATA_PACKAGES = {"ontology", "queries", "data"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def stage_of(module: str) -> int | None:
    return next(
        (rank for name, rank in ORDER if module == name or module.startswith(name + ".")), None
    )


def _sources(folder: str) -> list[Path]:
    paths = sorted((ROOT / folder).rglob("*.py"))
    if folder == "cradle":  # its core/ subfolder is checked as the foundation
        paths = [p for p in paths if "core" not in p.relative_to(ROOT / folder).parts[:-1]]
    return paths


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_no_import_from_a_later_stage(folder: str) -> None:
    own = FOLDERS[folder]
    offenders = [
        f"{path.relative_to(ROOT)} imports {mod}"
        for path in _sources(folder)
        for mod in imported_modules(path)
        if (rank := stage_of(mod)) is not None and rank > own
    ]
    assert offenders == []


def test_every_source_folder_is_checked() -> None:
    packages = {p.parent.relative_to(ROOT).parts[0] for p in ROOT.glob("*/__init__.py")}
    assert packages - {"tests"} - DATA_PACKAGES <= {f.split("/")[0] for f in FOLDERS}


def test_data_packages_hold_no_code() -> None:
    code = [p for f in DATA_PACKAGES for p in (ROOT / f).rglob("*.py") if p.name != "__init__.py"]
    assert code == []


def test_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from cradle.service.app import create_app\nfrom cradle import Catalogue\n")
    assert sorted(stage_of(m) or 0 for m in imported_modules(bad)) == [3, 3, 4, 4]
