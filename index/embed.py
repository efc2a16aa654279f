"""Text embedders: the real sentence-transformers model and a deterministic fake for tests.

torch and sentence-transformers are imported only when a real model is first needed, so that
graph-only commands and importing :mod:`cradle.index.search` stay light.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol

import numpy as np

from cradle.core.settings import Settings

_WORD = re.compile(r"\w+")


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str

    @property
    def dimension(self) -> int:
        """Length of the vectors."""
        ...

    @property
    def max_tokens(self) -> int:
        """The model's window, in its own tokens."""
        ...

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed ``texts`` as a ``(len(texts), dimension)`` float32 array of unit vectors."""
        ...

    def truncate(self, text: str) -> tuple[str, bool]:
        """Cut ``text`` to the model's window; say whether anything was cut."""
        ...

    def prepare(self) -> None:
        """Make ready what answering queries needs (run at build time)."""
        ...

    def precision_used(self) -> str:
        """The number format batches are embedded in (recorded in the index manifest)."""
        ...

    def query_runtime_used(self) -> str:
        """How single queries are embedded (reported by ``/health``)."""
        ...


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder (tests only; no model, no torch).

    Attributes:
        calls: number of texts embedded so far (tests count re-embedding with it).
    """

    def __init__(self, dimension: int = 64, max_tokens: int = 64) -> None:
        self.name = "fake"
        self.dimension = dimension
        self.max_tokens = max_tokens
        self.calls = 0

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            v[h % self.dimension] += 1.0 if (h >> 32) & 1 else -1.0
        norm = float(np.linalg.norm(v))
        if norm == 0.0:
            v[0] = 1.0
            return v
        return v / norm

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed ``texts`` (see :class:`Embedder`)."""
        self.calls += len(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def truncate(self, text: str) -> tuple[str, bool]:
        """Keep the first ``max_tokens`` words."""
        words = list(_WORD.finditer(text))
        if len(words) <= self.max_tokens:
            return text, False
        return text[: words[self.max_tokens - 1].end()], True

    def prepare(self) -> None:
        """Nothing to prepare."""

    def query_runtime_used(self) -> str:
        """Always ``hashing``."""
        return "hashing"

    def precision_used(self) -> str:
        """Always ``float32``."""
        return "float32"


def make_embedder(settings: Settings, cache_dir: Path | None = None) -> Embedder:
    """The embedder ``settings`` asks for (``settings.embedder`` and ``settings.model``).

    Args:
        settings: model, embedder, batch precision, query runtime and precision.
        cache_dir: where the ONNX export of the model is kept (None: queries run in torch).
    """
    if settings.embedder == "fake":
        return FakeEmbedder()
    from cradle.index.transformer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(
        settings.model,
        cache_dir=cache_dir,
        precision=settings.embed_precision,
        query_runtime=settings.query_runtime,
        query_precision=settings.query_precision,
    )
