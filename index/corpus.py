"""Read what search needs from the built graph (its Oxigraph store): resources and vocabularies."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cradle.core.datadir import Version
from cradle.core.namespaces import AUD, BASE, FMT, KIND, LOC, ORGS, STATUS, TOPIC, sparql_prologue
from cradle.graph.store import open_store

FACET_BASES = {
    "topic": str(TOPIC),
    "locality": str(LOC),
    "format": str(FMT),
    "kind": str(KIND),
    "status": str(STATUS),
    "audience": str(AUD),
}


@dataclass(slots=True)
class Resource:
    """One catalogue entry as search shows it (ids are IRI local names)."""

    id: str
    uri: str
    title: str
    summary: str
    publisher: str
    locality: str
    format: str
    status: str
    kind: str = ""
    link_text: str = ""
    link_domain: str = ""
    url: str = ""  # dcat:landingPage, when the catalogue gives one
    status_note: str = ""
    expected: str = ""  # YYYY or YYYY-MM
    issued: str = ""
    period: str = ""  # "YYYY/YYYY"
    adopted_in: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)


@dataclass
class Vocabulary:
    """Controlled terms of the graph: per facet, id -> labels (preferred first) and hierarchy."""

    labels: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    hidden: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    broader: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def label(self, facet: str, value: str) -> str:
        """The preferred label of ``value`` in ``facet`` (the id itself if it has none)."""
        labels = self.labels.get(facet, {}).get(value)
        return labels[0] if labels else value


def _local(term: object, base: str) -> str:
    text = term.value if isinstance(term, ox.NamedNode | ox.Literal) else str(term)
    return text[len(base) :] if text.startswith(base) else text


def _facet(iri: str) -> tuple[str, str] | None:
    for facet, base in FACET_BASES.items():
        if iri.startswith(base) and not iri.endswith("/scheme"):
            return facet, iri[len(base) :]
    return None


_RESOURCES = """
SELECT ?r ?id ?title ?desc ?pub ?publabel ?spatial ?format ?status ?kind ?link ?domain ?url
       ?note ?expected ?issued ?start ?end ?order WHERE {
  ?r a dcat:Resource ; dct:identifier ?id ; dct:title ?title ; dct:description ?desc ;
     dct:publisher ?pub ; dct:spatial ?spatial ; dct:format ?format ; adms:status ?status .
  OPTIONAL { ?pub skos:prefLabel ?publabel }
  OPTIONAL { ?r dct:type ?kind }
  OPTIONAL { ?r dcat:distribution/cradle:linkText ?link }
  OPTIONAL { ?r dcat:distribution/cradle:linkDomain ?domain }
  OPTIONAL { ?r dcat:landingPage ?url }
  OPTIONAL { ?r cradle:statusNote ?note }
  OPTIONAL { ?r cradle:expectedDate ?expected }
  OPTIONAL { ?r dct:issued ?issued }
  OPTIONAL { ?r dct:temporal ?period . ?period dcat:startDate ?start ; dcat:endDate ?end }
  OPTIONAL { ?r cradle:sourceOrder ?order }
} ORDER BY ?order ?id"""

_LINKS = """
SELECT ?r ?p ?o WHERE {
  VALUES ?p { dcat:theme cradle:adoptedIn dct:audience }
  ?r a dcat:Resource ; ?p ?o .
}"""

_LABELS = """
SELECT ?c ?p ?label WHERE {
  VALUES ?p { skos:prefLabel skos:altLabel skos:hiddenLabel }
  ?c a skos:Concept ; ?p ?label .
} ORDER BY ?c ?p ?label"""

_BROADER = "SELECT ?c ?b WHERE { ?c skos:broader ?b } ORDER BY ?c ?b"


def _rows(store: ox.Store, query: str) -> list[dict[str, str]]:
    result = store.query(sparql_prologue() + query)
    out = []
    for solution in result:  # type: ignore[union-attr]
        row = {}
        for var in result.variables:  # type: ignore[union-attr]
            value = solution[var]
            if value is not None:
                row[var.value] = value.value
        out.append(row)
    return out


def read_graph(graph_dir: Path | Version) -> tuple[list[Resource], Vocabulary]:
    """Read every ``dcat:Resource`` and the SKOS vocabularies from the store of a version (or
    of a data dir's current version).

    Raises:
        NotBuilt: ``graph_dir`` holds no store.
    """
    store = open_store(graph_dir)
    resources: dict[str, Resource] = {}
    for row in _rows(store, _RESOURCES):
        if row["r"] in resources:
            continue
        resources[row["r"]] = Resource(
            id=row["id"],
            uri=row["r"],
            title=row["title"],
            summary=row["desc"],
            publisher=row.get("publabel", _local(row["pub"], str(ORGS))),
            locality=_local(row["spatial"], str(LOC)),
            format=_local(row["format"], str(FMT)),
            status=_local(row["status"], str(STATUS)),
            kind=_local(row.get("kind", ""), str(KIND)),
            link_text=row.get("link", ""),
            link_domain=row.get("domain", ""),
            url=row.get("url", ""),
            status_note=row.get("note", ""),
            expected=row.get("expected", ""),
            issued=row.get("issued", ""),
            period=f"{row['start']}/{row['end']}" if row.get("start") and row.get("end") else "",
        )
    for row in _rows(store, _LINKS):
        res = resources.get(row["r"])
        if res is None:
            continue
        target = {
            "http://www.w3.org/ns/dcat#theme": (res.topics, str(TOPIC)),
            BASE + "def#adoptedIn": (res.adopted_in, str(LOC)),
            "http://purl.org/dc/terms/audience": (res.audience, str(AUD)),
        }[row["p"]]
        target[0].append(_local(row["o"], target[1]))
    for res in resources.values():
        res.topics.sort()
        res.adopted_in.sort()
        res.audience.sort()
    return list(resources.values()), _vocabulary(store)


def _vocabulary(store: ox.Store) -> Vocabulary:
    vocab = Vocabulary()
    rank = {"prefLabel": 0, "altLabel": 1, "hiddenLabel": 2}
    collected: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for row in _rows(store, _LABELS):
        key = _facet(row["c"])
        if key is not None:
            kind = row["p"].rsplit("#", 1)[-1]
            collected.setdefault(key, []).append((rank[kind], row["label"]))
    for (facet, value), labels in sorted(collected.items()):
        labels.sort()
        shown = [label for r, label in labels if r < 2]
        vocab.labels.setdefault(facet, {})[value] = shown or [value]
        vocab.hidden.setdefault(facet, {})[value] = [label for r, label in labels if r == 2]
    for row in _rows(store, _BROADER):
        child, parent = _facet(row["c"]), _facet(row["b"])
        if child and parent and child[0] == parent[0]:
            vocab.broader.setdefault(child[0], {}).setdefault(child[1], []).append(parent[1])
    return vocab
