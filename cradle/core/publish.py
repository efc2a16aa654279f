"""Atomic hand-over of a build: outputs are made in a staging folder, then swapped in."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staging(data_dir: Path) -> Iterator[Path]:
    """Yield a fresh staging folder inside ``data_dir``; on success publish it, else drop it.

    Each file or folder in the staging folder replaces its namesake in ``data_dir``; a failure
    before publishing leaves ``data_dir`` exactly as it was.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=data_dir))
    try:
        yield stage
        publish(stage, data_dir)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def publish(stage: Path, data_dir: Path) -> None:
    """Move everything in ``stage`` into ``data_dir``, replacing what is there."""
    for item in sorted(stage.iterdir()):
        target = data_dir / item.name
        if item.is_dir():
            old = None
            if target.exists():
                old = data_dir / f".old-{item.name}-{os.getpid()}"
                os.replace(target, old)
            os.replace(item, target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(item, target)
