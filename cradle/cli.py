"""The ``cradle`` command. Each command parses its arguments and calls one tested function;
heavy libraries (torch, FAISS) are imported only by the commands that need them."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cradle.core.errors import CradleError
from cradle.core.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Cradle: knowledge graph and search over good practice for safeguarding babies.",
)

CatalogueOpt = Annotated[
    Path | None, typer.Option("--catalogue", help="catalogue YAML (default data/catalogue.yaml)")
]
DataDirOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="build folder (default build/)")
]


StoreUrlOpt = Annotated[
    str | None,
    typer.Option("--store-url", help="external SPARQL store's query URL (instead of the embedded)"),
]


def _settings(**overrides: object) -> Settings:
    return Settings.model_validate({k: v for k, v in overrides.items() if v is not None})


def _fail(exc: CradleError) -> None:
    for line in str(exc).splitlines() or [exc.__class__.__name__]:
        typer.echo(line, err=True)
    raise typer.Exit(1)


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="text export of the good-practice table")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="write YAML here (default: stdout)")
    ] = None,
    contacts: Annotated[
        Path | None,
        typer.Option("--contacts", help="write the personal contacts found to this PRIVATE file"),
    ] = None,
) -> None:
    """Import the document's text export as catalogue YAML (topics suggested, for review)."""
    from cradle.graph.commands import run_import

    try:
        problems = run_import(file, out, contacts)
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"{file}: cannot read: {exc.__class__.__name__}", err=True)
        raise typer.Exit(1) from None
    for p in problems:
        typer.echo(f"{file}: {p}", err=True)
    if problems:
        raise typer.Exit(1)


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
) -> None:
    """Build, validate and store the knowledge graph (and search index) in the data dir."""
    from cradle.commands import run_build

    settings = _settings(
        catalogue=catalogue, data_dir=data_dir, store_url=store_url, store_gsp_url=store_gsp_url
    )
    try:
        result = run_build(settings, with_index=not graph_only)
    except CradleError as exc:
        _fail(exc)
    typer.echo(
        f"built {result.resources} resources, {result.triples} triples into "
        f"{settings.data_dir} (graph {result.graph_sha256[:12]})"
    )


@app.command()
def validate(catalogue: CatalogueOpt = None) -> None:
    """Check the catalogue and SHACL-validate its graph; print each violation, exit non-zero."""
    from cradle.graph.commands import run_validate

    settings = _settings(catalogue=catalogue)
    problems = run_validate(settings.catalogue, settings.ontology_dir)
    for p in problems:
        typer.echo(p)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"{settings.catalogue}: conforms")


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
        sys.stdout.write(run_sparql(settings.data_dir, text, fmt.value))
    except CradleError as exc:
        _fail(exc)


@app.command()
def synth(
    resources: Annotated[int, typer.Option("--resources", "-n", min=1, help="how many")] = 1000,
    out: Annotated[Path, typer.Option("--out", help="folder for catalogue.yaml")] = Path(
        "build/synth"
    ),
    seed: Annotated[int, typer.Option("--seed", help="same seed, same catalogue")] = 0,
) -> None:
    """Write a synthetic national catalogue (all English authorities) to OUT/catalogue.yaml."""
    from cradle.graph.sources.synth import write_synthetic

    path = write_synthetic(resources, out, seed, progress=True)
    typer.echo(f"wrote {resources} synthetic resources to {path}")


FacetOpt = Annotated[str | None, typer.Option(help="filter: an id or preferred label")]


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help="the question; - reads one query per line from stdin")
    ],
    k: Annotated[int, typer.Option("-k", "--k", help="number of results, 1-100")] = 10,
    locality: FacetOpt = None,
    topic: FacetOpt = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="filter: a format id or preferred label")
    ] = None,
    audience: FacetOpt = None,
    status: FacetOpt = None,
    national: Annotated[
        bool, typer.Option("--national/--no-national", help="keep national resources")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Search the catalogue in natural language (filters are exact, with hierarchies)."""
    from cradle.index.commands import run_search

    settings = _settings(data_dir=data_dir)
    filters = {
        "locality": locality,
        "topic": topic,
        "format": fmt,
        "audience": audience,
        "status": status,
    }
    try:
        code = run_search(settings, query, filters, k=k, as_json=as_json, national=national)
    except CradleError as exc:
        _fail(exc)
    raise typer.Exit(code)


@app.command("eval")
def eval_cmd(
    queries: Annotated[
        list[Path] | None,
        typer.Argument(help="graded queries JSON files (default: settings eval_queries)"),
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
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
    data_dir: DataDirOpt = None,
    query_timeout: Annotated[
        float | None, typer.Option("--query-timeout", help="SPARQL deadline in seconds")
    ] = None,
    graph: Annotated[
        list[str] | None,
        typer.Option("--graph", help="serve FILE as the named graph IRI (IRI=FILE, repeatable)"),
    ] = None,
    store_url: StoreUrlOpt = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, max=64, help="server processes sharing the port"),
    ] = None,
) -> None:
    """Serve search, SPARQL, linked-data pages and the web UI over the built graph and index."""
    from cradle.service.commands import parse_graphs, run_serve

    try:
        graphs = parse_graphs(graph or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--graph") from None
    settings = _settings(
        host=host, port=port, data_dir=data_dir, query_timeout=query_timeout,
        named_graphs=graphs or None, store_url=store_url, workers=workers,
    )  # fmt: skip
    try:
        status = run_serve(settings)
    except CradleError as exc:
        _fail(exc)
    except OSError as exc:
        typer.echo(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}", err=True)
        raise typer.Exit(1) from None
    if status:
        raise typer.Exit(status)


def main() -> None:
    """Entry point of the ``cradle`` console script."""
    app()


if __name__ == "__main__":
    main()
