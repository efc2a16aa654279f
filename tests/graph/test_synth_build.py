"""Large catalogues build chunk by chunk: same triples, same violations as one whole graph."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from cradle.core.datadir import Version
from cradle.core.errors import ValidationFailed
from cradle.graph.build import pipeline as build_mod
from cradle.graph.build.catalogue import dump_catalogue, entry, load_catalogue
from cradle.graph.build.pipeline import build_graph
from cradle.graph.build.rdf import resources_graph
from cradle.graph.sources.synth import synthesize, write_synthetic


@pytest.fixture()
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_mod, "CHUNK", 40)


def test_chunked_build_holds_the_same_triples(tmp_path: Path, small_chunks: None) -> None:
    path = write_synthetic(150, tmp_path / "cat", seed=2)
    chunked = build_graph(path, tmp_path / "chunked")
    build_mod.CHUNK = 10_000
    whole = build_graph(path, tmp_path / "whole")
    assert chunked.triples == whole.triples
    a = Graph().parse(Version.at(tmp_path / "chunked").graph_file, format="turtle")
    b = Graph().parse(Version.at(tmp_path / "whole").graph_file, format="turtle")
    assert set(a) == set(b)
    assert len(a) == chunked.triples


def test_chunked_build_is_byte_reproducible(tmp_path: Path, small_chunks: None) -> None:
    path = write_synthetic(90, tmp_path / "cat", seed=4)
    one = build_graph(path, tmp_path / "one", workers=1)
    two = build_graph(path, tmp_path / "two", workers=2)  # chunks in two worker processes
    assert one.graph_sha256 == two.graph_sha256
    assert one.triples == two.triples
    graph = Version.at(tmp_path / "one").graph_file.read_bytes()
    assert graph == Version.at(tmp_path / "two").graph_file.read_bytes()


def test_chunked_turtle_is_what_rdflib_writes_for_each_chunk(
    tmp_path: Path, small_chunks: None
) -> None:
    path = write_synthetic(100, tmp_path / "cat", seed=6)
    build_graph(path, tmp_path / "out", workers=1)
    cat = load_catalogue(path)
    expected = [resources_graph(cat, i, i + 40).serialize(format="turtle") for i in (0, 40, 80)]
    text = Version.at(tmp_path / "out").graph_file.read_text(encoding="utf-8")
    assert text.endswith("\n".join(expected))


def test_chunked_build_reports_a_violation_in_a_late_chunk(
    tmp_path: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the YAML checks also refuse an e-mail address in a summary; without that rule only the
    # SHACL shapes see it, in the chunk that holds the entry
    rules = tuple(r for r in entry.RULES if r is not entry._no_contact_details)
    monkeypatch.setattr(entry, "RULES", rules)
    cat = synthesize(130, seed=5)
    bad = cat.resources[111]
    cat.resources[111] = bad.model_copy(update={"summary": "ask duty.team@example.org"})
    path = tmp_path / "catalogue.yaml"
    path.write_text(dump_catalogue(cat))
    load_catalogue(path)  # the YAML checks (without that rule) pass
    with pytest.raises(ValidationFailed) as err:
        build_graph(path, tmp_path / "out", workers=2)
    assert len(err.value.violations) == 1
    assert err.value.violations[0].startswith(f"entry {bad.id}: summary: ")
    assert "e-mail" in err.value.violations[0]
    assert not Version.at(tmp_path / "out").graph_file.exists()


def test_workers_start_from_a_script_without_a_main_guard(tmp_path: Path) -> None:
    """Workers must not re-run the calling script (a spawned worker would, and fail or loop)."""
    path = write_synthetic(90, tmp_path / "cat", seed=3)
    script = tmp_path / "build.py"
    script.write_text(
        "from pathlib import Path\n"
        "from cradle.graph.build import pipeline as build\n"
        "build.CHUNK = 40\n"
        f"r = build.build_graph(Path({str(path)!r}), Path({str(tmp_path / 'out')!r}), workers=2)\n"
        "print(r.resources)\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "90"
