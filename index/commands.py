"""What ``cradle search`` and ``cradle eval`` do, as functions the CLI calls and tests drive."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from cradle.core.errors import CradleError
from cradle.core.settings import Settings


def _human(response: dict[str, Any], label: Callable[[str, str], str], out: TextIO) -> None:
    if response.get("truncated"):
        out.write("(query cut to the model's window)\n")
    if not response["results"]:
        out.write("no results\n")
    for n, hit in enumerate(response["results"], 1):
        where = ", ".join(label("locality", p) for p in hit["localities"])
        fmt, status = label("format", hit["format"]), label("status", hit["status"])
        out.write(f"{n:>2}. {hit['title']}  [{hit['score']:.3f}]\n")
        out.write(f"    {hit['publisher']} | {where} | {fmt} | {status}\n")
        if hit.get("snippet"):
            out.write(f"    {_marked(hit['snippet'], hit.get('snippet_marks') or [])}\n")
        out.write(f"    why: {hit['why']['text']}\n    {hit['uri']}\n")


def _marked(text: str, spans: list[list[int]]) -> str:
    """The snippet for a terminal: the query's words between asterisks."""
    from cradle.index.snippets import segments

    return "".join(f"*{part}*" if marked else part for part, marked in segments(text, spans))


def run_search(
    settings: Settings,
    query: str,
    filters: dict[str, str | None],
    k: int = 10,
    as_json: bool = False,
    lines: Iterable[str] | None = None,
    out: TextIO | None = None,
    national: bool = True,
) -> int:
    """Search once (``query``) or once per line of ``lines`` (when ``query`` is ``-``).

    One query prints a readable list, or with ``as_json`` one JSON object. With ``-`` each
    input line prints one JSON object on one line; a line that cannot be searched prints
    ``{"query": ..., "error": ...}`` instead and the others still run. ``national=False``
    drops national resources (with a locality filter: keeps only that place and places in it).

    Returns:
        The exit code: 0, or 1 when any query failed.

    Raises:
        NotBuilt, StaleIndex: no usable index; InvalidSearch: the single query is invalid.
    """
    import sys

    from cradle.index.search import open_searcher

    out = out or sys.stdout
    searcher = open_searcher(settings.data_dir, settings)
    if query != "-":
        response = searcher.search(query, k=k, national=national, **filters).to_dict()
        if as_json:
            out.write(json.dumps(response, ensure_ascii=False, allow_nan=False) + "\n")
        else:
            _human(response, searcher.index.vocab.label, out)
        return 0
    code = 0
    for line in lines if lines is not None else sys.stdin:
        text = line.rstrip("\n")
        try:
            obj = searcher.search(text, k=k, national=national, **filters).to_dict()
        except CradleError as exc:
            obj, code = {"query": text, "error": str(exc)}, 1
        out.write(json.dumps(obj, ensure_ascii=False, allow_nan=False) + "\n")
        out.flush()
    return code


def run_eval(
    settings: Settings,
    queries: Path | list[Path] | None = None,
    out: TextIO | None = None,
    per_query: bool = True,
) -> dict[str, dict[str, float]]:
    """Evaluate search on graded queries and print per-query nDCG@10, then the table (last).

    With several files each is scored and printed on its own (per kind of question when the
    file gives kinds), the last file's table last.

    Returns:
        System -> metric -> mean value (of the last file).

    Raises:
        InvalidQueries: the queries file is missing or malformed; NotBuilt, StaleIndex.
    """
    import sys

    from cradle.index.evaluate import evaluate, load_queries
    from cradle.index.search import open_searcher

    out = out or sys.stdout
    if isinstance(queries, Path):
        paths = [queries]
    else:
        paths = list(queries or []) or [settings.eval_queries]
    sets = [(path, load_queries(path)) for path in paths]  # every file checked before searching
    searcher = open_searcher(settings.data_dir, settings)
    systems: dict[str, dict[str, float]] = {}
    for n, (path, judged) in enumerate(sets):
        report = evaluate(searcher, judged)
        if n:
            out.write("\n")
        for title in report.missing:
            out.write(f"warning: judged title not in the index: {title}\n")
        if per_query:
            names = list(report.systems)
            out.write("nDCG@10 per query: " + " / ".join(names) + "\n")
            for q, vals in report.per_query.items():
                out.write(f"  {q[:60]:<60} " + " ".join(f"{vals[s]:.2f}" for s in names) + "\n")
        for q in report.unanswerable:
            out.write(f"  not scored (nothing in the catalogue answers it): {q[:60]}\n")
        if report.per_kind:
            out.write(report.kind_table() + "\n")
        out.write(report.table(path.name) + "\n")
        systems = report.systems
    return systems
