"""Data flows one way: graph -> index -> service. No module imports from a later stage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = {"cradle.graph": 0, "cradle.index": 1, "cradle.service": 2}
STAGES = {"graph": 0, "index": 1, "service": 2}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def stage_of(module: str) -> int | None:
    return next((rank for name, rank in ORDER.items() if module.startswith(name)), None)


@pytest.mark.parametrize("folder", sorted(STAGES))
def test_no_import_from_a_later_stage(folder: str) -> None:
    own = STAGES[folder]
    offenders = [
        f"{path.relative_to(ROOT)} imports {mod}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        for mod in imported_modules(path)
        if (rank := stage_of(mod)) is not None and rank > own
    ]
    assert offenders == []


def test_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from cradle.service.app import create_app\n")
    assert stage_of(next(iter(imported_modules(bad)))) == 2
