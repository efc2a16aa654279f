"""``cradle sparql``: query text from an argument, file or stdin; results as table, JSON or CSV."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pyoxigraph as ox

from cradle.errors import QuerySyntaxError
from cradle.graph.sparql import rows, run_query, serialize
from cradle.graph.store import open_store
from cradle.namespaces import sparql_prologue


def query_text(arg: str) -> str:
    """The query an argument names: ``-`` reads stdin, ``@FILE`` reads a file, else itself."""
    if arg == "-":
        return sys.stdin.read()
    if arg.startswith("@"):
        try:
            return Path(arg[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise QuerySyntaxError(f"{arg[1:]}: cannot read query file: {exc.strerror}") from None
    return arg


def with_prefixes(query: str) -> str:
    """Prepend the project's PREFIX declarations when the query declares none of its own."""
    return query if "prefix" in query.lower() else sparql_prologue() + query


def render(data_dir: Path, query: str, fmt: str) -> str:
    """Run ``query`` on the store in ``data_dir``; render as ``table``, ``json`` or ``csv``."""
    result = run_query(open_store(data_dir), with_prefixes(query))
    if isinstance(result, ox.QueryBoolean):
        return (
            ("true" if bool(result) else "false") + "\n"
            if fmt == "table"
            else serialize(result, "json" if fmt == "json" else "csv").decode() + "\n"
        )
    if isinstance(result, ox.QueryTriples):
        return serialize(result, "turtle").decode()
    if fmt in ("json", "csv"):
        return serialize(result, fmt).decode() + ("\n" if fmt == "json" else "")
    from rich.console import Console
    from rich.table import Table

    names, data = rows(result)
    table = Table(*names)
    for row in data:
        table.add_row(*row)
    buf = io.StringIO()
    Console(file=buf, width=200).print(table)
    buf.write(f"{len(data)} row(s)\n")
    return buf.getvalue()
