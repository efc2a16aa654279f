"""Every setting is documented in docs/settings.md, and the docs name no setting that does not
exist."""

from __future__ import annotations

import re
from pathlib import Path

from cradle.core.settings import Settings
from tests.support import ROOT

SETTINGS_PAGE = ROOT / "docs" / "settings.md"
ROW = re.compile(r"^\|\s*`(CRADLE_[A-Z0-9_]+)`\s*\|", re.MULTILINE)
NAMED = re.compile(r"\bCRADLE_[A-Z0-9]+(?:_[A-Z0-9]+)*\b")
PLACEHOLDER = "CRADLE_NAME"  # the form a new row takes, as the page shows it
#: Environment variables that are not settings: test-only hooks, documented where they act.
NOT_SETTINGS = {"CRADLE_TEST_KILL_PUBLISH_AT"}


def variables() -> set[str]:
    return {f"CRADLE_{name.upper()}" for name in Settings.model_fields}


def doc_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_every_setting_has_a_row_in_docs_settings() -> None:
    rows = set(ROW.findall(SETTINGS_PAGE.read_text(encoding="utf-8")))
    assert sorted(variables() - rows) == [], "add a row to docs/settings.md for each"


def test_docs_name_only_settings_that_exist() -> None:
    known = variables()
    unknown = {
        f"{page.relative_to(ROOT)}: {name}"
        for page in doc_pages()
        for name in NAMED.findall(page.read_text(encoding="utf-8"))
        if name not in known and name != PLACEHOLDER and name not in NOT_SETTINGS
    }
    assert sorted(unknown) == []


def test_every_setting_says_what_it_does() -> None:
    undescribed = [n for n, f in Settings.model_fields.items() if not f.description]
    assert undescribed == []


def test_setting_help_carries_no_measurements() -> None:
    measured = re.compile(r"\d(\.\d+)?\s*(x|ms|s|MiB|GB|%)\b(?! *\w)|\bfaster\b|\bslower\b")
    found = {
        n: f.description
        for n, f in Settings.model_fields.items()
        if f.description and measured.search(f.description)
    }
    assert found == {}, "measurements go to bench/RESULTS.md or bench/findings.md"
