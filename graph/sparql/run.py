"""Run SPARQL queries on a store and render their results (standard formats, or a table)."""

from __future__ import annotations

import pyoxigraph as ox

from cradle.core.errors import CradleError, QuerySyntaxError
from cradle.core.namespaces import PREFIXES

Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def run_query(
    store: ox.Store,
    query: str,
    *,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
    union_default: bool = False,
) -> Result:
    """Evaluate a SPARQL query (never an update) on ``store``.

    Args:
        store: the store.
        query: SPARQL 1.1 query text.
        default_graphs: IRIs whose merge is the default graph (protocol ``default-graph-uri``).
        named_graphs: IRIs of the only named graphs visible (protocol ``named-graph-uri``).
        union_default: query the union of all graphs as the default graph.

    Raises:
        QuerySyntaxError: with the parser's message when the query does not parse.
    """
    kwargs: dict[str, object] = {"use_default_graph_as_union": union_default}
    if default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    if named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    try:
        return store.query(query, **kwargs)  # type: ignore[arg-type]
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc)) from None
    except ValueError as exc:  # e.g. an invalid IRI in default-graph-uri
        raise QuerySyntaxError(str(exc)) from None


def term_text(term: object) -> str:
    """Plain text of an RDF term, with IRIs shortened by the project's prefixes."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, iri in PREFIXES.items():
            if term.value.startswith(iri) and "/" not in term.value[len(iri) :]:
                return f"{prefix}:{term.value[len(iri) :]}"
        return term.value
    if isinstance(term, ox.Literal | ox.BlankNode):
        return term.value
    return str(term)


def rows(result: ox.QuerySolutions) -> tuple[list[str], list[list[str]]]:
    """Variable names and rows of plain text, for tables."""
    names = [v.value for v in result.variables]
    return names, [[term_text(sol[n]) for n in names] for sol in result]


def with_prefixes(query: str) -> str:
    """The query with a PREFIX declaration prepended for each of the project's prefixes
    (:data:`cradle.core.namespaces.PREFIXES`) that it uses and does not declare itself.

    The one function that lets a query skip PREFIX lines: the endpoint, ``cradle sparql`` and
    the notebooks all call it. A query's own declarations win; the added ones go on the first
    line, so the parser's line numbers still point at the query as written.
    """
    from cradle.graph.sparql.scan import scan

    try:
        found = scan(query, limits=False)  # linear: names outside IRIs, strings and comments
    except CradleError:
        return query  # the parser reports what is wrong with it
    wanted = [p for p in PREFIXES if p in found.used and p not in found.declared]
    if not wanted:
        return query
    return " ".join(f"PREFIX {p}: <{PREFIXES[p]}>" for p in wanted) + " " + query
