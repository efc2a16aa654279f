"""What ``/sparql`` says about itself: its OpenAPI description and its SPARQL 1.1 Service
Description (https://www.w3.org/TR/sparql11-service-description/)."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from cradle.core.namespaces import PREFIXES
from cradle.graph.sparql.formats import GRAPH_FORMATS, RESULT_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"
SHACL = "http://www.w3.org/ns/shacl#"
#: The service description's own prefixes (SPARQL service description, formats, VoID, SHACL).
DESCRIPTION_PREFIXES = {"sd": SD, "format": FORMATS, "void": VOID, "sh": SHACL}
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
XSD_ANYURI = ox.NamedNode("http://www.w3.org/2001/XMLSchema#anyURI")
FALLBACK_ENDPOINT = "http://localhost/sparql"
#: W3C format IRIs of the formats offered.
FORMAT_IRIS = [
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
]

_QUERY = {"name": "query", "in": "query", "schema": {"type": "string"}, "required": False}
_GRAPHS = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": "array", "items": {"type": "string", "format": "uri"}},
        "style": "form",
        "explode": True,
        "description": "graph IRI (repeatable); graphs not served here are empty, never fetched",
    }
    for name in ("default-graph-uri", "named-graph-uri")
]
_FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": [f.name for f in RESULT_FORMATS + GRAPH_FORMATS]},
    "description": "result format, overriding the Accept header",
}
_RESPONSES = {
    "200": {
        "description": "query results (SELECT/ASK) or an RDF graph (CONSTRUCT/DESCRIBE); "
        "X-Cradle-Truncated: true with X-Cradle-Row-Cap or X-Cradle-Byte-Cap when cut",
        "content": {f.media_type: {} for f in RESULT_FORMATS + GRAPH_FORMATS},
    },
    "400": {
        "description": "malformed query, SERVICE, a file graph, or an unknown function",
        "content": {"text/plain": {}},
    },
    "403": {"description": "an update: this endpoint is read-only", "content": {"text/plain": {}}},
    "406": {"description": "no acceptable result format", "content": {"text/plain": {}}},
    "413": {"description": "request body too large", "content": {"text/plain": {}}},
    "414": {"description": "URL too long", "content": {"text/plain": {}}},
    "415": {"description": "body not UTF-8 sparql-query or form", "content": {"text/plain": {}}},
    "429": {
        "description": "this client already runs its share of queries (Retry-After)",
        "content": {"text/plain": {}},
    },
    "503": {"description": "deadline passed or engine busy", "content": {"text/plain": {}}},
}
GET_DOC: dict[str, Any] = {
    "parameters": [
        {
            **_QUERY,
            "description": "SPARQL 1.1 query; omit all parameters for the service description",
        },
        *_GRAPHS,
        _FORMAT,
    ],
    "responses": _RESPONSES,
}
POST_DOC: dict[str, Any] = {
    "parameters": [*_GRAPHS, _FORMAT],
    "requestBody": {
        "required": True,
        "content": {
            "application/sparql-query": {"schema": {"type": "string"}},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string"},
                        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["query"],
                }
            },
        },
    },
    "responses": _RESPONSES,
}


def service_description(endpoint: str, info: dict[str, Any]) -> list[ox.Triple]:
    """Triples describing the endpoint at ``endpoint``, its formats, its dataset and the prefixes
    a query may use undeclared (each as ``sh:declare [sh:prefix ...; sh:namespace ...]``, the
    SHACL vocabulary for prefix declarations).

    Args:
        endpoint: the endpoint's absolute URL (a fallback is used when it is not a valid IRI).
        info: the engine's ``info()`` (``graphs``, ``triples``).
    """
    try:
        service = ox.NamedNode(endpoint)
    except ValueError:
        service = ox.NamedNode(FALLBACK_ENDPOINT)
    sd = _ns(SD)
    dataset, default = ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, sd("Graph")),
    ]
    triples += [ox.Triple(service, sd("resultFormat"), _ns(FORMATS)(f)) for f in FORMAT_IRIS]
    sh = _ns(SHACL)
    for prefix, iri in PREFIXES.items():
        node = ox.BlankNode()
        triples += [
            ox.Triple(service, sh("declare"), node),
            ox.Triple(node, sh("prefix"), ox.Literal(prefix)),
            ox.Triple(node, sh("namespace"), ox.Literal(iri, datatype=XSD_ANYURI)),
        ]
    if "triples" in info:
        count = ox.Literal(str(info["triples"]), datatype=XSD_INTEGER)
        triples.append(ox.Triple(dataset, _ns(VOID)("triples"), count))
    for iri in info.get("graphs", []):
        node = ox.BlankNode()
        triples += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(node, sd("name"), ox.NamedNode(iri)),
        ]
    return triples


def _ns(base: str) -> Any:
    return lambda local: ox.NamedNode(base + local)
