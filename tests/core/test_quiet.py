"""A quiet build: library INFO/DEBUG lines never reach the terminal unless asked for (-v)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import logging
from cradle.core.quiet import configure
configure({verbose})
logging.basicConfig(level=logging.INFO)  # what onnxruntime's quantizer does on import
bm25 = logging.getLogger("bm25s")
bm25.setLevel(logging.DEBUG)
bm25.debug("Building index from tokens")
logging.getLogger("faiss.loader").info("Loading faiss with AVX2 support.")
logging.getLogger("cradle").error("a real problem")
"""


def run(verbose: int) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(verbose=verbose)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stderr


def test_only_errors_by_default() -> None:
    err = run(0)
    assert "a real problem" in err
    assert "faiss" not in err and "bm25s" not in err


def test_verbose_shows_library_lines() -> None:
    assert "Loading faiss" in run(1)
    assert "Building index" in run(2)


def test_one_progress_line_per_stage(tmp_path: object) -> None:
    from pathlib import Path

    from cradle.commands import run_build
    from tests.support import fake_settings

    lines: list[str] = []
    run_build(fake_settings(Path(str(tmp_path)) / "b"), with_index=False, report=lines.append)
    assert [line.split(":")[0] for line in lines] == ["graph"]
