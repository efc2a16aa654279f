"""``/sparql`` for people: what a browser gets instead of RDF or SPARQL results.

A GET without a query whose Accept prefers ``text/html`` gets the endpoint's page (a query form,
what the endpoint holds, its prefixes, the analyst queries as examples); a query whose Accept
prefers ``text/html`` (or ``format=html``) gets its results as an HTML table, Cradle IRIs linked
to their linked-data pages, as Fuseki and Virtuoso do. "Prefers" is strict: a client that ranks
a machine format as high as HTML (``*/*``, SPARQLWrapper, the W3C tests) gets exactly what it
got before.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pyoxigraph as ox

from cradle.core.conneg import prefers
from cradle.core.namespaces import PREFIXES
from cradle.graph.sparql.engine import EngineResult
from cradle.graph.sparql.formats import GRAPH_FORMATS, RESULT_FORMATS, Format
from cradle.service.graphdata import NAMESPACES, GraphData, iri_path

HTML = "text/html"
#: What the engine is asked for when the answer will be an HTML table: SPARQL JSON results for
#: SELECT and ASK, N-Triples for CONSTRUCT and DESCRIBE (each query form picks the one it can).
TABLE_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
#: Most rows an HTML table shows (the rest stay available in the machine formats), and most
#: cells: a query of many columns gets fewer rows, so that a page's cost does not grow with
#: the columns a query names (bench/findings.md, "Hostile requests, third round").
PAGE_ROWS = 1000
PAGE_CELLS = 20_000
#: Most characters a cell shows (the rest: "…"; the whole value is in the machine formats), and
#: most characters of all cells together: a few long values cannot make a page of many
#: megabytes that one client asks for many times (hostile round 8, F2; bench/RESULTS.md).
CELL_CHARS = 2_000
PAGE_CHARS = 500_000


def _media(formats: tuple[Format, ...]) -> list[str]:
    return [t for f in formats for t in (f.media_type, *f.aliases) if "/" in t]


def wants_page(accept: str | None) -> bool:
    """Whether a bare GET should get the HTML page rather than the service description."""
    return prefers(accept, HTML, _media(GRAPH_FORMATS))


def wants_table(accept: str | None, fmt: str | None) -> bool:
    """Whether a query's results should come back as an HTML table."""
    if fmt is not None:
        return fmt.strip().lower() in ("html", HTML)
    return prefers(accept, HTML, _media(RESULT_FORMATS + GRAPH_FORMATS))


@dataclass(frozen=True)
class Cell:
    """One value of a results table, as a person reads it.

    Attributes:
        text: the plain value: a literal's text, a label, or a short prefixed name.
        href: where it links (a Cradle page, or the IRI itself), or None.
        note: the exact RDF term when ``text`` hides it (an IRI, a language, a datatype).
    """

    text: str
    href: str | None = None
    note: str | None = None


def short_iri(iri: str) -> str:
    """``dcat:Dataset`` for an IRI in one of the project's namespaces, else the IRI."""
    for prefix, ns in PREFIXES.items():
        rest = iri[len(ns) :]
        if iri.startswith(ns) and rest and "/" not in rest and "#" not in rest:
            return f"{prefix}:{rest}"
    return iri


def _label(data: GraphData | None, path: str) -> str | None:
    kind, _, term_id = path.strip("/").partition("/")
    if data is None or not term_id:
        return None
    if kind == "resource":
        res = data.resources.get(term_id)
        return res.title if res else None
    term = data.term(kind, term_id)
    return term.label if term else None


def iri_cell(iri: str, data: GraphData | None) -> Cell:
    """An IRI: a Cradle IRI links to its page under its label; any other shows a prefixed name
    and links to itself when it is an http or https IRI (any other scheme is shown as text)."""
    path = iri_path(iri)
    if path and path.strip("/").split("/")[0] in NAMESPACES:
        return Cell(_label(data, path) or short_iri(iri), path, iri)
    short = short_iri(iri)
    if urlsplit(iri).scheme.lower() not in ("http", "https"):
        return Cell(short, None, iri if short != iri else None)  # javascript:, data:, ... as text
    return Cell(short, iri, iri if short != iri else None)


