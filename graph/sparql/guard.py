"""Read-only and no-outbound-traffic checks on SPARQL query text, made before any evaluation.

Oxigraph evaluates ``SERVICE`` by opening an HTTP connection, so a query naming one must be
refused before it reaches an engine. The guard reads the query the way the engine will, in two
steps of different cost:

1. :func:`cradle.graph.sparql.scan.scan`, linear in the text, runs in the server: codepoint
   escapes are decoded first (the decoded text is what every later check and the engine see,
   :attr:`CheckedQuery.text`), then sizes, bracket depth and update keywords are checked;
2. :func:`check_structure` parses with rdflib's SPARQL 1.1 parser and walks the parse tree and
   algebra: ``SERVICE`` anywhere (subqueries, ``EXISTS``, ...), graph IRIs of ``FROM``,
   ``FROM NAMED`` and ``GRAPH`` that are not web IRIs, unknown extension functions, and the
   number of triple patterns (Oxigraph's optimiser is super-linear in it). Parsing can take
   seconds on text the scan allows, so the service runs this step in a query worker process
   under the query's deadline (:mod:`cradle.graph.sparql.worker`), never in the server.

:func:`check_query` runs both in the calling process, for the command line and tests.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from cradle.core.errors import QueryRefused, QuerySyntaxError
from cradle.graph.sparql.scan import MAX_DEPTH, MAX_TOKENS, decode_escapes, scan

__all__ = ["MAX_DEPTH", "MAX_TOKENS", "CheckedQuery", "check_query", "decode_escapes"]
MAX_PATTERNS = 256
SAFE_SCHEMES = frozenset({"http", "https", "urn"})
FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}
XSD = "http://www.w3.org/2001/XMLSchema#"
#: Extension functions the engine evaluates: the XSD constructor casts Oxigraph implements.
KNOWN_FUNCTIONS = frozenset(
    XSD + name
    for name in [
        "string",
        "boolean",
        "integer",
        "decimal",
        "float",
        "double",
        "dateTime",
        "date",
        "time",
        "duration",
        "dayTimeDuration",
        "yearMonthDuration",
        "gYear",
        "gYearMonth",
        "gMonth",
        "gMonthDay",
        "gDay",
    ]
)
PARSER_THREADS = 1  # one: rdflib's pyparsing grammar is shared state, not safe to run twice at once
PARSER_STACK = 256 * 1024 * 1024  # rdflib's parser recurses deeply per nested bracket
RECURSION_LIMIT = 50_000

_T = TypeVar("_T")


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the checks.

    Attributes:
        text: the query with its codepoint escapes decoded: what the engine must be sent.
        form: ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.
        from_graphs: IRIs named by ``FROM`` / ``FROM NAMED`` clauses (resolved).
        patterns: triple patterns and property-path steps in the query's algebra.
    """

    text: str
    form: str
    from_graphs: list[str] = field(default_factory=list)
    patterns: int = 0


def check_query(text: str, base_iri: str | None = None) -> CheckedQuery:
    """Check a query's text before evaluation.

    Args:
        text: the query.
        base_iri: the base IRI relative IRIs in the query resolve against.

    Returns:
        The checked query; send its ``text`` (escapes decoded) to the engine, not ``text``.

    Raises:
        QuerySyntaxError: empty, NUL or lone-surrogate characters, bad escapes, nesting, size
            or patterns over limits, unknown functions, or text that does not parse.
        UpdateRefused: the text is an update (INSERT, DELETE, LOAD, CLEAR, ...).
        QueryRefused: it uses ``SERVICE`` (federation would open outbound connections), or
            names a ``file:`` or other non-web graph in ``FROM`` or ``GRAPH``.
    """
    scanned = scan(text)
    return _in_parser_thread(check_structure, scanned.text, base_iri)


def check_structure(text: str, base_iri: str | None = None) -> CheckedQuery:
    """Parse a scanned query (escapes decoded) and walk its structure: the costly step, run
    where a deadline bounds it (see the module docstring). Needs a deep stack.

    Raises:
        QuerySyntaxError: patterns over the limit, unknown functions, or text that does not
            parse.
        QueryRefused: it uses ``SERVICE``, or names a non-web graph in ``FROM`` or ``GRAPH``.
    """
    parsed = _parse(text)
    if any(node.name == "ServiceGraphPattern" for node in _nodes(parsed)):
        raise QueryRefused(
            "SERVICE (federated query) is not allowed: this endpoint never contacts "
            "other services; query its own graphs only"
        )
    root = _translate(parsed, base_iri).algebra
    graphs: list[str] = []
    for clause in root.get("datasetClause", None) or []:
        for key in ("default", "named"):
            if key in clause:
                graphs.append(str(clause[key]))
    check_graphs(graphs, where="FROM")
    patterns = 0
    for node in _nodes(root):
        if node.name == "Graph" and _is_iri(node.get("term")):  # a GRAPH <iri> pattern
            check_graphs([str(node["term"])], where="GRAPH")
        elif node.name == "Function" and str(node.get("iri")) not in KNOWN_FUNCTIONS:
            raise QuerySyntaxError(
                f"unknown function <{node.get('iri')}>: this endpoint evaluates SPARQL 1.1's "
                "built-in functions and XSD casts only"
            )
        elif node.name == "BGP":
            patterns += sum(_steps(triple[1]) for triple in node.get("triples") or [])
    if patterns > MAX_PATTERNS:
        raise QuerySyntaxError(
            f"the query has {patterns} triple patterns or path steps; at most "
            f"{MAX_PATTERNS} are allowed: split it into smaller queries"
        )
    return CheckedQuery(text, FORMS[root.name], graphs, patterns)


