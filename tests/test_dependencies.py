"""One dependency list: every package Cradle's code imports is declared in pyproject.toml (the
runtime's in core or the ``search``/``service`` extras, the tests', benchmarks' and notebooks'
in ``dev``), and every declared package is imported or has a stated reason to be there."""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from tests.support import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME_FOLDERS = ("cradle", "graph", "index", "service")
#: Declared but never imported by name, and why.
NOT_IMPORTED = {
    "jinja2": "renders the service's templates through starlette.templating",
    "python-multipart": "parses the service's form posts (SPARQL POST forms)",
    "httptools": "uvicorn's httptools protocol, which service/timeouts.py extends, parses with it",
    "pytest": "the test runner",
    "pytest-timeout": "the timeout marker of the tests that kill builds and run notebooks",
    "ruff": "the linter (make lint)",
    "mypy": "the type checker (make typecheck)",
    "types-pyyaml": "PyYAML's types for mypy",
    "oxigraph": "the `oxigraph` server tests and benchmarks run as an external store",
    "jupyterlab": "make notebooks",
    "onnx-ir": "onnxruntime's 8-bit quantizer needs it (index/ort.py quantize)",
}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def declared(*groups: str) -> set[str]:
    names = {_name(r) for r in PYPROJECT["dependencies"]} if "core" in groups else set()
    extras = PYPROJECT["optional-dependencies"]
    return names | {_name(r) for g in groups if g in extras for r in extras[g]}


def _imports_of(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def third_party(modules: set[str]) -> dict[str, set[str]]:
    """Distributions providing the non-stdlib, non-Cradle modules, by module name."""
    local = {"cradle", "tests", "__future__", *(p.stem for p in (ROOT / "bench").glob("*.py"))}
    dists = packages_distributions()
    return {
        m: {d.lower().replace("_", "-") for d in dists.get(m, [m])}
        for m in modules
        if m not in sys.stdlib_module_names and m not in local
    }


def imported(*folders: str) -> dict[str, set[str]]:
    modules: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            modules |= _imports_of(path.read_text(encoding="utf-8"))
    return third_party(modules)


def notebook_imports() -> dict[str, set[str]]:
    modules: set[str] = set()
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        code = "\n".join(x for x in code.splitlines() if not x.lstrip().startswith(("%", "!")))
        modules |= _imports_of(code)
    return third_party(modules)


def test_the_runtime_imports_only_core_search_and_service_packages() -> None:
    allowed = declared("core", "search", "service")
    missing = {m: d for m, d in imported(*RUNTIME_FOLDERS).items() if not d & allowed}
    assert missing == {}, "declare these in pyproject.toml (core or an extra)"


def test_tests_benchmarks_and_notebooks_import_only_declared_packages() -> None:
    allowed = declared("core", "search", "service", "dev")
    used = imported("tests", "bench") | notebook_imports()
    missing = {m: d for m, d in used.items() if not d & allowed}
    assert missing == {}, "declare these in pyproject.toml's dev extra"


def test_every_declared_package_is_used() -> None:
    used: set[str] = set()
    for dists in (imported(*RUNTIME_FOLDERS, "tests", "bench") | notebook_imports()).values():
        used |= dists
    unused = declared("core", "search", "service", "dev") - used - set(NOT_IMPORTED)
    assert unused == set()


def test_all_is_the_other_extras() -> None:
    assert PYPROJECT["optional-dependencies"]["all"] == ["cradle[search,service,dev]"]
