"""The SPARQL query engine behind ``/sparql``: read-only, deadline-bound, isolated in processes.

:class:`QueryEngine` is the small protocol-level interface the service uses; an engine that
forwards to an external SPARQL server implements the same three calls and reuses
:func:`prepare` (text checks, dataset checks, content negotiation) before sending anything.

:func:`open_engine` gives :class:`cradle.graph.sparql.embedded.EmbeddedEngine` (pyoxigraph in worker
processes killed at the deadline), or the remote engine of :mod:`cradle.graph.sparql.remote` when
``settings.store_url`` is set.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from cradle.core.datadir import DataDir, Version
from cradle.core.errors import NotBuilt
from cradle.core.namespaces import PREFIXES
from cradle.core.settings import Settings
from cradle.graph.sparql.formats import Format, formats_for, negotiate
from cradle.graph.sparql.guard import check_graphs
from cradle.graph.sparql.scan import scan


@dataclass(frozen=True)
class EngineResult:
    """A serialised query result.

    Attributes:
        media_type: its media type (e.g. ``application/sparql-results+json``).
        body: the serialised result.
        rows: solutions (SELECT), triples (CONSTRUCT/DESCRIBE) or 1 (ASK) in ``body``.
        truncated: True when the row cap or the byte cap cut the result short.
        row_cap: the row cap that applied.
        byte_cap: the byte cap that applied (0: none).
        cut_by: ``"rows"`` or ``"bytes"``: which cap cut a truncated result.
    """

    media_type: str
    body: bytes
    rows: int
    truncated: bool
    row_cap: int
    byte_cap: int = 0
    cut_by: str = "rows"


class QueryEngine(Protocol):
    """What the service needs from a SPARQL engine."""

    capacity: int  # most execute() calls accepted at once; more raise EngineBusy
    workers: int  # queries evaluated at once (the rest of capacity waits for one of them)

    def execute(
        self,
        query: str,
        *,
        default_graphs: list[str],
        named_graphs: list[str],
        accept: str | None,
        fmt: str | None = None,
        base_iri: str | None = None,
        cancel: threading.Event | None = None,
        deadline: float | None = None,
    ) -> EngineResult:
        """Evaluate a read-only query (blocking; call it off the event loop).

        Args:
            query: SPARQL 1.1 query text.
            default_graphs: protocol ``default-graph-uri`` values.
            named_graphs: protocol ``named-graph-uri`` values.
            accept: the client's Accept header.
            fmt: an explicit ``format=`` value, overriding ``accept``.
            base_iri: base for relative IRIs in the query (the endpoint's URL, say).
            cancel: set by the caller to stop the query early (its worker is freed at once).
            deadline: a ``time.monotonic()`` time by which the whole request must be done
                (parsing and evaluation stop there, before the engine's own timeout if sooner).

        Raises:
            QuerySyntaxError, QueryRefused, UpdateRefused, NotAcceptable: the client's fault.
            QueryTimeout: stopped at the deadline. EngineBusy: too many queries waiting.
            QueryCancelled: ``cancel`` was set (the client went away); the query was stopped.
            QueryAborted: stopped for exhausting memory or crashing its worker.
            QueryFailed: the engine itself failed.
        """
        ...

    def info(self) -> dict[str, Any]:
        """``engine``, ``source``, ``triples``, ``graphs``, ``graph_sha256`` and limits."""
        ...

    def close(self) -> None:
        """Stop the engine's workers or connections."""
        ...


@dataclass(frozen=True)
class Prepared:
    """A request through the linear checks, ready for a worker: the query text (escapes decoded,
    missing project prefixes declared), its form, its dataset and its result format. Its
    structure (SERVICE, graphs, functions) is checked where it is parsed, under the deadline
    (:func:`cradle.graph.sparql.guard.check_structure`)."""

    text: str
    form: str
    default_graphs: list[str]
    named_graphs: list[str]
    format: Format


def prepare(
    query: str,
    *,
    default_graphs: list[str],
    named_graphs: list[str],
    accept: str | None,
    fmt: str | None = None,
    base_iri: str | None = None,
) -> Prepared:
    """The checks made in the server before any worker is involved; every engine calls this
    first. Linear in the size of the request (:func:`cradle.graph.sparql.scan.scan`).

    Declares the project's prefixes the query uses without declaring (as ``with_prefixes``
    does). Refuses updates, queries nested or sized beyond limits, file and other non-web
    ``default-graph-uri`` / ``named-graph-uri`` values, and picks the result format (406
    material when none fits). Graphs the engine does not hold are left to be treated as empty
    graphs (never fetched). ``base_iri`` is accepted for symmetry with ``execute``.
    """
    del base_iri  # resolved where the query is parsed
    found = scan(query)
    wanted = [p for p in PREFIXES if p in found.used and p not in found.declared]
    added = "".join(f"PREFIX {p}: <{PREFIXES[p]}> " for p in wanted)  # one line: numbers stay
    check_graphs(default_graphs, where="default-graph-uri")
    check_graphs(named_graphs, where="named-graph-uri")
    chosen = negotiate(accept, formats_for(found.form), fmt)
    return Prepared(
        added + found.text, found.form, list(default_graphs), list(named_graphs), chosen
    )


def open_engine(settings: Settings, version: Version | None = None) -> QueryEngine:
    """The embedded engine over ``settings.named_graphs`` if any, else the external store at
    ``settings.store_url`` if set (:mod:`cradle.graph.sparql.remote`), else the built store.

    Args:
        settings: data dir, limits, named graphs or external store.
        version: the version to serve (a server resolves it once for everything it reads);
            the data dir's current version when None.

    Raises:
        NotBuilt: no built store in ``settings.data_dir`` (run ``cradle build``), or a named
            graph file is missing or does not parse.
        StoreUnavailable: the external store cannot be reached.
    """
    if settings.store_url and not settings.named_graphs:
        from cradle.graph.sparql.remote import open_remote_engine

        return open_remote_engine(settings, version)
    from cradle.graph.sparql.embedded import EmbeddedEngine

    common: dict[str, Any] = {
        "workers": settings.query_workers,
        "timeout": settings.query_timeout,
        "row_cap": settings.row_cap,
        "queue_size": settings.query_queue,
        "byte_cap": settings.max_result_bytes,
        "max_memory": settings.worker_max_memory_mb * 1024 * 1024,
        "max_queries": settings.worker_max_queries,
    }
    if settings.named_graphs:
        digest = hashlib.sha256()
        for iri, path in sorted(settings.named_graphs.items()):
            if not path.is_file():
                raise NotBuilt(f"--graph {iri}={path}: no such file")
            digest.update(iri.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        return EmbeddedEngine(
            store_dir=None, named=settings.named_graphs, graph_sha256=digest.hexdigest(), **common
        )
    version = version or DataDir(settings.data_dir).open()
    store, sha = version.require_store(), version.graph_sha256()
    return EmbeddedEngine(store_dir=store, named={}, graph_sha256=sha, **common)


def query_once(settings: Settings, query: str, fmt: str) -> EngineResult:
    """Run one query with the service's rules (read-only, deadline, row cap): for the CLI.

    Args:
        settings: where the graph is and the limits.
        query: SPARQL query text.
        fmt: a format name (``json``, ``csv``, ``turtle``, ...) or media type.
    """
    engine = open_engine(settings.model_copy(update={"query_workers": 1}))
    try:
        return engine.execute(query, default_graphs=[], named_graphs=[], accept=None, fmt=fmt)
    finally:
        engine.close()
