"""Names of the files this stage writes beside the catalogue or into the data dir.

(The data dir's names are to move into one module for the whole data dir; until then each is
named once, here.)
"""

from __future__ import annotations

from pathlib import Path

#: In the data dir: what changed since the previous build (``/changes``), newest first.
CHANGES_FILE = "changes.json"
#: In the data dir: the link-check results the build found beside its catalogue (``/review``).
LINKS_FILE = "links.json"
#: Beside the catalogue: ``cradle linkcheck`` writes ``<catalogue name>.links.json``.
LINKS_SUFFIX = ".links.json"


def links_beside(catalogue: Path) -> Path:
    """Where ``cradle linkcheck`` records its results for ``catalogue`` (and ``cradle review``
    reads them): ``data/catalogue.yaml`` -> ``data/catalogue.links.json``."""
    return catalogue.with_name(catalogue.stem + LINKS_SUFFIX)
