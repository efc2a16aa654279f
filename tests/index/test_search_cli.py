"""``cradle search`` / ``cradle eval`` as users run them, and graph-only commands staying light."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cradle.cli import app
from cradle.core.datadir import DataDir
from tests.support import CATALOGUE, HIT_KEYS, SOURCE_DOCUMENT, shared_or_none
from tests.support.service import copy_build

runner = CliRunner()


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRADLE_EMBEDDER", "fake")


def test_json_lines_from_stdin(data_dir: Path) -> None:
    lines = "safe sleep video\n\nfathers\n"
    result = runner.invoke(
        app, ["search", "-", "-k", "3", "--data-dir", str(data_dir)], input=lines
    )
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["query"] for o in out] == ["safe sleep video", "", "fathers"]
    assert "error" in out[1] and "empty" in out[1]["error"]
    for o in (out[0], out[2]):
        assert len(o["results"]) == 3
        assert set(o["results"][0]) >= HIT_KEYS
    assert result.exit_code == 1  # one line failed


def test_single_query_json_with_filters(data_dir: Path) -> None:
    args = ["search", "sleep", "--locality", "bolton", "--format", "web-page", "--json"]
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)["results"]
    assert hits and all(h["format"] == "web-page" for h in hits)


def test_bad_input_exits_non_zero_with_message(data_dir: Path) -> None:
    bad = runner.invoke(
        app, ["search", "sleep", "--topic", "astrology", "--data-dir", str(data_dir)]
    )
    assert bad.exit_code == 1 and "valid topic values" in bad.output
    blank = runner.invoke(app, ["search", "  ", "--data-dir", str(data_dir)])
    assert blank.exit_code == 1 and "empty" in blank.output
    k = runner.invoke(app, ["search", "sleep", "-k", "500", "--data-dir", str(data_dir)])
    assert k.exit_code == 1 and "between 1 and 100" in k.output


def test_stale_index_refused_by_cli(data_dir: Path, tmp_path: Path) -> None:
    stale = copy_build(data_dir, tmp_path / "stale")
    version = DataDir(stale).open()
    version.write_graph_manifest(version.graph_manifest() | {"graph_sha256": "f" * 64})
    result = runner.invoke(app, ["search", "sleep", "--data-dir", str(stale)])
    assert result.exit_code == 1 and "cradle build" in result.output


def test_eval_prints_table_last(data_dir: Path, tmp_path: Path) -> None:
    queries = tmp_path / "q.json"
    queries.write_text(
        json.dumps([{"query": "safe sleep video", "relevant": {"Safe sleep animation": 2}}])
    )
    result = runner.invoke(app, ["eval", str(queries), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    last = result.stdout.splitlines()[-6:]
    assert "nDCG@10" in last[1] and "P@1" in last[1]
    assert [row.split()[0] for row in last[3:]] == ["cradle", "bm25-only", "dense-only"]


def test_graph_commands_never_import_torch(graph_dir: Path, tmp_path: Path) -> None:
    doc = shared_or_none(SOURCE_DOCUMENT)  # without it, import is left out (outside CI only)
    script = textwrap.dedent(
        f"""
        import sys
        from typer.testing import CliRunner
        from cradle.cli import app
        import cradle.index.search  # importing search must stay light too
        r = CliRunner()
        q = "SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }}"
        assert r.invoke(app, ["sparql", q, "--data-dir", {str(graph_dir)!r}]).exit_code == 0
        assert r.invoke(app, ["validate", "--catalogue", {str(CATALOGUE)!r}]).exit_code == 0
        if {str(doc) if doc else ""!r}:
            r.invoke(app, ["import", {str(doc)!r}, "-o", {str(tmp_path / "x.yaml")!r}])
        heavy = [m for m in ("torch", "sentence_transformers", "transformers", "faiss")
                 if m in sys.modules]
        print(heavy)
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_no_national_flag(data_dir: Path) -> None:
    args = ["search", "sleep", "--no-national", "-k", "100", "--json", "--data-dir", str(data_dir)]
    hits = json.loads(runner.invoke(app, args).stdout)["results"]
    assert hits and all(h["localities"][0] != "england" for h in hits)
