"""Files beside the catalogue: where ``cradle linkcheck`` records its results.

(The data dir's own files are named in :mod:`cradle.core.datadir`.)
"""

from __future__ import annotations

from pathlib import Path

#: Beside the catalogue: ``cradle linkcheck`` writes ``<catalogue name>.links.json``.
LINKS_SUFFIX = ".links.json"


def links_beside(catalogue: Path) -> Path:
    """Where ``cradle linkcheck`` records its results for ``catalogue`` (and ``cradle review``
    reads them): ``data/catalogue.yaml`` -> ``data/catalogue.links.json``."""
    return catalogue.with_name(catalogue.stem + LINKS_SUFFIX)
