"""A built index loaded for searching: vectors, FAISS, BM25, metadata and facet look-ups."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from cradle.core.datadir import Version, open_version
from cradle.graph.read.readmodel import walk
from cradle.index.corpus import Resource, Vocabulary
from cradle.index.files import read_meta
from cradle.index.postings import Postings
from cradle.index.snippets import Snippets


@dataclass
class LoadedIndex:
    """Everything a search reads; never changed after loading (only the caches ``places``,
    ``cards`` and ``_walks`` grow, one whole value per key), so safe to share between threads."""

    manifest: dict[str, Any]
    resources: list[Resource]
    vocab: Vocabulary
    vectors: np.ndarray
    faiss_index: Any
    postings: Postings
    snippets: Snippets
    words: dict[str, int] = field(default_factory=dict)
    _members: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    #: place -> how each resource counts for it (:func:`cradle.index.close.relations`)
    places: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: ("below" or "above", facet, id) -> the ids walked (:meth:`below`, :meth:`above`)
    _walks: dict[tuple[str, str, str], tuple[str, ...]] = field(default_factory=dict, repr=False)
    #: resource number -> (day, its card's fields before and after the score)
    cards: dict[int, tuple[date, tuple[Any, ...], tuple[Any, ...]]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def load(cls, where: Path | Version) -> LoadedIndex:
        """Load the index of a version (or of a data dir's current version).

        Raises:
            NotBuilt: no build or no index; StaleIndex: the index was built from another graph
                (:meth:`cradle.core.datadir.Version.index_manifest`).
        """
        import bm25s
        import faiss
        from threadpoolctl import threadpool_limits

        # One query is small, memory-bound work: OpenMP and BLAS threads only contend with the
        # other searches' threads (and spin while idle), so both are pinned to one thread
        # (measured with 16 clients at 100k: bench/findings.md).
        faiss.omp_set_num_threads(1)
        threadpool_limits(limits=1, user_api="blas")
        version = open_version(where)
        manifest = version.index_manifest()
        resources, vocab = read_meta(version)
        # The big arrays are mapped read-only, not copied: server processes on one machine
        # (``cradle serve --workers``) share one copy in the page cache. A rebuild publishes a
        # new version folder, so mapped files never change underneath.
        bm25 = bm25s.BM25.load(str(version.bm25_dir), show_progress=False, mmap=True)
        loaded = cls(
            manifest=manifest,
            resources=resources,
            vocab=vocab,
            vectors=np.load(version.vectors_file, mmap_mode="r").view(np.ndarray),  # plain indexing
            faiss_index=faiss.read_index(str(version.faiss_file), faiss.IO_FLAG_MMAP_IFC),
            postings=Postings(bm25),
            snippets=Snippets.load(version, [r.summary for r in resources]),
            words=json.loads(version.words_file.read_text()) if version.words_file.exists() else {},
        )
        loaded._index_facets()
        return loaded

    @property
    def size(self) -> int:
        """Number of resources."""
        return len(self.resources)

    def _index_facets(self) -> None:
        members: dict[tuple[str, str], list[int]] = {}
        for i, r in enumerate(self.resources):
            for facet, values in (
                ("topic", r.topics),
                ("spatial", [r.locality]),
                ("place", [r.locality, *r.adopted_in]),
                ("format", [r.format]),
                ("kind", [r.kind] if r.kind else []),
                ("status", [r.status]),
                ("audience", r.audience),
                ("for", [r.intended_for]),
            ):
                for v in values:
                    members.setdefault((facet, v), []).append(i)
        # one bit per resource, not one byte: an eighth of the memory at any size
        for key, idx in members.items():
            mask = np.zeros(self.size, dtype=bool)
            mask[idx] = True
            self._members[key] = np.packbits(mask, bitorder="little")

    def mask(self, facet: str, value: str) -> np.ndarray:
        """Resources whose ``facet`` (topic, spatial, place, format, kind, status, audience) is
        exactly ``value``."""
        return self.any_of(facet, [value])

    @cached_property
    def narrower(self) -> dict[str, dict[str, list[str]]]:
        """Facet -> id -> its direct narrower ids."""
        out: dict[str, dict[str, list[str]]] = {}
        for facet, links in self.vocab.broader.items():
            for child, parents in links.items():
                for parent in parents:
                    out.setdefault(facet, {}).setdefault(parent, []).append(child)
        return out

    def below(self, facet: str, value: str) -> list[str]:
        """``value`` and every id under it in the facet's hierarchy (the read model's walker;
        each walk once per index: a search asks for the same ones many times)."""
        narrower = self.narrower.get(facet, {})
        return self._walked(("below", facet, value), [value], narrower)

    def top(self, facet: str) -> list[str]:
        """The ids at the top of the facet's hierarchy (for localities: the country)."""
        broader = self.vocab.broader.get(facet, {})
        return [v for v in self.vocab.labels.get(facet, {}) if not broader.get(v)]

    def above(self, facet: str, value: str) -> list[str]:
        """Every id strictly above ``value`` in the facet's hierarchy, nearest first."""
        broader = self.vocab.broader.get(facet, {})
        return self._walked(("above", facet, value), broader.get(value, []), broader)

    def _walked(
        self, key: tuple[str, str, str], start: list[str], edges: dict[str, list[str]]
    ) -> list[str]:
        """The read model's walk from ``start`` along ``edges``, kept under ``key``."""
        found = self._walks.get(key)
        if found is None:
            found = self._walks[key] = tuple(walk(start, lambda v: edges.get(v, [])))
        return list(found)

    def _bits(self, facet: str, values: list[str]) -> np.ndarray | None:
        """One bit per resource whose ``facet`` is any of ``values`` (None: no such resource)."""
        found = [b for v in values if (b := self._members.get((facet, v))) is not None]
        if not found:
            return None
        bits = found[0]
        for more in found[1:]:
            bits = bits | more
        return bits

    def any_of(self, facet: str, values: list[str]) -> np.ndarray:
        """Resources whose ``facet`` is any of ``values``."""
        bits = self._bits(facet, values)
        if bits is None:  # the common case in a search (no place, no format named): no unpacking
            return np.zeros(self.size, dtype=bool)
        return np.unpackbits(bits, count=self.size, bitorder="little").view(bool)

    def has_any(self, facet: str, values: list[str]) -> bool:
        """Whether some resource's ``facet`` is any of ``values``."""
        return self._bits(facet, values) is not None

    def any_at(self, facet: str, values: list[str], idx: np.ndarray) -> np.ndarray:
        """Per resource number of ``idx``: whether its ``facet`` is any of ``values`` (read
        from the bits of those resources only, not unpacked for every resource)."""
        bits = self._bits(facet, values)
        idx = np.asarray(idx, dtype=np.int64)
        if bits is None:
            return np.zeros(len(idx), dtype=bool)
        return ((bits[idx >> 3] >> (idx & 7).astype(np.uint8)) & 1).astype(bool)
