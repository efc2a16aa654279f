"""The ``cradle`` command. Each command parses its arguments and calls one tested function;
heavy libraries (torch, FAISS) are imported only by the commands that need them."""

from __future__ import annotations

import errno
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from cradle.core.errors import CatalogueError, CradleError, UnreadableFile, ValidationFailed
from cradle.core.settings import Settings
from cradle.facet_options import facet_options
from cradle.graph.curation.ranking import REASONS

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Cradle: knowledge graph and search over good practice for safeguarding babies.",
)

CatalogueOpt = Annotated[
    Path | None, typer.Option("--catalogue", help="catalogue YAML (default CRADLE_CATALOGUE)")
]
DataDirOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="data dir (default CRADLE_DATA_DIR)")
]


StoreUrlOpt = Annotated[
    str | None,
    typer.Option("--store-url", help="external SPARQL store's query URL (instead of the embedded)"),
]


class ListFormat(StrEnum):
    table = "table"
    json = "json"


def _settings(**overrides: object) -> Settings:
    """The settings, from ``CRADLE_*`` variables, with the flags given explicitly winning."""
    try:
        return Settings.model_validate({k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors():
            name = "CRADLE_" + "_".join(str(p) for p in error["loc"]).upper()
            typer.echo(f"{name}: {error['msg']}", err=True)
        raise typer.Exit(2) from None


#: Domain error -> exit code, the one table (first match wins). 2: an input cannot be read (as
#: for a wrong flag); 1: any other problem, said on stderr. Bad settings exit 2 too (_settings).
EXIT_CODES: list[tuple[type[CradleError], int]] = [(UnreadableFile, 2), (CradleError, 1)]


def exit_code(exc: CradleError) -> int:
    """The exit code of a domain error (:data:`EXIT_CODES`)."""
    return next(code for cls, code in EXIT_CODES if isinstance(exc, cls))


def _fail(exc: CradleError) -> None:
    for line in str(exc).splitlines() or [exc.__class__.__name__]:
        typer.echo(line, err=True)
    raise typer.Exit(exit_code(exc))


@app.command("import")
def import_cmd(
    file: Annotated[
        Path, typer.Argument(help="the good-practice table: Word (.docx) or its text export (.txt)")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="write YAML here (default: stdout)")
    ] = None,
    contacts: Annotated[
        Path | None,
        typer.Option("--contacts", help="write the personal contacts found to this PRIVATE file"),
    ] = None,
    merge: Annotated[
        Path | None,
        typer.Option(
            "--merge", help="bring this curated catalogue up to date (keeps ids, topics, urls...)"
        ),
    ] = None,
    drop_missing: Annotated[
        bool,
        typer.Option(
            "--drop-missing", help="with --merge: remove the entries the new document does not have"
        ),
    ] = False,
    drop: Annotated[
        list[str] | None,
        typer.Option(
            "--drop",
            help="with --merge: remove this entry the new document does not have (repeat it); "
            "the others are kept",
        ),
    ] = None,
) -> None:
    """Import the table as catalogue YAML (topics suggested, for review); with --merge, the
    curated catalogue brought up to date, and a report of how each row was matched and what
    changed, old -> new (on stderr)."""
    from cradle.graph.commands import run_import

    if drop_missing and merge is None:
        raise typer.BadParameter("only with --merge FILE", param_hint="--drop-missing")
    if drop and merge is None:
        raise typer.BadParameter("only with --merge FILE", param_hint="--drop")
    if merge is not None and out is not None and out.resolve() == merge.resolve():
        raise typer.BadParameter(
            f"{out} is the catalogue being merged into, which stays as it is until you have "
            "checked the result: write to another file (-o merged.yaml), check it with "
            f"`cradle diff {merge} merged.yaml`, then copy it over",
            param_hint="--out",
        )
    settings = _settings()
    try:
        problems, report = run_import(
            file, out, contacts, merge, settings.ontology_dir, drop_missing, drop or ()
        )
    except CradleError as exc:
        _fail(exc)
    except OSError as exc:
        typer.echo(f"{file}: cannot read: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    if report is not None:
        typer.echo(report.rstrip("\n"), err=True)
        if out is None and sys.stdout.isatty():
            typer.echo(
                "note: nothing was saved (the merged catalogue went to the screen): run it again "
                "with -o merged.yaml",
                err=True,
            )
    for p in problems:
        typer.echo(f"{file}: {p}", err=True)
    if problems:
        raise typer.Exit(1)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="the earlier catalogue YAML")],
    new: Annotated[Path, typer.Argument(help="the later catalogue YAML")],
    fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.table,
) -> None:
    """What changed between two catalogues: entries, organisations and places added, removed and
    changed (which fields), and the catalogue's header."""
    from cradle.graph.commands import run_diff

    settings = _settings()
    try:
        sys.stdout.write(run_diff(old, new, settings.ontology_dir, fmt.value))
    except CradleError as exc:
        _fail(exc)


