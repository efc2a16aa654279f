"""Issue 21 item 7: a full disk (ENOSPC) or a read-only data dir during a build is one line
naming the path, and the published version stays."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cradle.cli import app
from cradle.core import datadir
from cradle.core.datadir import DataDir
from tests.service_support import fake_settings

from .conftest import CATALOGUE


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cradle.commands import run_build

    data = tmp_path_factory.mktemp("disk-errors")
    run_build(fake_settings(data), with_index=False)
    return data


def _build(data: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(
        app, ["build", "--graph-only", "--catalogue", str(CATALOGUE), "--data-dir", str(data)]
    )
    lines = [line for line in result.output.splitlines() if line.strip()]
    return result.exit_code, [line for line in lines if not line.startswith("graph:")]


@pytest.mark.parametrize(
    ("code", "words"), [(errno.ENOSPC, "No space left"), (errno.EROFS, "Read-only")]
)
def test_a_build_that_cannot_write_is_one_line_and_keeps_the_published_version(
    built: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    before = DataDir(built).current_id()
    where = str(built / "versions" / "graph.ttl")

    def cannot_write(manifest: object, *args: object) -> None:
        raise OSError(code, os.strerror(code), where)

    monkeypatch.setattr(datadir.Version, "write_graph_manifest", cannot_write)
    status, lines = _build(built)
    assert status == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith(where) and words in lines[0] and "unchanged" in lines[0]
    assert DataDir(built).current_id() == before
    DataDir(built).open().check_graph()  # still whole
    assert not list((built / "versions").glob(".staging-*"))
