"""``cradle doctor`` says what is set up and what is missing; ``cradle validate`` says which
file it checked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cradle.cli import app
from cradle.commands import run_build
from cradle.core.datadir import DataDir
from cradle.doctor import not_a_catalogue, run_doctor
from tests.support import CATALOGUE, fake_settings


def test_doctor_on_nothing_built_says_what_to_run(tmp_path: Path) -> None:
    text, missing = run_doctor(fake_settings(tmp_path / "build"))
    assert missing == 1
    assert f"missing  data dir {(tmp_path / 'build').resolve()}: nothing built yet: run " in text
    assert f"ok       catalogue {CATALOGUE.resolve()} (" in text and ": conforms" in text
    assert "chromium" in text and "not needed" in text
    assert text.rstrip().endswith("then run `cradle doctor` again")


def test_doctor_after_a_graph_only_build_asks_for_the_index(tmp_path: Path) -> None:
    data = tmp_path / "build"
    run_build(fake_settings(data), with_index=False)
    text, missing = run_doctor(fake_settings(data))
    assert "built " in text and "39 entries" in text
    hint = f"missing  no search index: run `cradle build --data-dir {data}` (without --graph-only)"
    assert hint in text  # the data dir checked, so that following the hint builds it
    assert missing == 1


def test_doctor_after_a_rollback_warns_before_building_again(tmp_path: Path) -> None:
    data = tmp_path / "build"
    run_build(fake_settings(data), with_index=False)
    run_build(fake_settings(data), with_index=False)
    newer = DataDir(data).current_id()
    text, _ = run_doctor(fake_settings(data))
    assert "the build before it is kept" in text and "cradle rollback" not in text
    DataDir(data).rollback()
    text, _ = run_doctor(fake_settings(data))
    assert f"older build, put back by `cradle rollback`; the newer one is kept ({newer})" in text
    assert "put your saved copy back first" in text
    assert "the build before it is kept" not in text and "was changed after" not in text


def test_a_folder_given_as_the_catalogue_names_the_file_in_it(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    assert not_a_catalogue(folder) == "is a folder, not a catalogue file"
    (folder / "catalogue.yaml").write_text("")
    assert not_a_catalogue(folder).endswith(f"did you mean {folder / 'catalogue.yaml'}?")
    assert not_a_catalogue(tmp_path / "nothing.yaml") == "no such file"
    result = CliRunner().invoke(app, ["validate", "--catalogue", str(folder)])
    assert result.exit_code == 2 and "is a folder, not a catalogue file" in result.output


def test_doctor_names_a_broken_catalogue(tmp_path: Path) -> None:
    bad = tmp_path / "catalogue.yaml"
    bad.write_text(CATALOGUE.read_text(encoding="utf-8").replace("- safer-sleep", "- sleepy", 1))
    result = CliRunner().invoke(
        app, ["doctor", "--catalogue", str(bad), "--data-dir", str(tmp_path / "b")]
    )
    assert result.exit_code == 1
    assert f"catalogue {bad.resolve()} (given with --catalogue): 1 problem(s)" in result.output


@pytest.mark.parametrize("explicit", [True, False])
def test_validate_says_which_file_it_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, explicit: bool
) -> None:
    monkeypatch.chdir(tmp_path)  # from another folder: the default is still the checkout's file
    monkeypatch.delenv("CRADLE_CATALOGUE", raising=False)
    args = ["validate", "--catalogue", str(CATALOGUE)] if explicit else ["validate"]
    result = CliRunner().invoke(app, args, env=dict(os.environ))
    assert result.exit_code == 0, result.output
    how = "given with --catalogue" if explicit else "the default"
    assert result.output.splitlines()[0].startswith(f"checking {CATALOGUE.resolve()} ({how}")
