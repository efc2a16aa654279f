"""A query worker process: holds the graph, evaluates one query at a time, can be killed.

Started by :mod:`cradle.graph.sparql.engine` as
``python -m cradle.graph.sparql.worker CONFIG``. It opens the
built store read-only (or loads RDF files as named graphs into memory), then, where the kernel
allows, moves itself into an empty network namespace so that no query can open a connection even if
the text checks missed something. Queries run on a thread with a large stack so that deep
recursion in the parser reports an error instead of crashing the process.

Each job is first parsed and walked by :func:`cradle.graph.sparql.guard.check_structure` (unless
the engine has seen the same text pass before): parsing can be slow on hostile text, and here
it is bounded by the query's deadline and costs only this query's worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import resource
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cradle.core.csvcells import neutralise_csv
from cradle.core.datadir import Version
from cradle.core.errors import CradleError, QueryRefused, UpdateRefused
from cradle.graph.sparql.formats import GRAPH_SYNTAX, RESULT_SYNTAX

STACK_BYTES = 256 * 1024 * 1024
RECURSION_LIMIT = 50_000  # rdflib's parser recurses per nested bracket (the scan bounds depth)
MEMORY_BYTES = 3 * 1024 * 1024 * 1024  # address space per worker; more ends the query
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class Job:
    """One query for a worker (already checked by :mod:`cradle.graph.sparql.guard`)."""

    query: str
    fmt: str
    default_graphs: list[str]
    named_graphs: list[str]
    row_cap: int
    base_iri: str | None = None
    byte_cap: int = 8 * 1024 * 1024
    check: bool = True  # parse and walk it first (guard.check_structure)
    run: bool = True  # evaluate it (False: only check, for an external store)


def check(job: Job) -> tuple[str, Any] | None:
    """The structural checks of a job: None when it passes, else ``(kind, message)`` with kind
    ``refused`` (SERVICE, file graphs), ``update`` or ``syntax``; with ``job.run`` False, a
    pass is ``("checked", (form, from_graphs, patterns))``."""
    from cradle.graph.sparql.guard import check_structure

    try:
        checked = check_structure(job.query, job.base_iri)
    except QueryRefused as exc:
        return "refused", str(exc)
    except UpdateRefused as exc:
        return "update", str(exc)
    except CradleError as exc:
        return "syntax", str(exc)
    except MemoryError:
        return "aborted", "memory"
    if job.run:
        return None
    return "checked", (checked.form, checked.from_graphs, checked.patterns)


def open_data(store_dir: str | None, named: dict[str, str]) -> ox.Store:
    """The store a worker queries: the built store read-only, or files loaded as named graphs."""
    if store_dir is not None:
        return ox.Store.read_only(store_dir)
    store = ox.Store()
    for iri, path in named.items():
        fmt = ox.RdfFormat.from_extension(Path(path).suffix.lstrip(".")) or ox.RdfFormat.TURTLE
        store.bulk_load(path=path, format=fmt, to_graph=ox.NamedNode(iri))
    return store


def isolate_network() -> bool:
    """Move this process into an empty network namespace; False when the kernel refuses."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0)
    except (OSError, AttributeError):
        return False


def evaluate(store: ox.Store, job: Job) -> tuple[str, Any]:
    """Evaluate a job: ``("ok", (body, rows, cut))`` or ``(error kind, message)``.

    ``cut`` is ``""`` for a whole answer, ``"rows"`` when the row cap cut it and ``"bytes"``
    when the byte cap did. Errors while reading the query (before any evaluation) are the
    query's fault (``"syntax"``, with the engine's first line, or what :func:`check` says); a
    ``MemoryError`` is ``"aborted"``; anything else ``"failed"``.
    """
    if job.check or not job.run:
        refused = check(job)
        if refused is not None:
            return refused
    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    try:  # a graph IRI the engine refuses ("http://a%zz") is the request's fault, never the
        # worker's death: inside the try, as the query is
        if job.default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        if job.named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
        result = store.query(job.query, **kwargs)
    except MemoryError:
        return "aborted", "memory"
    except (SyntaxError, ValueError, TypeError, RuntimeError) as exc:
        return "syntax", _first_line(exc)
    try:
        if isinstance(result, ox.QueryBoolean):
            return "ok", (result.serialize(format=RESULT_SYNTAX[job.fmt]) or b"", 1, "")
        if isinstance(result, ox.QueryTriples):
            return "ok", _triples(result, job)
        return "ok", _solutions(result, job)
    except MemoryError:
        return "aborted", "memory"
    except (SyntaxError, ValueError, TypeError) as exc:
        return "syntax", _first_line(exc)
    except Exception as exc:  # noqa: BLE001 - reported as a failure, never echoed verbatim
        return "failed", exc.__class__.__name__


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else "invalid query"


def _take(items: Any, cap: int) -> list[Any]:
    taken = []
    for item in items:
        taken.append(item)
        if len(taken) > cap:
            break
    return taken


