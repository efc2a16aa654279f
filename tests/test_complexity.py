"""`make lint` (ruff with the project's pyproject.toml) fails on a function with cyclomatic
complexity above 15, so no such function comes back (issue 23)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint(source: str) -> subprocess.CompletedProcess[str]:
    """ruff on ``source`` as if it were a module of the graph stage, with the project's config."""
    return subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--stdin-filename", "graph/probe.py", "-"],
        input=source,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _function(branches: int) -> str:
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(branches))
    return f"def f(x: int) -> int:\n{body}    return -1\n"


def test_lint_fails_above_complexity_15() -> None:
    assert _lint(_function(14)).returncode == 0  # complexity 15
    done = _lint(_function(15))  # complexity 16
    assert done.returncode == 1
    assert "C901 `f` is too complex (16 > 15)" in done.stdout
