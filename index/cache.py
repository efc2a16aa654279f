"""Embedding cache: vectors keyed by a hash of (model, text), kept between builds."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np


def text_key(model: str, text: str) -> bytes:
    """The cache key of ``text`` embedded by ``model``."""
    return hashlib.sha256(f"{model}\0{text}".encode()).digest()


def _stem(cache_dir: Path, model: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", Path(model).name).strip("-")[:40] or "model"
    return cache_dir / f"embeddings-{slug}-{hashlib.sha256(model.encode()).hexdigest()[:8]}"


def cached_embed(
    texts: list[str],
    model: str,
    dimension: int,
    embed: Callable[[list[str]], np.ndarray],
    cache_dir: Path,
) -> tuple[np.ndarray, int]:
    """Embed ``texts``, reusing vectors cached in ``cache_dir`` and caching the new ones.

    Args:
        texts: the texts, in order.
        model: the model's name (part of every key).
        dimension: the vectors' length (a cache of another length is ignored).
        embed: embeds a list of texts (only the ones not cached).
        cache_dir: folder kept between builds; the cache there is rewritten atomically.

    Returns:
        The ``(len(texts), dimension)`` vectors and how many texts were embedded anew.
    """
    stem = _stem(cache_dir, model)
    known: dict[bytes, np.ndarray] = {}
    keys_file, vecs_file = stem.with_suffix(".keys.npy"), stem.with_suffix(".vecs.npy")
    if keys_file.exists() and vecs_file.exists():
        try:
            keys, vecs = np.load(keys_file), np.load(vecs_file)
            if vecs.ndim == 2 and vecs.shape[1] == dimension and len(keys) == len(vecs):
                known = {bytes(k): v for k, v in zip(keys, vecs, strict=True)}
        except (OSError, ValueError):
            known = {}
    wanted = [text_key(model, t) for t in texts]
    missing: dict[bytes, str] = {}
    for key, text in zip(wanted, texts, strict=True):
        if key not in known and key not in missing:
            missing[key] = text
    if missing:
        fresh = embed(list(missing.values()))
        known.update(zip(missing, fresh, strict=True))
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    for i, key in enumerate(wanted):
        out[i] = known[key]
    _save(cache_dir, stem, wanted, out)
    return out, len(missing)


def _save(cache_dir: Path, stem: Path, keys: list[bytes], vecs: np.ndarray) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    order = {k: i for i, k in enumerate(keys)}  # first occurrence of each distinct text
    idx = sorted(order.values())
    for suffix, array in (
        (".keys.npy", np.array([keys[i] for i in idx], dtype="S32")),
        (".vecs.npy", vecs[idx]),
    ):
        tmp = stem.with_suffix(f".tmp{os.getpid()}{suffix}")
        np.save(tmp, array)
        os.replace(tmp, stem.with_suffix(suffix))