@app.command()
def build(
    catalogue: CatalogueOpt = None,
    data_dir: DataDirOpt = None,
    graph_only: Annotated[bool, typer.Option("--graph-only", help="skip the search index")] = False,
    store_url: StoreUrlOpt = None,
    store_gsp_url: Annotated[
        str | None,
        typer.Option("--store-gsp-url", help="its Graph Store Protocol URL (Oxigraph: derived)"),
    ] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="more detail (-vv: debug)")
    ] = 0,
) -> None:
    """Build, validate and store the knowledge graph (and search index) in the data dir."""
    from cradle.commands import run_build
    from cradle.core.quiet import configure

    configure(verbose)
    settings = _settings(
        catalogue=catalogue, data_dir=data_dir, store_url=store_url, store_gsp_url=store_gsp_url
    )
    tty = sys.stderr.isatty() or verbose > 0
    try:
        result = run_build(
            settings,
            with_index=not graph_only,
            report=(lambda line: typer.echo(line, err=True)) if tty else None,
            progress=verbose > 0,
        )
    except (CatalogueError, ValidationFailed) as exc:  # the catalogue's problems, listed
        for line in str(exc).splitlines():
            typer.echo(line, err=True)
        typer.echo(_not_built(settings.data_dir), err=True)
        raise typer.Exit(exit_code(exc)) from None
    except CradleError as exc:  # one line that says what is unchanged (a disk error, ...)
        _fail(exc)
    typer.echo(
        f"built {result.resources} resources, {result.triples} triples into "
        f"{settings.data_dir} (graph {result.graph_sha256[:12]})"
    )


def _not_built(data_dir: Path) -> str:
    """What a failed build left: the build before (still served), or none."""
    from cradle.core.datadir import DataDir

    try:
        DataDir(data_dir).open()
    except CradleError:
        return "nothing was built; fix what is listed and run `cradle build` again"
    return (
        f"nothing was built: {data_dir} still holds, and servers still serve, the build before; "
        "fix what is listed and run `cradle build` again"
    )


@app.command()
def rollback(data_dir: DataDirOpt = None) -> None:
    """Publish the previous version again (the data dir's `previous`, and with an external
    store its graph there too); running servers follow."""
    from cradle.commands import run_rollback

    settings = _settings(data_dir=data_dir)
    try:
        now = run_rollback(settings, report=typer.echo)
    except CradleError as exc:
        _fail(exc)
    typer.echo(
        f"published version {now} again in {settings.data_dir}; running servers serve it "
        f"within {settings.reload_interval:g} s (at once on SIGHUP)"
    )


