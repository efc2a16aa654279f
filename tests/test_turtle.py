"""The fast Turtle writer gives exactly rdflib's bytes, tricky names and literals included."""

from __future__ import annotations

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from cradle.core.namespaces import RES
from cradle.graph.build.catalogue import Entry, load_catalogue
from cradle.graph.build.rdf import prefixed_graph, resource_triples
from cradle.graph.build.turtle import write_turtle

from .conftest import CATALOGUE


def rdflib_turtle(triples: list) -> bytes:
    g = prefixed_graph()
    for t in triples:
        g.add(t)
    return g.serialize(format="turtle").encode("utf-8")


def entry(**fields: object) -> Entry:
    base = {"id": "leaflet-1", "title": "Leaflet", "locality": "bolton", "topics": ["safer-sleep"]}
    return Entry.model_validate({**base, **fields})


def test_curated_catalogue_resources_match_rdflib() -> None:
    cat = load_catalogue(CATALOGUE)
    triples = resource_triples(cat.catalogue.id, cat.resources, 1)
    assert write_turtle(triples, prefixed_graph()) == rdflib_turtle(triples)


@pytest.mark.parametrize(
    "fields",
    [
        {"summary": 'Two lines,\nwith "quotes", a back\\slash and ends in a quote"'},
        {"summary": "tabs\tand\rreturns, accents é and “curly” quotes"},
        {"publisher": "odd.org."},  # a local name cannot end with a dot: rdflib writes <...>
        {"publisher": "with(parens)%zz"},
        {"publisher": "x/y"},
        {"topics": ["safer-sleep", "bed-sharing", "safer-sleep", "crying"]},
        {"adopted_in": ["wigan", "bury", "wigan"], "audience": ["parents", "practitioners"]},
        {"period": "2020/2023", "date": "2021-09", "expected": "2024"},
        {"link_text": "Huddle", "link_domain": "huddle.net", "format": "pdf", "kind": "leaflet"},
        {"status": "in-development", "status_note": "Due \\ soon", "topics_suggested": True},
    ],
)
def test_entry_variants_match_rdflib(fields: dict[str, object]) -> None:
    triples = resource_triples("gm", [entry(**fields), entry(id="leaflet-2")], 7)
    assert write_turtle(triples, prefixed_graph()) == rdflib_turtle(triples)


def test_what_it_does_not_lay_out_itself_still_matches_rdflib() -> None:
    node = BNode("b1")
    triples = [
        (RES["a"], DCTERMS.title, Literal("A", lang="en")),
        (RES["a"], DCTERMS.title, Literal("B", lang="en")),  # two literals to order
        (RES["a"], DCTERMS.relation, node),  # a blank node
        (
            node,
            RDF.value,
            Literal("3", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")),
        ),
        (RES["a"], URIRef("https://example.org/unbound#p"), Literal(1)),  # generated prefix
    ]
    assert write_turtle(triples, prefixed_graph()) == rdflib_turtle(triples)
