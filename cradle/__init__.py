"""Cradle: a knowledge graph and semantic search over good practice for safeguarding babies."""

from typing import TYPE_CHECKING

from cradle.core import __version__

__all__ = ["Catalogue", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from cradle.api import Catalogue


def __getattr__(name: str) -> object:
    """Import the analyst API on first use, so ``import cradle`` stays light (no pandas)."""
    if name == "Catalogue":
        from cradle.api import Catalogue

        return Catalogue
    raise AttributeError(f"module 'cradle' has no attribute {name!r}")
