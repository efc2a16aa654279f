"""``cradle review --mark`` and ``cradle linkcheck --record``: a date written into the catalogue
file in place, only that entry's line changing (comments, order, wrapping kept)."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

from typer.testing import CliRunner

from cradle.cli import app
from cradle.graph.build.catalogue import load_catalogue
from tests.graph.test_review import _catalogue, server  # noqa: F401  (the loopback server fixture)
from tests.support import CATALOGUE

TODAY = dt.date.today().isoformat()


def _edited(tmp_path: Path) -> tuple[Path, str]:
    """The shipped catalogue with a staff comment in an entry and a reviewed line with one."""
    head, _, body = CATALOGUE.read_text(encoding="utf-8").partition("\nresources:\n")
    body = body.replace(
        "- id: icon-babies-cry-you-can-cope\n",
        "- id: icon-babies-cry-you-can-cope\n  # Sam: ask Oldham about their local leaflet\n",
        1,
    ).replace(
        "- id: family-nurse-partnership\n",
        "- id: family-nurse-partnership\n  reviewed: 2025-01-10  # with the FNP lead\n",
        1,
    )
    text = f"{head}\nresources:\n{body}"
    path = tmp_path / "catalogue.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


def _changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
    return [d for d in diff if d[:1] in "+-" and d[:3] not in ("+++", "---")]


def test_mark_writes_only_the_reviewed_line(tmp_path: Path) -> None:
    path, before = _edited(tmp_path)
    args = ["review", "--catalogue", str(path), "--mark", "icon-babies-cry-you-can-cope"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    assert _changed_lines(before, after) == [f"+  reviewed: {TODAY}"]
    assert f"entry icon-babies-cry-you-can-cope: reviewed: {TODAY}" in result.output
    assert f"{path}: conforms" in result.output
    entry = next(e for e in load_catalogue(path).resources if e.id.startswith("icon-"))
    assert entry.reviewed == dt.date.today()
    # the new line is inside that entry: the next entry starts right after its last field
    lines = after.splitlines()
    at = lines.index(f"  reviewed: {TODAY}")
    assert lines[at + 1].startswith("- id: ") and "icon" not in lines[at + 1]


def test_mark_replaces_a_reviewed_line_keeping_its_comment(tmp_path: Path) -> None:
    path, before = _edited(tmp_path)
    args = [
        "review",
        "--catalogue",
        str(path),
        "--mark",
        "family-nurse-partnership",
        "--date",
        "2026-11-30",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert _changed_lines(before, path.read_text(encoding="utf-8")) == [
        "-  reviewed: 2025-01-10  # with the FNP lead",
        "+  reviewed: 2026-11-30  # with the FNP lead",
    ]


def test_mark_refuses_unknown_ids_and_future_dates(tmp_path: Path) -> None:
    path, before = _edited(tmp_path)
    result = CliRunner().invoke(app, ["review", "--catalogue", str(path), "--mark", "icon-babies"])
    assert result.exit_code == 1
    assert "no entry with id 'icon-babies'; did you mean icon-babies-cry-you-can-cope" in (
        result.output
    )
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    args = ["review", "--catalogue", str(path), "--mark", "family-nurse-partnership"]
    result = CliRunner().invoke(app, [*args, "--date", future])
    assert result.exit_code == 1 and "is in the future" in result.output
    result = CliRunner().invoke(app, [*args, "--date", "30/11/2026"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    assert path.read_text(encoding="utf-8") == before  # nothing written


def test_linkcheck_record_writes_url_checked_beside_url(tmp_path: Path, server: str) -> None:  # noqa: F811
    path = _catalogue(tmp_path, server)
    before = path.read_text(encoding="utf-8")
    result = CliRunner().invoke(
        app, ["linkcheck", "--catalogue", str(path), "--timeout", "5", "--record"]
    )
    assert result.exit_code == 1  # one link is broken: not recorded
    assert "url_checked: " + TODAY + " written for 3 entries" in result.output
    # problems first, in words; each address alone on its line, whole (to copy)
    lines = result.output.splitlines()
    assert lines[0] == "BROKEN: rospa-home-safety (404 Not Found)"
    assert lines[1] == f"  {server}/gone"
    assert "ok: lullaby-trust-safer-sleep (200 OK)" in lines
    changed = _changed_lines(before, path.read_text(encoding="utf-8"))
    assert changed == [f"+  url_checked: {TODAY}"] * 3
    checked = {e.id for e in load_catalogue(path).resources if e.url_checked}
    assert checked == {
        "lullaby-trust-safer-sleep",
        "icon-babies-cry-you-can-cope",
        "family-nurse-partnership",
    }


def test_a_field_with_a_comment_line_under_it_is_replaced_in_place(tmp_path: Path) -> None:
    from cradle.graph.curation.yamledit import set_fields

    path, text = _edited(tmp_path)
    before = text.replace(
        "- id: family-nurse-partnership\n  reviewed: 2025-01-10  # with the FNP lead\n",
        "- id: family-nurse-partnership\n  reviewed: 2025-01-10\n  # checked with the FNP lead\n",
        1,
    )
    path.write_text(before, encoding="utf-8")
    set_fields(path, {"family-nurse-partnership": {"reviewed": "2026-12-01"}})
    after = path.read_text(encoding="utf-8")
    assert _changed_lines(before, after) == ["-  reviewed: 2025-01-10", "+  reviewed: 2026-12-01"]
    assert "  # checked with the FNP lead\n" in after