@app.command()
def validate(
    catalogue: CatalogueOpt = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="treat notes (a synonym read as its preferred name) as problems"
        ),
    ] = False,
) -> None:
    """Check the catalogue: every problem of every entry at once, as FILE:LINE: entry ID:
    FIELD: what is wrong, then notes (a synonym read as its preferred label). Exit 0: conforms;
    1: problems found (with --strict, notes too); 2: the file cannot be read."""
    from cradle.doctor import catalogue_source, not_a_catalogue
    from cradle.graph.commands import run_validate_with_notes

    settings = _settings(catalogue=catalogue)
    typer.echo(f"checking {settings.catalogue.resolve()} ({catalogue_source(bool(catalogue))})")
    if not settings.catalogue.is_file():
        typer.echo(f"{settings.catalogue}: {not_a_catalogue(settings.catalogue)}", err=True)
        raise typer.Exit(2)
    try:
        problems, notes = run_validate_with_notes(settings.catalogue, settings.ontology_dir, strict)
    except CradleError as exc:
        _fail(exc)
    for p in problems:
        typer.echo(p)
    for n in notes:
        typer.echo(n)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {settings.catalogue}; fix them and run again")
        raise typer.Exit(1)
    said = f" ({len(notes)} note(s); --strict makes them problems)" if notes else ""
    typer.echo(f"{settings.catalogue}: conforms{said}")


@app.command()
def topics(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.table,
) -> None:
    """List the topics an entry's `topics:` may name: id, name, and the other names read as
    the topic (with a note from cradle validate)."""
    from cradle.graph.commands import run_topics

    settings = _settings()
    sys.stdout.write(run_topics(settings.ontology_dir, fmt.value))


@app.command()
def doctor(catalogue: CatalogueOpt = None, data_dir: DataDirOpt = None) -> None:
    """Tell what is set up and what is missing: the environment, which catalogue file and
    whether it conforms, the build and its search index, the packages. Exit 1 when something
    is missing."""
    from cradle.doctor import run_doctor

    settings = _settings(catalogue=catalogue, data_dir=data_dir)
    text, missing = run_doctor(settings, explicit_catalogue=catalogue is not None)
    sys.stdout.write(text)
    if missing:
        raise typer.Exit(1)


class ReviewFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _today(value: str | None) -> date | None:
    return _date(value, "--today")


def _date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=flag) from None


def _review_command(catalogue: Path | None, today: str | None) -> str:
    """``cradle review`` with the options given, to say how to list more."""
    import shlex

    words = ["cradle", "review"]
    words += ["--catalogue", str(catalogue)] if catalogue else []
    words += ["--today", today] if today else []
    return shlex.join(words)


@app.command()
def review(
    catalogue: CatalogueOpt = None,
    today: Annotated[
        str | None, typer.Option("--today", help="judge as on this day (YYYY-MM-DD)")
    ] = None,
    fmt: Annotated[ReviewFormat, typer.Option("--format", "-f")] = ReviewFormat.table,
    reason: Annotated[
        list[str] | None,
        typer.Option(
            "--reason",
            metavar="REASON",
            help="only entries with this reason (repeatable): " + ", ".join(REASONS),
        ),
    ] = None,
    mark: Annotated[
        list[str] | None,
        typer.Option("--mark", metavar="ID", help="record that entry ID was reviewed (repeatable)"),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--date", help="with --mark: the day of the review (default today)"),
    ] = None,
) -> None:
    """List the entries that need attention, what to do first at the top: expired, broken
    link, no way to obtain, overdue, awaiting information, link unchecked, review due, never
    reviewed (counted in the table; listed with --reason never-reviewed, and in csv and json).
    Exit 0 whether or not any do; 1 if the catalogue has problems. With --mark ID: write
    `reviewed:` for that entry into the catalogue file (only that line changes), then validate
    it."""
    from cradle.graph.commands import run_mark, run_review

    for r in reason or []:
        if r not in REASONS:
            raise typer.BadParameter(
                f"{r!r}: the reasons are {', '.join(REASONS)}", param_hint="--reason"
            )
    settings = _settings(catalogue=catalogue)
    try:
        if mark:
            text, problems = run_mark(
                settings.catalogue, settings.ontology_dir, mark, _date(on, "--date")
            )
            sys.stdout.write(text)
            raise typer.Exit(1 if problems else 0)
        text, _ = run_review(
            settings.catalogue,
            settings.ontology_dir,
            _today(today),
            fmt.value,
            reason,
            _review_command(catalogue, today),
        )
    except CradleError as exc:
        _fail(exc)
    sys.stdout.write(text)