def fit(serialise: Callable[[int], bytes], count: int, cap: int) -> tuple[bytes, int]:
    """The longest prefix of ``count`` items (shrunk in proportion) whose serialisation
    fits in ``cap`` bytes, with how many items it holds."""
    body = serialise(count)
    while len(body) > cap and count > 0:
        count = min(count - 1, int(count * cap / len(body) * 0.95))
        body = serialise(max(count, 0))
    return body, max(count, 0)


def _triples(result: ox.QueryTriples, job: Job) -> tuple[bytes, int, str]:
    """CONSTRUCT / DESCRIBE results, cut at the row cap and the byte cap, in the job's format."""
    triples = _take(result, job.row_cap)
    kept = triples[: job.row_cap]
    syntax = GRAPH_SYNTAX[job.fmt]
    body, count = fit(
        lambda n: ox.serialize(kept[:n], format=syntax) or b"", len(kept), job.byte_cap
    )
    cut = "bytes" if count < len(kept) else "rows" if len(triples) > job.row_cap else ""
    return body, count, cut


def _solutions(result: ox.QuerySolutions, job: Job) -> tuple[bytes, int, str]:
    """SELECT results, cut at the row cap and the byte cap, in the job's format."""
    names = [v.value for v in result.variables]
    taken = _take(result, job.row_cap)
    rows = taken[: job.row_cap]
    doc, count = _json_results(names, rows, job.byte_cap)
    if job.fmt != "json":
        syntax = RESULT_SYNTAX[job.fmt]

        def serialise(n: int) -> bytes:
            part = doc if n == count else _json_results(names, rows[:n], job.byte_cap)[0]
            parsed = ox.parse_query_results(part, format=ox.QueryResultsFormat.JSON)
            out = parsed.serialize(format=syntax) or b""
            return neutralise_csv(out) if job.fmt == "csv" else out  # no cell a spreadsheet runs

        doc, count = fit(serialise, count, job.byte_cap)
    cut = "bytes" if count < len(rows) else "rows" if len(taken) > job.row_cap else ""
    return doc, count, cut


def _json_results(names: list[str], rows: list[ox.QuerySolution], cap: int) -> tuple[bytes, int]:
    """SPARQL 1.1 JSON results, as ``json.dumps`` of the whole document would write them, with
    as many rows as fit in ``cap`` bytes (and how many that is); each distinct term is encoded
    once (places, statuses and topics repeat down a result). A term longer than the cap stops
    the answer before it is encoded."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    keys = [(i, dumps(name) + ":") for i, name in enumerate(names)]
    head = dumps({"vars": names})
    size = len(head) + 40
    encoded: dict[Any, str] = {}
    bindings = []
    for sol in rows:
        fields = []
        for i, key in keys:
            term = sol[i]
            if term is not None:
                text = encoded.get(term)
                if text is None:
                    if len(getattr(term, "value", "")) > cap:
                        break
                    text = encoded[term] = dumps(_term(term))
                fields.append(key + text)
        else:
            row = "{" + ",".join(fields) + "}"
            size += len(row.encode()) + 1
            if size <= cap:
                bindings.append(row)
                continue
        break
    doc = f'{{"head":{head},"results":{{"bindings":[{",".join(bindings)}]}}}}'.encode()
    return doc, len(bindings)


def _term(term: Any) -> dict[str, Any]:
    """A term in the SPARQL 1.1 JSON results format (with RDF 1.2 triple terms)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _term(term.subject),
            "predicate": _term(term.predicate),
            "object": _term(term.object),
        },
    }


def serve(conn: Connection, store_dir: str | None, named: dict[str, str]) -> None:
    """Worker main loop: report readiness, then answer jobs until the pipe closes."""
    isolated = isolate_network()  # before any thread exists: unshare needs a lone thread
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    threading.stack_size(STACK_BYTES)
    sys.setrecursionlimit(RECURSION_LIMIT)
    thread = threading.Thread(target=_loop, args=(conn, store_dir, named, isolated), daemon=True)
    thread.start()
    thread.join()


def _built_sha(store_dir: str | None) -> str | None:
    """Digest of the build the opened store belongs to (its version's manifest), if any."""
    if store_dir is None:
        return None
    try:
        return Version.at(Path(store_dir).parent).graph_sha256()
    except CradleError:
        return None


def _loop(conn: Connection, store_dir: str | None, named: dict[str, str], isolated: bool) -> None:
    try:
        store = open_data(store_dir, named)
        graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
        hello = {
            "triples": len(store),
            "graphs": graphs,
            "isolated": isolated,
            "graph_sha256": _built_sha(store_dir),
        }
    except (OSError, SyntaxError, ValueError) as exc:
        conn.send(("error", f"{exc.__class__.__name__}: {exc}"))
        return
    check(Job("ASK {}", "json", [], [], 1, run=False))  # rdflib loaded before the first query
    conn.send(("ready", hello))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        kind, payload = evaluate(store, job)
        conn.send((kind, payload, resident_bytes()))


def resident_bytes() -> int:
    """This process's resident memory now (not its peak), from ``/proc``; 0 if unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * resource.getpagesize()


if __name__ == "__main__":
    _config = json.loads(sys.argv[1])
    serve(Connection(_config["fd"]), _config["store"], _config["named"])
