"""Each SHACL shape: a conforming and a violating example, from tiny inline Turtle."""

from __future__ import annotations

import pytest
from rdflib import Graph

from cradle.graph.build.validate import violations

PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix adms: <http://www.w3.org/ns/adms#> .
@prefix schema: <https://schema.org/> . @prefix cradle: <https://w3id.org/cradle/def#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix res: <https://w3id.org/cradle/resource/> . @prefix topic: <https://w3id.org/cradle/topic/> .
@prefix loc: <https://w3id.org/cradle/locality/> . @prefix fmt: <https://w3id.org/cradle/format/> .
@prefix status: <https://w3id.org/cradle/status/> . @prefix orgs: <https://w3id.org/cradle/org/> .
topic:scheme a skos:ConceptScheme . loc:scheme a skos:ConceptScheme .
topic:safer-sleep a skos:Concept ; skos:inScheme topic:scheme ; skos:prefLabel "Safer sleep"@en ;
    skos:definition "Where and how babies sleep."@en .
loc:bolton a dct:Location, skos:Concept ; skos:inScheme loc:scheme ; skos:prefLabel "Bolton"@en ;
    skos:notation "E08000001" ;
    owl:sameAs <http://statistics.data.gov.uk/id/statistical-geography/E08000001> .
orgs:bsp a org:Organization ; skos:prefLabel "Bolton Safeguarding Partnership"@en .
fmt:pdf a dct:MediaTypeOrExtent .
"""
RESOURCE = """
res:leaflet a dcat:Resource ; dct:title "Leaflet"@en ; dct:description "Sleep advice."@en ;
    dct:publisher orgs:bsp ; dct:spatial loc:bolton ; dcat:theme topic:safer-sleep ;
    dct:format fmt:pdf ; adms:status status:available ; dct:issued "2021-09"^^xsd:gYearMonth .
