"""Validate and write a large catalogue's resources chunk by chunk, on several cores.

Each chunk is turned into triples, validated together with the context (ontology, localities,
organisations) and written as Turtle. Chunks are independent, so worker processes take them in
turn; their outputs are put back in catalogue order, so the result does not depend on how many
workers ran or which finished first.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

from rdflib import Graph

from cradle.graph.build.catalogue import Entry
from cradle.graph.build.ontology import load_shapes
from cradle.graph.build.rdf import Triple, prefixed_graph, resource_triples
from cradle.graph.build.turtle import write_turtle
from cradle.graph.build.validate import violations

#: What a chunk gives back: its Turtle, its number of distinct triples, its violations.
ChunkResult = tuple[bytes, int, list[str]]
#: A chunk to do: the catalogue id, the entries and the source order of the first one.
Job = tuple[str, list[Entry], int]

_context: list[Triple] = []
_shapes: Graph | None = None


def _start(context: list[Triple], ontology_dir: str) -> None:
    """Set up a worker: the context every chunk is validated with, and the shapes."""
    global _shapes
    _context[:] = context
    _shapes = load_shapes(Path(ontology_dir))


def _run(job: Job) -> ChunkResult:
    catalogue_id, entries, first = job
    triples = resource_triples(catalogue_id, entries, first)
    data = Graph()
    for t in _context:
        data.add(t)
    before = len(data)
    for t in triples:
        data.add(t)
    problems = violations(data, _shapes, inplace=True)
    return write_turtle(triples, prefixed_graph()), len(data) - before, problems


def default_workers() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_chunks(
    jobs: list[Job], context: Graph, ontology_dir: Path, workers: int
) -> Iterator[ChunkResult]:
    """Validate and write each chunk, yielding results in the order of ``jobs``.

    Args:
        jobs: the chunks.
        context: the graph each chunk is validated with (it must not share triples with them).
        ontology_dir: where the shapes are.
        workers: processes to use; 1 runs every chunk in this process.
    """
    initargs = (list(context), str(ontology_dir))
    if workers <= 1 or len(jobs) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        _start(*initargs)
        yield from map(_run, jobs)
        return
    # Forked, not spawned: a spawned worker re-runs the caller's main script, which a script
    # without an ``if __name__ == "__main__"`` guard cannot survive (the pool then restarts
    # workers for ever). Frozen objects are left alone by the workers' garbage collector, so
    # the catalogue's memory pages stay shared with this process instead of being copied.
    gc.freeze()
    try:
        fork = multiprocessing.get_context("fork")
        with fork.Pool(min(workers, len(jobs)), _start, initargs) as pool:
            yield from pool.imap(_run, jobs)
    finally:
        gc.unfreeze()