@app.command()
def linkcheck(
    catalogue: CatalogueOpt = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.table,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, max=120, help="seconds per address, in all")
    ] = 10.0,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=32, help="requests at once")
    ] = 4,
    record: Annotated[
        bool,
        typer.Option(
            "--record", help="write url_checked (today) into the catalogue for each working link"
        ),
    ] = False,
) -> None:
    """Check each entry's url (http/https only, public addresses only; HEAD, then GET if
    refused; redirects followed and checked) and record the results beside the catalogue for
    `cradle review`: ok, broken, unreachable (could not check) or refused. Exit 1 when a link
    is broken."""
    from cradle.graph.commands import run_linkcheck

    settings = _settings(catalogue=catalogue)
    try:
        text, broken = run_linkcheck(
            settings.catalogue,
            settings.ontology_dir,
            fmt.value,
            timeout,
            concurrency,
            settings.linkcheck_allow_private,
            record,
        )
    except CradleError as exc:
        _fail(exc)
    sys.stdout.write(text)
    if broken:
        raise typer.Exit(1)


class SparqlFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
def sparql(
    query: Annotated[str, typer.Argument(help="SPARQL query text, @FILE, or - for stdin")],
    fmt: Annotated[SparqlFormat, typer.Option("--format", "-f")] = SparqlFormat.table,
    data_dir: DataDirOpt = None,
) -> None:
    """Run a SPARQL query on the built graph (json is the SPARQL JSON results format)."""
    from cradle.graph.commands import query_text, run_sparql

    settings = _settings(data_dir=data_dir)
    try:
        text = query_text(query)
        sys.stdout.write(run_sparql(settings, text, fmt.value))
    except CradleError as exc:
        _fail(exc)


class GapOrder(StrEnum):
    need = "need"
    place = "place"


class TableFormat(StrEnum):
    csv = "csv"
    json = "json"


@app.command()
def gaps(
    within: Annotated[str | None, typer.Option(help="area id (default: the home area)")] = None,
    status: Annotated[str, typer.Option(help="status id counted, or 'all'")] = "available",
    include_shared: Annotated[
        bool, typer.Option("--include-shared", help="count the wider areas' resources too")
    ] = False,
    order: Annotated[GapOrder, typer.Option(help="need: highest priority first")] = GapOrder.need,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.csv,
    data_dir: DataDirOpt = None,
) -> None:
    """List the coverage gaps with each authority's need (babies under one, deprivation,
    priority); docs/coverage.md says how the priority is made."""
    from cradle.graph.read.priority import gaps_output

    settings = _settings(data_dir=data_dir)
    try:
        text = gaps_output(settings.data_dir, within, status, include_shared, order, fmt)
    except CradleError as exc:
        _fail(exc)
    else:
        sys.stdout.write(text)
        if fmt == TableFormat.csv:  # the JSON carries it; a CSV cannot without a stray row
            from cradle.graph.build.need import ATTRIBUTION

            typer.echo(ATTRIBUTION, err=True)


class ExportFormat(StrEnum):
    oruk = "oruk"


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="folder for the data package")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="the standard")] = (
        ExportFormat.oruk
    ),
    data_dir: DataDirOpt = None,
) -> None:
    """Export the built catalogue as an Open Referral UK 1.0 data package (datapackage.json and
    one CSV per table in OUT; docs/oruk.md)."""
    from cradle.graph.read.oruk import export_oruk

    settings = _settings(data_dir=data_dir)
    try:
        path = export_oruk(settings.data_dir, out)
    except CradleError as exc:
        _fail(exc)
    else:
        typer.echo(f"wrote the {fmt.value} data package {path}")


