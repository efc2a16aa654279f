"""The shared inputs (../shared) fail loudly in CI: :func:`tests.support.shared` skips a test
outside CI and fails it with ``CI=true`` (which .ci/run sets), and every test file that names a
shared path goes through it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import ROOT, shared, shared_or_none

#: Names of paths in the shared folder (tests.support, tests.support.sparql).
SHARED_NAMES = re.compile(r"\b(?:SHARED|SOURCE_DOCUMENT|W3C_DIR|MANIFEST)\b")
#: How a test asks for them.
ASKS = re.compile(r"\b(?:shared|shared_or_none)\(|\bin_ci\(\)")


def test_a_missing_shared_path_skips_outside_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="skipped outside CI only"):
        shared(tmp_path / "absent")
    assert shared_or_none(tmp_path / "absent") is None
    assert shared(tmp_path) == tmp_path


def test_a_missing_shared_path_fails_in_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI needs the shared inputs"):
        shared(tmp_path / "absent")
    with pytest.raises(pytest.fail.Exception):
        shared_or_none(tmp_path / "absent")


def test_ci_run_sets_ci() -> None:
    assert re.search(r"^export CI=true\b", (ROOT / ".ci" / "run").read_text(), re.MULTILINE)


def test_every_test_naming_a_shared_path_asks_shared() -> None:
    """No ``if path.exists()`` beside a shared path: a file that names one calls ``shared()``
    (or decides by ``in_ci()``), so CI never passes with the folder missing."""
    quiet = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.parent.name == "support" or path.name == Path(__file__).name:
            continue
        text = path.read_text(encoding="utf-8")
        if SHARED_NAMES.search(text) and not ASKS.search(text):
            quiet.append(str(path.relative_to(ROOT)))
    assert quiet == []