def _json_cell(term: dict[str, Any] | None, data: GraphData | None) -> Cell:
    if term is None:
        return Cell("")
    value = str(term.get("value", ""))
    if term.get("type") == "uri":
        return iri_cell(value, data)
    if term.get("type") == "bnode":
        return Cell(f"_:{value}")
    if term.get("datatype") and not str(term["datatype"]).endswith("#langString"):
        return Cell(value, note=short_iri(str(term["datatype"])))
    return Cell(value)


def _ox_cell(term: Any, data: GraphData | None) -> Cell:
    if isinstance(term, ox.NamedNode):
        return iri_cell(term.value, data)
    if isinstance(term, ox.BlankNode):
        return Cell(f"_:{term.value}")
    if isinstance(term, ox.Literal):
        plain = term.language or term.datatype.value.endswith(("#string", "#langString"))
        return Cell(term.value, note=None if plain else short_iri(term.datatype.value))
    return Cell(str(term))


def results_table(result: EngineResult, data: GraphData | None) -> dict[str, Any]:
    """The columns and rows (of :class:`Cell`) of a query's results, or its ASK answer.

    Args:
        result: the engine's answer, in one of :data:`TABLE_ACCEPT`'s formats.
        data: the graph's records, for the labels of Cradle IRIs (None: no labels).

    Returns:
        ``columns``, ``rows``, ``boolean`` (ASK, else None) and ``shown`` (rows in the table).
    """
    columns: list[str] = []
    rows: list[list[Cell]] = []
    boolean = None
    if result.media_type == "application/sparql-results+json":
        doc = json.loads(result.body)
        if "boolean" in doc:
            boolean = bool(doc["boolean"])
        else:
            columns = list(doc.get("head", {}).get("vars", []))
            room = max(1, min(PAGE_ROWS, PAGE_CELLS // max(1, len(columns))))
            found = doc.get("results", {}).get("bindings", [])[:room]
            rows = _within_budget([_json_cell(b.get(v), data) for v in columns] for b in found)
    else:
        columns = ["subject", "predicate", "object"]
        triples = ox.parse(result.body, format=ox.RdfFormat.N_TRIPLES)
        rows = _within_budget(
            [_ox_cell(t, data) for t in (q.subject, q.predicate, q.object)]  # type: ignore[union-attr]
            for q in itertools.islice(triples, PAGE_ROWS)
        )
    return {"columns": columns, "rows": rows, "boolean": boolean, "shown": len(rows)}


def _within_budget(rows: Iterable[list[Cell]]) -> list[list[Cell]]:
    """The rows, each cell cut to :data:`CELL_CHARS`, up to :data:`PAGE_CHARS` in all."""
    out: list[list[Cell]] = []
    total = 0
    for row in rows:
        cells = [_cut(c) for c in row]
        total += sum(len(c.text) + len(c.href or "") + len(c.note or "") for c in cells)
        if total > PAGE_CHARS and out:
            break
        out.append(cells)
    return out


def _cut(cell: Cell) -> Cell:
    """``cell`` with a long text or note cut to :data:`CELL_CHARS` and a long link dropped."""
    if max(len(cell.text), len(cell.href or ""), len(cell.note or "")) <= CELL_CHARS:
        return cell
    text = cell.text if len(cell.text) <= CELL_CHARS else cell.text[:CELL_CHARS] + " …"
    note = cell.note if cell.note is None or len(cell.note) <= CELL_CHARS else None
    href = cell.href if cell.href is None or len(cell.href) <= CELL_CHARS else None
    return Cell(text, href, note)


def run_link(query: str) -> str:
    """The URL of this endpoint running ``query`` (results as a page for a browser)."""
    return "/sparql?" + urlencode({"query": query})


def query_links(query: str, limit: int) -> dict[str, str] | None:
    """The links that carry ``query``: its results as CSV and JSON, and the editor opening it;
    None when one would be longer than ``limit`` bytes, or so would the page's form sent by GET
    (a browser sends the query's line breaks as CR LF)."""
    links = {
        "csv": "/sparql?" + urlencode({"query": query, "format": "csv"}),
        "json": "/sparql?" + urlencode({"query": query, "format": "json"}),
        "edit": editor_link(query),
    }
    as_sent = query.replace("\r\n", "\n").replace("\n", "\r\n")
    form = "/sparql?" + urlencode({"query": as_sent, "format": "html"})
    return links if max(len(v) for v in (*links.values(), form)) <= limit else None


def editor_link(query: str) -> str:
    """The URL of the editor opening ``query`` in a tab of its own (a share link)."""
    return "/query#query=" + quote(query, safe="")
