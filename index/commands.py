"""What ``cradle search`` and ``cradle eval`` do, as functions the CLI calls and tests drive."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO

from cradle.core.errors import CradleError
from cradle.core.settings import Settings
from cradle.index.hit import Hit, SearchResponse
from cradle.index.urgent import NOTICE

WIDTH = 80


def _line(text: str, indent: str = "    ") -> list[str]:
    """``text`` wrapped to :data:`WIDTH` columns, every line after the first indented."""
    import textwrap

    return textwrap.wrap(text, WIDTH, subsequent_indent=indent, break_on_hyphens=False) or [""]


def _hit_lines(n: int, hit: Hit, label: Callable[[str, str], str]) -> list[str]:
    """One hit in at most 80 columns: title, whom it is for, status badge, place and format, and
    the one way to get it."""
    lines = _line(f"{n:>2}. {hit.title}")
    places = ", ".join(dict.fromkeys(label("locality", p) for p in hit.localities))
    form = label("format", hit.format) if hit.format != "none" else ""
    facts = [x for x in (hit.for_label, hit.badge, hit.out_of_date, places, form) if x]
    lines += _line("    " + " · ".join(facts))
    if hit.snippet:  # the answering sentence, in place of a long summary
        lines += _line("    " + _marked(hit.snippet, hit.snippet_marks), "    ")
    way = hit.how_to_get
    href = way.href.removeprefix("mailto:").removeprefix("tel:") if way.href else ""
    shown = f"{way.label}: {way.href}" if way.href and href not in way.label else way.label
    lines += _line(f"    {shown}")
    return lines


def _human(response: SearchResponse, label: Callable[[str, str], str], out: TextIO) -> None:
    lines: list[str] = _line(NOTICE, "") if response.urgent else []  # issue 27
    if response.truncated:
        lines.append("(query cut to the model's window)")
    if response.corrected_query:
        lines += _line(
            f"Showing results for {response.corrected_query!r}; "
            f"search instead for {response.query!r} with --exact.",
            "",
        )
    if response.place_note:
        lines += _line(response.place_note, "")
    close = [h for h in response.results if h.close]
    others = [h for h in response.results if not h.close]
    if close:
        lines.append(f"{len(close)} close match{'es' if len(close) != 1 else ''}:")
    else:
        lines.append("No close matches.")
        for t in response.understood.get("topic", ()):
            lines += _line(f"  See the topic {t.label}: cradle search --topic {t.id} ...", "")
        if others:
            lines.append("The nearest resources, not close matches:")
    for n, hit in enumerate(close if close else others, 1):
        lines += _hit_lines(n, hit, label)
    out.write("\n".join(lines) + "\n")


def _marked(text: str, spans: Sequence[tuple[int, int]]) -> str:
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
    exact: bool = False,
) -> int:
    """Search once (``query``) or once per line of ``lines`` (when ``query`` is ``-``).

    One query prints a readable list, or with ``as_json`` one JSON object. With ``-`` each
    input line prints one JSON object on one line; a line that cannot be searched prints
    ``{"query": ..., "error": ...}`` instead and the others still run. ``national=False``
    drops national resources (with a locality filter: keeps only that place and places in it).
    The readable list shows the close matches (or, when none is close, says so and shows the
    nearest), each in at most 80 columns; ``exact`` turns spelling correction off.

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
        response = searcher.search_filtered(query, k, filters, national, exact=exact)
        if as_json:
            out.write(json.dumps(response.to_dict(), ensure_ascii=False, allow_nan=False) + "\n")
        else:
            _human(response, searcher.index.vocab.label, out)
        return 0
    code = 0
    for line in lines if lines is not None else sys.stdin:
        text = line.rstrip("\n")
        try:
            obj = searcher.search_filtered(text, k, filters, national, exact=exact).to_dict()
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
