"""``cradle sparql``: query text from an argument, file or stdin; results as table, JSON or CSV."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pyoxigraph as ox

from cradle.errors import QuerySyntaxError
from cradle.graph.engine import query_once
from cradle.graph.guard import check_query
from cradle.graph.sparql import rows
from cradle.namespaces import sparql_prologue
from cradle.settings import Settings


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
    """Run ``query`` on the store in ``data_dir``; render as ``table``, ``json`` or ``csv``.

    The query goes through the service's engine (:func:`cradle.graph.engine.query_once`):
    read-only, no SERVICE, the same deadline and row cap; a cut result is said on stderr.
    """
    settings = Settings.model_validate({"data_dir": data_dir})
    text = with_prefixes(query)
    is_graph = check_query(text).form in ("CONSTRUCT", "DESCRIBE")
    wire = "turtle" if is_graph else "csv" if fmt == "csv" else "json"
    answer = query_once(settings, text, wire)
    if answer.truncated:
        sys.stderr.write(f"warning: result truncated at the row cap of {answer.row_cap}\n")
    if is_graph:
        return answer.body.decode()
    if fmt in ("json", "csv"):
        out = answer.body.decode()
        return out if out.endswith("\n") else out + "\n"
    result = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    if isinstance(result, ox.QueryBoolean):
        return ("true" if bool(result) else "false") + "\n"
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