"""
CASES = {
    # shape: (conforming extra data, violating data, words expected in the violation)
    "resource": (
        RESOURCE,
        RESOURCE.replace('dct:title "Leaflet"@en ;', ""),
        "entry leaflet: title",
    ),
    "resource-email": (
        RESOURCE,
        RESOURCE.replace("Sleep advice.", "Ask jo@example.org"),
        "entry leaflet: summary",
    ),
    "resource-status": (
        RESOURCE,
        RESOURCE.replace("status:available", "status:lost"),
        "entry leaflet: status",
    ),
    "resource-summary": (
        RESOURCE.replace('dct:description "Sleep advice."@en ;', "").replace(
            "status:available", "status:awaiting-information"
        ),
        RESOURCE.replace('dct:description "Sleep advice."@en ;', ""),
        "entry leaflet: summary: a summary is needed unless",
    ),
    "resource-url": (
        RESOURCE.replace("dct:issued", "dcat:landingPage <https://example.org/x> ; dct:issued"),
        RESOURCE.replace("dct:issued", 'dcat:landingPage "example.org" ; dct:issued'),
        "entry leaflet: url",
    ),
    "resource-reviewed": (
        RESOURCE.replace("dct:issued", 'dct:modified "2026-01-05"^^xsd:date ; dct:issued'),
        RESOURCE.replace("dct:issued", 'dct:modified "January" ; dct:issued'),
        "entry leaflet: reviewed",
    ),
    "resource-review-every": (
        RESOURCE.replace("dct:issued", "cradle:reviewEvery 6 ; dct:issued"),
        RESOURCE.replace("dct:issued", "cradle:reviewEvery 0 ; dct:issued"),
        "entry leaflet: review_every",
    ),
    "topic": (RESOURCE, RESOURCE.replace("topic:safer-sleep", "loc:bolton"), "topics"),
    "concept": (
        "",
        "topic:x a skos:Concept ; skos:inScheme topic:scheme .",
        "preferred label",
    ),
    "locality": (
        "",
        'loc:nowhere a dct:Location ; skos:prefLabel "Nowhere"@en ; skos:notation "X1" .',
        "GSS code",
    ),
    "organisation": ("", "orgs:anon a org:Organization .", "organisation: needs exactly one name"),
    "distribution": (
        'res:l a dcat:Distribution ; cradle:linkText "Leaflet (bolton.gov.uk)" ; '
        'cradle:linkDomain "bolton.gov.uk" .',
        'res:l a dcat:Distribution ; cradle:linkText "Leaflet" ; '
        "dcat:accessURL <https://invented.example/> .",
        "no URLs",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_conforming_and_violating(name: str) -> None:
    good, bad, words = CASES[name]
    assert violations(Graph().parse(data=PREFIXES + good, format="turtle")) == []
    found = violations(Graph().parse(data=PREFIXES + bad, format="turtle"))
    assert any(words in v for v in found), found


def test_shapes_use_no_advanced_features() -> None:
    """Validation runs with pyshacl's ``advanced=False``: it would skip SHACL-AF rules, custom
    targets and functions, so the shapes must have none (add ``advanced=True`` back with one)."""
    from rdflib.namespace import SH

    from cradle.core.settings import ONTOLOGY_DIR
    from cradle.graph.build.ontology import load_shapes

    shapes = load_shapes(ONTOLOGY_DIR)
    advanced = (SH.rule, SH.target, SH.SPARQLTarget, SH.SPARQLFunction, SH.shapesGraph)
    found = {p for p in advanced for _ in shapes.triples((None, p, None))}
    found |= {o for o in advanced for _ in shapes.triples((None, None, o))}
    assert not found, found


def _as_written() -> Graph:
    from cradle.core.settings import ONTOLOGY_DIR
    from cradle.graph.build.ontology import SHAPES_FILE

    return Graph().parse(ONTOLOGY_DIR / SHAPES_FILE, format="turtle")


@pytest.mark.parametrize("name", sorted(CASES))
def test_targeted_property_shapes_find_what_the_shapes_as_written_find(name: str) -> None:
    """Validation uses the shapes with their property shapes targeted directly (faster): the
    violations are those of the shapes as written, line for line."""
    from cradle.graph.build.ontology import load_shapes

    bad = Graph().parse(data=PREFIXES + CASES[name][1], format="turtle")
    assert violations(bad, _as_written()) == violations(bad, load_shapes())


def test_targeted_property_shapes_agree_on_many_broken_resources() -> None:
    """Several resources, each broken in two ways, in one graph: the same violations."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCAT, DCTERMS, RDF, SH, XSD

    from cradle.core.namespaces import CRADLE, TOPIC
    from cradle.graph.build.ontology import load_shapes

    data = Graph().parse(data=PREFIXES, format="turtle")
    breaks = [
        lambda r: data.remove((r, DCTERMS.title, None)),
        lambda r: data.add((r, DCTERMS.title, Literal("Second", lang="en"))),
        lambda r: data.remove((r, DCTERMS.description, None)),
        lambda r: data.add((r, DCAT.landingPage, Literal("example.org"))),
        lambda r: data.add((r, DCTERMS.modified, Literal("January"))),
        lambda r: data.add((r, CRADLE.reviewEvery, Literal(0))),
        lambda r: data.remove((r, DCTERMS.publisher, None)),
        lambda r: data.set((r, DCTERMS.spatial, TOPIC["safer-sleep"])),
        lambda r: data.add((r, DCAT.theme, URIRef("https://w3id.org/cradle/topic/none"))),
        lambda r: data.add((r, DCTERMS.issued, Literal("2021", datatype=XSD.string))),
    ]
    for i in range(len(breaks)):
        data.parse(data=PREFIXES + RESOURCE.replace("leaflet", f"r{i}"), format="turtle")
        node = URIRef(f"https://w3id.org/cradle/resource/r{i}")
        breaks[i](node)
        breaks[(i + 3) % len(breaks)](node)
    data.add((URIRef("https://w3id.org/cradle/org/x"), RDF.type, URIRef(ORG_CLASS)))
    found = violations(data, _as_written())
    assert len(found) >= len(breaks), found
    shapes = load_shapes()
    assert len(set(shapes.subjects(SH.targetClass, DCAT.Resource))) > 2  # the targeted form
    assert violations(data, shapes) == found


ORG_CLASS = "http://www.w3.org/ns/org#Organization"
