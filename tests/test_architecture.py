"""Data flows one way: foundation -> graph -> index -> service -> top (cli, api).

No module imports from a later stage. ``cradle.core`` is the foundation every stage may use;
the rest of ``cradle/`` (the CLI, the analyst API and the build across stages) is the top.
Inside the graph stage the same holds for its jobs: the SPARQL runtime -> the build (the
catalogue, its checks, RDF, SHACL, the store and what changed) -> the read side (read model,
coverage) -> staff tools (review, link checks) -> importers (sources) -> the graph's CLI commands.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Module prefixes by stage, most specific first.
ORDER = (
    ("cradle.core", 0),
    ("cradle.graph", 1),
    ("cradle.index", 2),
    ("cradle.service", 3),
    ("cradle", 4),
)
#: Source folders and the stage of the modules in them (cradle/core is the foundation).
FOLDERS = {"cradle/core": 0, "graph": 1, "index": 2, "service": 3, "cradle": 4}
#: The graph stage's jobs in the order they may import each other, most specific first.
GRAPH_ORDER = (
    ("cradle.graph.sparql", 0),
    ("cradle.graph.build", 1),
    ("cradle.graph.build.catalogue", 1),  # the build's input model
    ("cradle.graph.read", 2),
    ("cradle.graph.curation", 3),
    ("cradle.graph.sources", 4),
    ("cradle.graph", 5),  # commands.py: the graph's CLI commands use every job
)
#: Package-data folders (cradle.ontology, cradle.queries, cradle.data): no code of their own.
DATA_PACKAGES = {"ontology", "queries", "data"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def stage_of(module: str, order: tuple[tuple[str, int], ...] = ORDER) -> int | None:
    return next(
        (rank for name, rank in order if module == name or module.startswith(name + ".")), None
    )


def module_of(path: Path) -> str:
    """The dotted name a source file is installed as (``graph/read/bulk.py`` -> cradle.graph...)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts if parts[0] == "cradle" else ["cradle", *parts])


def _sources(folder: str) -> list[Path]:
    paths = sorted((ROOT / folder).rglob("*.py"))
    if folder == "cradle":  # its core/ subfolder is checked as the foundation
        paths = [p for p in paths if "core" not in p.relative_to(ROOT / folder).parts[:-1]]
    return paths


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_no_import_from_a_later_stage(folder: str) -> None:
    own = FOLDERS[folder]
    offenders = [
        f"{path.relative_to(ROOT)} imports {mod}"
        for path in _sources(folder)
        for mod in imported_modules(path)
        if (rank := stage_of(mod)) is not None and rank > own
    ]
    assert offenders == []


def test_graph_jobs_import_in_order() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {mod}"
        for path in _sources("graph")
        if (own := stage_of(module_of(path), GRAPH_ORDER)) is not None
        for mod in imported_modules(path)
        if (rank := stage_of(mod, GRAPH_ORDER)) is not None and rank > own
    ]
    assert offenders == []


def test_every_graph_module_has_a_job() -> None:
    jobs = {name for name, _ in GRAPH_ORDER}
    loose = [
        module_of(p)
        for p in _sources("graph")
        if module_of(p).rpartition(".")[0] == "cradle.graph"
        and module_of(p) not in jobs | {"cradle.graph.commands"}
    ]
    assert loose == []


def test_every_source_folder_is_checked() -> None:
    packages = {p.parent.relative_to(ROOT).parts[0] for p in ROOT.glob("*/__init__.py")}
    assert packages - {"tests"} - DATA_PACKAGES <= {f.split("/")[0] for f in FOLDERS}


def test_data_packages_hold_no_code() -> None:
    code = [p for f in DATA_PACKAGES for p in (ROOT / f).rglob("*.py") if p.name != "__init__.py"]
    assert code == []


def test_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from cradle.service.app import create_app\nfrom cradle import Catalogue\n")
    assert sorted(stage_of(m) or 0 for m in imported_modules(bad)) == [3, 3, 4, 4]


def test_graph_checker_sees_a_violation() -> None:
    assert stage_of(module_of(ROOT / "graph/build/rdf.py"), GRAPH_ORDER) == 1
    assert stage_of("cradle.graph.curation.review", GRAPH_ORDER) == 3
