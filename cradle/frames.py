"""SPARQL results as pandas DataFrames with typed columns (for the analyst API).

A column takes the type its values share: ``xsd:integer`` and the other integer types become
``Int64``, ``xsd:decimal``/``double``/``float`` become ``float64``, ``xsd:boolean`` becomes
``boolean``, ``xsd:date``/``dateTime``/``gYear``/``gYearMonth`` become ``datetime64`` (a year or
month is dated to its first day). IRIs, blank nodes, strings and columns of mixed kinds become
pandas ``string``. Unbound values are missing (``<NA>``/``NaN``/``NaT``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pandas as pd
import pyoxigraph as ox

from cradle.graph.sparql.run import term_text

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER = {
    "integer",
    "int",
    "long",
    "short",
    "byte",
    "nonNegativeInteger",
    "positiveInteger",
    "negativeInteger",
    "nonPositiveInteger",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
}
_FLOAT = {"decimal", "double", "float"}
_DATE = {"date", "dateTime", "dateTimeStamp", "gYear", "gYearMonth"}


def term_kind(term: object) -> str:
    """The column kind of one RDF term: ``int``, ``float``, ``bool``, ``date`` or ``str``."""
    if not isinstance(term, ox.Literal) or term.language:
        return "str"
    dt = term.datatype.value
    if not dt.startswith(XSD):
        return "str"
    local = dt[len(XSD) :]
    if local in _INTEGER:
        return "int"
    if local in _FLOAT:
        return "float"
    if local == "boolean":
        return "bool"
    return "date" if local in _DATE else "str"


def _text(term: object, compact: bool) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode):
        return term_text(term) if compact else term.value
    return term.value  # type: ignore[attr-defined, no-any-return]


def _iso_day(value: str) -> str:
    """``2021`` -> ``2021-01-01``, ``2021-12`` -> ``2021-12-01``; full dates unchanged."""
    bare = value.lstrip("-")
    if len(bare) == 4 and bare.isdigit():
        return f"{value}-01-01"
    if len(bare) == 7 and bare[4] == "-":
        return f"{value}-01"
    return value


def dates(values: list[str | None]) -> pd.Series:
    """ISO dates, months (``2021-09``) and years as ``datetime64``, a month or year dated to
    its first day (UTC when any value has a time zone)."""
    days = [None if v is None else _iso_day(v) for v in values]
    aware = any(v is not None and (v.endswith("Z") or "+" in v[10:]) for v in days)
    return pd.Series(pd.to_datetime(days, format="ISO8601", utc=aware))


_CONVERT: dict[str, Callable[[list[str | None]], pd.Series]] = {
    "int": lambda vs: pd.Series(pd.array([None if v is None else int(v) for v in vs], "Int64")),
    "float": lambda vs: pd.Series(
        [float("nan") if v is None else float(v) for v in vs], dtype=float
    ),
    "bool": lambda vs: pd.Series(
        pd.array([None if v is None else v in ("true", "1") for v in vs], "boolean")
    ),
    "date": dates,
}


def column(terms: Sequence[object], compact: bool = True) -> pd.Series:
    """Turn the values one variable takes into a typed Series.

    Args:
        terms: pyoxigraph terms, ``None`` where unbound.
        compact: shorten IRIs with the project's prefixes (``res:icon-...``).

    Returns:
        A Series typed as the module docstring describes.
    """
    texts = [_text(t, compact) for t in terms]
    kinds = {term_kind(t) for t in terms if t is not None}
    if kinds == {"int", "float"}:
        kinds = {"float"}
    if len(kinds) == 1 and (kind := kinds.pop()) in _CONVERT:
        try:
            return _CONVERT[kind](texts)
        except (ValueError, OverflowError):  # an ill-typed literal: keep the text
            pass
    return pd.Series(pd.array(texts, dtype="string"))


def solutions_frame(result: ox.QuerySolutions, compact: bool = True) -> pd.DataFrame:
    """A SELECT result as a DataFrame: one typed column per projected variable, in order."""
    names = [v.value for v in result.variables]
    rows = [[sol[n] for n in names] for sol in result]
    return pd.DataFrame(
        {n: column([r[i] for r in rows], compact) for i, n in enumerate(names)},
        columns=names,
    )


def triples_frame(result: Iterable[ox.Triple | ox.Quad], compact: bool = True) -> pd.DataFrame:
    """A CONSTRUCT or DESCRIBE result as a DataFrame with columns ``s``, ``p``, ``o``."""
    triples = list(result)
    return pd.DataFrame(
        {
            "s": column([t.subject for t in triples], compact),
            "p": column([t.predicate for t in triples], compact),
            "o": column([t.object for t in triples], compact),
        },
        columns=["s", "p", "o"],
    )
