"""The CLI's defaults come from ``Settings`` (``CRADLE_*``); a flag given explicitly wins."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from cradle.cli import app
from cradle.core.settings import Settings
from tests.support import free_port
from tests.support.service import stop


def _captured(monkeypatch: pytest.MonkeyPatch, module: str, name: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake(settings: Settings, *args: Any, **kwargs: Any) -> int:
        seen["settings"] = settings
        seen.update(kwargs)
        return 0

    monkeypatch.setattr(f"{module}.{name}", fake)
    return seen


def test_serve_takes_host_port_and_workers_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = _captured(monkeypatch, "cradle.service.commands", "run_serve")
    env = {"CRADLE_HOST": "127.0.0.2", "CRADLE_PORT": "8123", "CRADLE_WORKERS": "2"}
    result = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    settings = seen["settings"]
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.2", 8123, 2)


def test_an_explicit_flag_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = _captured(monkeypatch, "cradle.service.commands", "run_serve")
    env = {"CRADLE_HOST": "127.0.0.2", "CRADLE_PORT": "8123", "CRADLE_WORKERS": "2"}
    args = ["serve", "--host", "127.0.0.3", "--port", "9001", "--workers", "1"]
    result = CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    settings = seen["settings"]
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.3", 9001, 1)


def test_search_k_defaults_to_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _captured(monkeypatch, "cradle.index.commands", "run_search")
    env = {"CRADLE_SEARCH_RESULTS": "7"}
    assert CliRunner().invoke(app, ["search", "crying"], env=env).exit_code == 0
    assert seen["k"] == 7
    assert CliRunner().invoke(app, ["search", "crying", "-k", "3"], env=env).exit_code == 0
    assert seen["k"] == 3


def test_a_bad_setting_is_named_without_a_traceback() -> None:
    result = CliRunner().invoke(app, ["serve"], env={"CRADLE_PORT": "eighty"})
    assert result.exit_code == 2
    assert "CRADLE_PORT" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_cradle_port_sets_the_port_a_real_server_listens_on(data_dir: Path, tmp_path: Path) -> None:
    """``CRADLE_PORT=N cradle serve`` (no --port) listens on N (a free port, not a fixed 8123,
    so that runs in parallel do not collide)."""
    port = free_port()
    env = os.environ | {"CRADLE_PORT": str(port), "CRADLE_EMBEDDER": "fake", "HF_HUB_OFFLINE": "1"}
    env.pop("CRADLE_HOST", None)
    log = tmp_path / "server.log"
    cmd = [sys.executable, "-m", "cradle.cli", "serve", "--data-dir", str(data_dir)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()[-2000:]
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.2)
        assert health.status_code == 200
    finally:
        stop(proc)


def _recorded(monkeypatch: pytest.MonkeyPatch, module: str, name: str, answer: Any) -> list[Any]:
    """Replace ``module.name`` by a recorder of its arguments that returns ``answer``."""
    calls: list[Any] = []

    def fake(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        return answer

    monkeypatch.setattr(f"{module}.{name}", fake)
    return calls


def test_import_takes_the_ontology_from_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = _recorded(monkeypatch, "cradle.graph.commands", "run_import", ([], None))
    env = {"CRADLE_ONTOLOGY_DIR": str(tmp_path)}
    result = CliRunner().invoke(app, ["import", str(tmp_path / "t.txt")], env=env)
    assert result.exit_code == 0, result.output
    assert calls[0][0][4] == tmp_path


def test_validate_takes_catalogue_and_ontology_from_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = _recorded(monkeypatch, "cradle.graph.commands", "run_validate_with_notes", ([], []))
    (tmp_path / "c.yaml").write_text("catalogue: {}\n", encoding="utf-8")
    env = {"CRADLE_CATALOGUE": str(tmp_path / "c.yaml"), "CRADLE_ONTOLOGY_DIR": str(tmp_path)}
    result = CliRunner().invoke(app, ["validate"], env=env)
    assert result.exit_code == 0, result.output
    assert calls[0][0][:2] == (tmp_path / "c.yaml", tmp_path)


def test_sparql_runs_with_every_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = _recorded(monkeypatch, "cradle.graph.commands", "run_sparql", "")
    env = {"CRADLE_DATA_DIR": str(tmp_path), "CRADLE_QUERY_TIMEOUT": "3"}
    result = CliRunner().invoke(app, ["sparql", "ASK {}"], env=env)
    assert result.exit_code == 0, result.output
    settings = calls[0][0][0]
    assert (settings.data_dir, settings.query_timeout) == (tmp_path, 3)


def test_synth_writes_into_the_data_dir_with_the_settings_ontology(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = _recorded(monkeypatch, "cradle.graph.sources.synth", "write_synthetic", tmp_path)
    env = {"CRADLE_DATA_DIR": str(tmp_path / "data"), "CRADLE_ONTOLOGY_DIR": str(tmp_path)}
    result = CliRunner().invoke(app, ["synth", "-n", "5"], env=env)
    assert result.exit_code == 0, result.output
    args, kwargs = calls[0]
    assert args[1] == tmp_path / "data" / "synth" and kwargs["ontology_dir"] == tmp_path


def test_a_build_left_in_the_old_default_is_named(tmp_path: Path) -> None:
    from cradle.core.datadir import DataDir
    from cradle.core.errors import NotBuilt

    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "current").symlink_to("versions/x")
    with pytest.raises(NotBuilt, match=r"mv .*build .*var"):
        DataDir(tmp_path / "var").open()
    with pytest.raises(NotBuilt, match="no such data dir: run"):
        DataDir(tmp_path / "elsewhere" / "var").open()


def test_the_default_data_dir_is_not_setuptools_build_folder() -> None:
    assert Settings().data_dir.name == "var" or "CRADLE_DATA_DIR" in os.environ
