"""Result formats of SPARQL queries and the choice between them (``format=``, or the Accept
header through the one content negotiation, :mod:`cradle.core.conneg`)."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from cradle.core.conneg import MAX_RANGES, parse_accept, quality
from cradle.core.errors import NotAcceptable


@dataclass(frozen=True)
class Format:
    """A result format.

    Attributes:
        name: short name (``json``, ``turtle``, ...), accepted by the ``format=`` parameter.
        media_type: the media type sent in ``Content-Type``.
        aliases: other media types clients use for it.
    """

    name: str
    media_type: str
    aliases: tuple[str, ...] = ()


RESULT_FORMATS = (  # SELECT and ASK; the first is the default
    Format("json", "application/sparql-results+json", ("application/json", "srj")),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml", "srx")),
    Format("csv", "text/csv"),
    Format("tsv", "text/tab-separated-values"),
)
GRAPH_FORMATS = (  # CONSTRUCT and DESCRIBE; the first is the default
    Format("turtle", "text/turtle", ("application/x-turtle", "ttl", "n3", "text/n3")),
    Format("ntriples", "application/n-triples", ("text/plain", "nt", "n-triples")),
    Format(
        "jsonld",
        "application/ld+json",
        ("application/json", "application/x-json+ld", "json-ld", "json"),
    ),
    Format(
        "rdfxml", "application/rdf+xml", ("application/xml", "text/xml", "xml", "rdf", "rdf+xml")
    ),
)

#: pyoxigraph's serialisers for the formats above, by short name.
RESULT_SYNTAX = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_SYNTAX = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def formats_for(form: str) -> tuple[Format, ...]:
    """The formats a query form (``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``) can use."""
    return RESULT_FORMATS if form in ("SELECT", "ASK") else GRAPH_FORMATS


def negotiate(accept: str | None, formats: tuple[Format, ...], fmt: str | None = None) -> Format:
    """Choose a format from an ``Accept`` header or an explicit ``format=`` value.

    Args:
        accept: the Accept header (None or empty means anything).
        formats: the formats on offer, in order of preference.
        fmt: a ``format=`` value (short name or media type, or several separated by commas,
            the first that fits winning, as SPARQLWrapper sends them; the first
            :data:`~cradle.core.conneg.MAX_RANGES` are read); it overrides ``accept``.

    Raises:
        NotAcceptable: nothing on offer is acceptable; the message lists what is.
    """
    offered = ", ".join(f.media_type for f in formats)
    if fmt:
        for wanted in (w.strip().lower() for w in fmt.split(",", MAX_RANGES)[:MAX_RANGES]):
            for f in formats:
                if wanted in (f.name, f.media_type, *f.aliases):
                    return f
        names = ", ".join(f.name for f in formats)
        shown = fmt if len(fmt) <= 80 else fmt[:80] + "..."
        raise NotAcceptable(f"format={shown!r} does not fit this query; use one of: {names}")
    ranges = parse_accept(accept if accept and accept.strip() else "*/*")
    best: tuple[float, int] | None = None
    chosen = None
    for order, f in enumerate(formats):
        # a wildcard (text/*) reaches a format by its own type only, not by an alias: text/*
        # is CSV or TSV, not SPARQL XML through its alias text/xml
        named = {(r.kind, r.sub) for r in ranges}
        aliases = [t for t in f.aliases if "/" in t and tuple(t.split("/", 1)) in named]
        q = max(quality(ranges, t) for t in (f.media_type, *aliases))
        if q > 0 and (best is None or (q, -order) > best):
            best, chosen = (q, -order), f
    if chosen is None:
        raise NotAcceptable(f"none of the Accept header's types fit this query; offered: {offered}")
    return chosen