def _parse(text: str) -> Any:
    from pyparsing import ParseException
    from rdflib.plugins.sparql import parser

    try:
        return parser.Query.parse_string(text, parse_all=True)
    except ParseException as exc:
        raise QuerySyntaxError(f"the query does not parse: {_first_line(exc)}") from None
    except RecursionError:
        raise QuerySyntaxError("the query is nested too deeply to parse") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is the text's fault
        raise QuerySyntaxError(f"the query does not parse: {_first_line(exc)}") from None


def _translate(parsed: Any, base_iri: str | None) -> Any:
    from rdflib.plugins.sparql import algebra

    try:
        return algebra.translateQuery(parsed, base=base_iri)
    except RecursionError:
        raise QuerySyntaxError("the query is nested too deeply to parse") from None
    except Exception as exc:  # noqa: BLE001 - e.g. an undeclared prefix
        raise QuerySyntaxError(f"the query is not valid SPARQL: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else exc.__class__.__name__


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _in_parser_thread(fn: Callable[..., _T], *args: Any) -> _T:
    """Run ``fn`` on one of the parser threads, which have a stack deep enough for rdflib's
    recursive descent (the size of the input is bounded by the scan). In-process use only
    (command line, tests): the service parses in its query workers."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
            previous = threading.stack_size(PARSER_STACK)
            try:
                pool = ThreadPoolExecutor(PARSER_THREADS, thread_name_prefix="cradle-sparql-parse")
                barrier = threading.Barrier(PARSER_THREADS)
                for future in [pool.submit(barrier.wait) for _ in range(PARSER_THREADS)]:
                    future.result()  # every thread started now, with the large stack
            finally:
                threading.stack_size(previous)
            _POOL = pool
    return _POOL.submit(fn, *args).result()


def _nodes(tree: Any) -> Iterator[Any]:
    """Every parse-tree or algebra node (rdflib ``CompValue``) in ``tree``, depth first."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple) or type(item).__name__ == "ParseResults":
            stack.extend(item)


def _is_iri(term: Any) -> bool:
    from rdflib import URIRef

    return isinstance(term, URIRef)


def _steps(predicate: Any) -> int:
    """Triple patterns a predicate stands for: 1, or the IRIs along a property path."""
    from rdflib.paths import Path

    if not isinstance(predicate, Path):
        return 1
    count, stack = 0, [predicate]
    while stack:
        item = stack.pop()
        parts = [getattr(item, name, None) for name in ("args", "path", "arg")]
        nested = [p for part in parts if part is not None for p in _as_list(part)]
        if nested:
            stack.extend(nested)
        else:
            count += 1
    return max(count, 1)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def check_graphs(iris: list[str], *, where: str) -> None:
    """Check graph IRIs a request names (``FROM`` clauses, ``default-graph-uri``, ...).

    Graphs this engine does not hold are treated as empty graphs by the engines and are never
    fetched; IRIs that could only mean a local file or another protocol are refused outright.

    Raises:
        QuerySyntaxError: an IRI is not absolute or contains spaces or control characters.
        QueryRefused: an IRI's scheme is not http, https or urn (e.g. ``file:``).
    """
    for iri in iris:
        if not iri or any(ch in iri for ch in '<>"{}|^`\\') or any(ord(c) <= 0x20 for c in iri):
            raise QuerySyntaxError(f"{where}: {iri!r} is not a valid IRI")
        try:
            scheme = urlsplit(iri).scheme.lower()
        except ValueError:
            raise QuerySyntaxError(f"{where}: {iri!r} is not a valid IRI") from None
        if not scheme:
            raise QuerySyntaxError(f"{where}: {iri!r} is not an absolute IRI")
        if scheme not in SAFE_SCHEMES:
            raise QueryRefused(
                f"{where}: graph <{iri}> is refused: this endpoint never reads files or "
                "fetches graphs; name one of the graphs it serves"
            )


def foreign_graphs(iris: list[str], own: set[str]) -> list[str]:
    """The IRIs in ``iris`` that are not among the engine's own graphs ``own``."""
    return [iri for iri in iris if iri not in own]
