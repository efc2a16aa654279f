"""The graph commands as a user runs them: import, validate, build, sparql."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from cradle.cli import app
from tests.support import CATALOGUE

runner = CliRunner()


def test_validate_conforms() -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0 and "conforms" in result.output


def test_validate_prints_each_problem_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "catalogue.yaml"
    text = CATALOGUE.read_text(encoding="utf-8")
    bad.write_text(text.replace("- safer-sleep", "- sleep-tight", 1), encoding="utf-8")
    result = runner.invoke(app, ["validate", "--catalogue", str(bad)])
    assert result.exit_code == 1
    assert "entry lullaby-trust-safer-sleep: topics: unknown value 'sleep-tight'" in result.output


def test_build_then_sparql_json_is_standard_results_format(tmp_path: Path) -> None:
    out = tmp_path / "b"
    built = runner.invoke(app, ["build", "--graph-only", "--data-dir", str(out)])
    assert built.exit_code == 0, built.output
    q = "SELECT (COUNT(?r) AS ?n) WHERE { ?r a dcat:Resource }"
    result = runner.invoke(app, ["sparql", q, "--format", "json", "--data-dir", str(out)])
    data = json.loads(result.output)
    assert data["head"]["vars"] == ["n"]
    assert data["results"]["bindings"][0]["n"]["value"] == "39"
    table = runner.invoke(app, ["sparql", q, "--data-dir", str(out)])
    assert "39" in table.output and "1 row(s)" in table.output


def test_sparql_syntax_error_is_reported(graph_dir: Path) -> None:
    result = runner.invoke(app, ["sparql", "SELECT WHERE {", "--data-dir", str(graph_dir)])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_sparql_graph_results_as_json_are_json_ld_and_csv_is_refused(graph_dir: Path) -> None:
    q = "CONSTRUCT { ?r dct:title ?t } WHERE { ?r a dcat:Resource ; dct:title ?t } LIMIT 2"
    as_json = runner.invoke(app, ["sparql", q, "--format", "json", "--data-dir", str(graph_dir)])
    assert as_json.exit_code == 0
    assert all("@id" in node for node in json.loads(as_json.output))
    as_csv = runner.invoke(app, ["sparql", q, "--format", "csv", "--data-dir", str(graph_dir)])
    assert as_csv.exit_code != 0 and "JSON-LD (--format json)" in as_csv.output


def test_sparql_without_build_says_what_to_do(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sparql", "ASK {}", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "cradle build" in result.output


def test_import_writes_yaml_and_private_contacts(tmp_path: Path, source_document: Path) -> None:
    out, contacts = tmp_path / "imported.yaml", tmp_path / "private" / "contacts.yaml"
    result = runner.invoke(
        app, ["import", str(source_document), "-o", str(out), "--contacts", str(contacts)]
    )
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert len(data["resources"]) == 39
    assert contacts.read_text(encoding="utf-8").startswith("# PRIVATE")
    for c in yaml.safe_load(contacts.read_text(encoding="utf-8"))["contacts"]:
        assert c["contact"] not in out.read_text(encoding="utf-8")


def test_import_names_unparseable_rows(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("T\n\tNational\n\n\tOnly a title\n\tSource\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(doc), "-o", str(tmp_path / "o.yaml")])
    assert result.exit_code == 1 and "line 4: row has 2 of 5 cells" in result.output


def test_sparql_command_runs_as_a_process(graph_dir: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cradle.cli",
            "sparql",
            "ASK { ?s ?p ?o }",
            "--data-dir",
            str(graph_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "true"
