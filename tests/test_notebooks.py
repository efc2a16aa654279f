"""The analyst notebooks: committed clean, and executed top to bottom on the real built graph
with the project's own kernel; every figure has a title and labelled axes."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from cradle.core.datadir import DataDir
from cradle.core.settings import Settings
from tests.support import ROOT

NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
MARK = "CRADLE-NOTEBOOK-CHECK "

# Appended to each notebook in memory: which interpreter ran it, and any figure lacking a title
# or axis labels, or with tick labels too small to read (figures stay open under the Agg
# backend, so all of them are still there).
CHECK_CELL = f"""
import json as _json, sys as _sys
import matplotlib.pyplot as _plt
_problems = []
for _num in _plt.get_fignums():
    _fig = _plt.figure(_num)
    _sup = _fig._suptitle.get_text() if _fig._suptitle is not None else ""
    for _i, _ax in enumerate(_fig.axes):
        if hasattr(_ax, "_colorbar") or not _ax.axison:
            continue
        _title = _ax.get_title() or _ax.get_title("left") or _sup
        for _what, _text in (("title", _title), ("x label", _ax.get_xlabel()),
                             ("y label", _ax.get_ylabel())):
            if not _text.strip():
                _problems.append(f"figure {{_num}} axes {{_i}}: no {{_what}}")
        _small = [t.get_text() for t in _ax.get_xticklabels() + _ax.get_yticklabels()
                  if t.get_text() and t.get_fontsize() < 7]
        if _small:
            _problems.append(f"figure {{_num}} axes {{_i}}: tick labels under 7 pt: {{_small[:3]}}")
print({MARK!r} + _json.dumps({{"prefix": _sys.prefix, "figures": len(_plt.get_fignums()),
                              "problems": _problems}}))
"""


def test_there_are_notebooks() -> None:
    expected = {"01_explore_graph", "02_gap_analysis", "03_semantic_search", "04_gaps_by_need"}
    assert expected <= {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "how to run" in first.source.lower()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)


@pytest.fixture()
def venv_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ``python3`` kernel spec running this interpreter (the project's .venv under
    ``make test``), found before any user-level spec of the same name."""
    from ipykernel.kernelspec import write_kernel_spec

    write_kernel_spec(tmp_path / "kernels" / "python3")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    return "python3"


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path: Path, venv_kernel: str) -> None:
    data_dir = Settings.model_validate({}).data_dir
    DataDir(data_dir).open().check_graph()  # NotBuilt says what to run
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", MPLBACKEND="Agg")
    client = NotebookClient(
        nb,
        kernel_name=venv_kernel,
        timeout=300,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute(env=env)  # raises CellExecutionError, with the cell and traceback, on error
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    report = json.loads(printed.split(MARK, 1)[1])
    assert Path(report["prefix"]).resolve() == Path(sys.prefix).resolve(), "not the venv kernel"
    assert report["figures"] > 0
    assert report["problems"] == []
