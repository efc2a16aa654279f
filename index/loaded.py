"""A built index loaded for searching: vectors, FAISS, BM25, metadata and facet look-ups."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from cradle.core.errors import NotBuilt, StaleIndex
from cradle.graph.readmodel import walk
from cradle.index.corpus import Resource, Vocabulary
from cradle.index.files import BM25_DIR, FAISS_FILE, INDEX_DIR, MANIFEST, VECTORS, read_meta
from cradle.index.postings import Postings

COUNTRY = "england"


def read_manifest(data_dir: Path) -> dict[str, Any]:
    """The index manifest of ``data_dir``, checked against the graph it was built from.

    Raises:
        NotBuilt: no graph or no index in ``data_dir``.
        StaleIndex: the index was built from another graph.
    """
    graph_file, index_file = data_dir / "graph.json", data_dir / MANIFEST
    if not graph_file.exists() or not index_file.exists() or not (data_dir / INDEX_DIR).is_dir():
        raise NotBuilt(f"no search index in {data_dir}: run `cradle build` first")
    manifest: dict[str, Any] = json.loads(index_file.read_text())
    graph_sha = json.loads(graph_file.read_text())["graph_sha256"]
    if manifest.get("graph_sha256") != graph_sha:
        raise StaleIndex(
            f"the search index in {data_dir} was built from another graph "
            f"(index {str(manifest.get('graph_sha256'))[:12]}, graph {graph_sha[:12]}): "
            "run `cradle build`"
        )
    return manifest


@dataclass
class LoadedIndex:
    """Everything a search reads; never changed after loading, so safe to share between threads."""

    manifest: dict[str, Any]
    resources: list[Resource]
    vocab: Vocabulary
    vectors: np.ndarray
    faiss_index: Any
    postings: Postings
    _members: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    @classmethod
    def load(cls, data_dir: Path) -> LoadedIndex:
        """Load the index in ``data_dir`` (see :func:`read_manifest` for the errors)."""
        import bm25s
        import faiss
        from threadpoolctl import threadpool_limits

        # One query is small, memory-bound work: OpenMP and BLAS threads only contend with the
        # other searches' threads (and spin while idle). Pinning OpenBLAS to one thread took
        # 16 clients at 100k from about 205 to 220-227 queries/s on 2 cores.
        faiss.omp_set_num_threads(1)
        threadpool_limits(limits=1, user_api="blas")
        manifest = read_manifest(data_dir)
        folder = data_dir / INDEX_DIR
        resources, vocab = read_meta(folder)
        # The big arrays are mapped read-only, not copied: server processes on one machine
        # (``cradle serve --workers``) share one copy in the page cache. A rebuild publishes a
        # new data dir, so mapped files never change underneath.
        bm25 = bm25s.BM25.load(str(folder / BM25_DIR), show_progress=False, mmap=True)
        loaded = cls(
            manifest=manifest,
            resources=resources,
            vocab=vocab,
            vectors=np.load(folder / VECTORS, mmap_mode="r").view(np.ndarray),  # plain indexing
            faiss_index=faiss.read_index(str(folder / FAISS_FILE), faiss.IO_FLAG_MMAP_IFC),
            postings=Postings(bm25),
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
            ):
                for v in values:
                    members.setdefault((facet, v), []).append(i)
        # one bit per resource, not one byte: 4.5 MB instead of 36 MB at 100k resources
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
        """``value`` and every id under it in the facet's hierarchy (the read model's walker)."""
        narrower = self.narrower.get(facet, {})
        return walk([value], lambda v: narrower.get(v, []))

    def above(self, facet: str, value: str) -> list[str]:
        """Every id strictly above ``value`` in the facet's hierarchy, nearest first."""
        broader = self.vocab.broader.get(facet, {})
        return walk(broader.get(value, []), lambda v: broader.get(v, []))

    def any_of(self, facet: str, values: list[str]) -> np.ndarray:
        """Resources whose ``facet`` is any of ``values``."""
        bits = np.zeros((self.size + 7) // 8, dtype=np.uint8)
        for v in values:
            found = self._members.get((facet, v))
            if found is not None:
                bits |= found
        return np.unpackbits(bits, count=self.size, bitorder="little").view(bool)