@app.command()
def synth(
    resources: Annotated[int, typer.Option("--resources", "-n", min=1, help="how many")] = 1000,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="folder for catalogue.yaml (default: synth/ in the data dir)"),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="same seed, same catalogue")] = 0,
) -> None:
    """Write a synthetic national catalogue (all English authorities) to OUT/catalogue.yaml."""
    from cradle.core.datadir import DataDir
    from cradle.graph.sources.synth import write_synthetic

    settings = _settings()
    folder = out or DataDir(settings.data_dir).synth_dir
    path = write_synthetic(
        resources, folder, seed, progress=True, ontology_dir=settings.ontology_dir
    )
    typer.echo(f"wrote {resources} synthetic resources to {path}")


@app.command()
@facet_options
def search(
    query: Annotated[
        str, typer.Argument(help="the question; - reads one query per line from stdin")
    ],
    filters: dict[str, str | None],
    k: Annotated[
        int | None,
        typer.Option("-k", "--k", help="number of results, 1-100 (default CRADLE_SEARCH_RESULTS)"),
    ] = None,
    national: Annotated[
        bool, typer.Option("--national/--no-national", help="keep national resources")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    exact: Annotated[
        bool, typer.Option("--exact", help="search the words as typed: no spelling correction")
    ] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Search the catalogue in natural language (filters are exact, with hierarchies)."""
    from cradle.index.commands import run_search

    settings = _settings(data_dir=data_dir, search_results=k)
    try:
        code = run_search(
            settings,
            query,
            filters,
            k=settings.search_results,
            as_json=as_json,
            national=national,
            exact=exact,
        )
    except CradleError as exc:
        _fail(exc)
    raise typer.Exit(code)


@app.command("eval")
def eval_cmd(
    queries: Annotated[
        list[Path] | None,
        typer.Argument(help="graded queries JSON files (default CRADLE_EVAL_QUERIES)"),
    ] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Score search on graded queries: nDCG@10, MRR@10, Recall@10, P@1, with baselines."""
    from cradle.index.commands import run_eval

    settings = _settings(data_dir=data_dir)
    try:
        run_eval(settings, queries)
    except CradleError as exc:
        _fail(exc)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="address to listen on (default CRADLE_HOST)")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="port to listen on (default CRADLE_PORT)")
    ] = None,
    data_dir: DataDirOpt = None,
    query_timeout: Annotated[
        float | None,
        typer.Option(
            "--query-timeout", help="SPARQL deadline in seconds (default CRADLE_QUERY_TIMEOUT)"
        ),
    ] = None,
    graph: Annotated[
        list[str] | None,
        typer.Option("--graph", help="serve FILE as the named graph IRI (IRI=FILE, repeatable)"),
    ] = None,
    store_url: StoreUrlOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="server processes sharing the port (default CRADLE_WORKERS)",
        ),
    ] = None,
) -> None:
    """Serve search, SPARQL, linked-data pages and the web UI over the built graph and index."""
    from cradle.service.commands import parse_graphs, run_serve

    try:
        graphs = parse_graphs(graph or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--graph") from None
    settings = _settings(
        host=host,
        port=port,
        data_dir=data_dir,
        query_timeout=query_timeout,
        named_graphs=graphs or None,
        store_url=store_url,
        workers=workers,
    )
    try:
        status = run_serve(settings)
    except CradleError as exc:
        _fail(exc)
    except OSError as exc:
        busy = exc.errno == errno.EADDRINUSE
        hint = (
            ": another program (another cradle serve?) uses it; stop it, or give --port"
            if busy
            else ""
        )
        typer.echo(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}{hint}", err=True
        )
        raise typer.Exit(1) from None
    if status:
        raise typer.Exit(status)


def main() -> None:
    """Entry point of the ``cradle`` console script: errors only unless a command asks for more
    (:mod:`cradle.core.quiet`)."""
    from cradle.core.quiet import configure

    configure(0)
    app()


if __name__ == "__main__":
    main()
