"""Turn a checked catalogue into RDF: DCAT resources linked to topics, localities, organisations,
formats, statuses and audiences, with PROV provenance. No blank nodes, so output is stable."""

from __future__ import annotations

from typing import Protocol

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD
from rdflib.term import Node

from cradle.core import __version__
from cradle.core.namespaces import ADMS as ADMS_NS
from cradle.core.namespaces import (
    AUD,
    BASE,
    CAT,
    CRADLE,
    FMT,
    KIND,
    LOC,
    ORGS,
    PREFIXES,
    RES,
    STATGEO,
    STATUS,
    TOPIC,
    VCARD,
)
from cradle.graph.build.catalogue import Catalogue, Entry, LocalityDef, Organisation

NOT_STATED = ORGS["not-stated"]
#: The publisher of an entry whose publisher the source does not name.
NOT_STATED_NAME = "Publisher not recorded"
DCAT_RESOURCE = URIRef(str(DCAT) + "resource")  # DCAT 3; rdflib's DCAT namespace predates it


Triple = tuple[Node, Node, Node]


class _Sink(Protocol):
    def add(self, triple: Triple, /) -> object: ...


class _Triples(list[Triple]):
    """A list that takes triples as a graph does (``add``)."""

    def add(self, triple: Triple, /) -> None:
        self.append(triple)


def _date(value: str) -> Literal:
    return Literal(value, datatype=XSD.gYearMonth if "-" in value else XSD.gYear)


def _entry(g: _Sink, e: Entry, order: int, catalog: URIRef) -> None:
    r = RES[e.id]
    g.add((catalog, DCAT_RESOURCE, r))
    g.add((r, RDF.type, DCAT.Resource))
    g.add((r, DCTERMS.identifier, Literal(e.id)))
    g.add((r, DCTERMS.title, Literal(e.title, lang="en")))
    if e.summary.strip():  # none while awaiting information: never the title in its place
        g.add((r, DCTERMS.description, Literal(e.summary, lang="en")))
    g.add((r, DCTERMS.publisher, ORGS[e.publisher] if e.publisher else NOT_STATED))
    g.add((r, DCTERMS.spatial, LOC[e.locality]))
    for loc in e.adopted_in:
        g.add((r, CRADLE.adoptedIn, LOC[loc]))
    for t in e.topics:
        g.add((r, DCAT.theme, TOPIC[t]))
    g.add((r, CRADLE.topicsReviewed, Literal(not e.topics_suggested)))
    for a in e.audience:
        g.add((r, DCTERMS.audience, AUD[a]))
    if e.kind:
        g.add((r, DCTERMS.type, KIND[e.kind]))
    g.add((r, DCTERMS.format, FMT[e.format]))
    g.add((r, ADMS_NS.status, STATUS[e.status]))
    g.add((r, CRADLE.sourceOrder, Literal(order)))
    if e.status_note:
        g.add((r, CRADLE.statusNote, Literal(e.status_note, lang="en")))
    _entry_dates(g, r, e)
    if e.url:
        g.add((r, DCAT.landingPage, URIRef(e.url.strip())))
    if e.review_every:
        g.add((r, CRADLE.reviewEvery, Literal(e.review_every, datatype=XSD.integer)))
    if e.intended_for:
        g.add((r, CRADLE.intendedFor, Literal(e.intended_for)))
    if e.referral_criteria:
        g.add((r, CRADLE.referralCriteria, Literal(e.referral_criteria, lang="en")))
    if e.link_text:
        _distribution(g, r, e.link_text, e)


def _entry_dates(g: _Sink, r: URIRef, e: Entry) -> None:
    """When the resource was issued, is expected, covers, and was last checked and reviewed."""
    if e.expected:
        g.add((r, CRADLE.expectedDate, _date(e.expected)))
    if e.date:
        g.add((r, DCTERMS.issued, _date(e.date)))
    if e.period:
        start, end = e.period.split("/")
        period = URIRef(f"{r}/period")
        g.add((r, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(start, datatype=XSD.gYear)))
        g.add((period, DCAT.endDate, Literal(end, datatype=XSD.gYear)))
    if e.status_since:
        g.add((r, CRADLE.statusSince, Literal(e.status_since.isoformat(), datatype=XSD.date)))
    if e.url_checked:
        g.add((r, CRADLE.urlChecked, Literal(e.url_checked.isoformat(), datatype=XSD.date)))
    if e.reviewed:  # dct:modified: when staff last reviewed the entry (docs/catalogue.md)
        g.add((r, DCTERMS.modified, Literal(e.reviewed.isoformat(), datatype=XSD.date)))


def _distribution(g: _Sink, r: URIRef, link_text: str, e: Entry) -> None:
    """The link as the document gives it (its words and site), as a DCAT distribution."""
    dist = URIRef(f"{r}/link")
    g.add((r, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCTERMS.title, Literal(link_text, lang="en")))
    g.add((dist, CRADLE.linkText, Literal(link_text)))
    g.add((dist, DCTERMS.format, FMT[e.format]))
    if e.link_domain:
        g.add((dist, CRADLE.linkDomain, Literal(e.link_domain)))


def _locality(g: Graph, place: LocalityDef) -> None:
    node, parent = LOC[place.id], LOC[place.within]
    for cls in (DCTERMS.Location, SDO.AdministrativeArea, SKOS.Concept):
        g.add((node, RDF.type, cls))
    g.add((node, SKOS.inScheme, LOC["scheme"]))
    g.add((node, SKOS.prefLabel, Literal(place.name, lang="en")))
    g.add((node, SKOS.notation, Literal(place.gss)))
    g.add((node, CRADLE.localityLevel, Literal(place.level)))
    g.add((node, OWL.sameAs, STATGEO[place.gss]))
    g.add((node, SDO.containedInPlace, parent))
    g.add((node, SKOS.broader, parent))
    g.add((parent, SKOS.narrower, node))


def prefixed_graph() -> Graph:
    """An empty graph with Cradle's prefixes bound (they decide how Turtle abbreviates)."""
    g = Graph()
    for prefix, iri in PREFIXES.items():
        g.bind(prefix, iri, override=True)
    return g


def catalogue_graph(
    cat: Catalogue, ontology: Graph, generated_at: str, catalogue_sha256: str
) -> Graph:
    """Build the public knowledge graph of a catalogue, ontology included: the context of
    :func:`context_graph` (same arguments) plus every resource."""
    g = context_graph(cat, ontology, generated_at, catalogue_sha256)
    g += resources_graph(cat, 0, len(cat.resources))
    return g


def resources_graph(cat: Catalogue, start: int, stop: int) -> Graph:
    """The triples of resources ``start..stop-1`` only (a chunk of a large catalogue).

    Together with :func:`context_graph`, the chunks of a catalogue hold exactly the triples of
    :func:`catalogue_graph`.
    """
    g = prefixed_graph()
    for t in resource_triples(cat.catalogue.id, cat.resources[start:stop], start + 1):
        g.add(t)
    return g


def resource_triples(catalogue_id: str, entries: list[Entry], first: int) -> list[Triple]:
    """The triples of ``entries``, numbered from ``first`` in source order, as a list (repeats
    possible, as a graph would hold them once): what :func:`resources_graph` holds."""
    out = _Triples()
    catalog = CAT[catalogue_id]
    for n, e in enumerate(entries, first):
        _entry(out, e, n, catalog)
    return out


def context_graph(
    cat: Catalogue, ontology: Graph, generated_at: str, catalogue_sha256: str
) -> Graph:
    """Everything in the catalogue's graph except its resources: ontology, catalogue record,
    provenance, catalogue-defined localities and organisations.

    Args:
        cat: a catalogue that passed :func:`cradle.graph.build.catalogue.check_catalogue`.
        ontology: vocabulary, thesaurus, localities and value lists, merged into the result.
        generated_at: ISO timestamp recorded as ``prov:generatedAtTime``; pass a fixed value
            (the catalogue's ``modified`` date) so that the same input gives the same bytes.
        catalogue_sha256: digest of the catalogue file, recorded in the provenance.

    Returns:
        The graph, ontology included.
    """
    g = prefixed_graph()
    g += ontology
    catalog = CAT[cat.catalogue.id]
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal(cat.catalogue.title, lang="en")))
    if cat.catalogue.description:
        g.add((catalog, DCTERMS.description, Literal(cat.catalogue.description, lang="en")))
    g.add((catalog, DCTERMS.modified, Literal(cat.catalogue.modified, datatype=XSD.date)))
    g.add((catalog, DCAT.themeTaxonomy, TOPIC["scheme"]))
    if cat.catalogue.area:
        g.add((catalog, DCTERMS.spatial, LOC[cat.catalogue.area]))
    if cat.catalogue.contact_email:  # DCAT's contact point: a vCard with the mailbox
        point = URIRef(f"{catalog}/contact")
        g.add((catalog, DCAT.contactPoint, point))
        g.add((point, RDF.type, VCARD.Kind))
        g.add((point, VCARD.hasEmail, URIRef("mailto:" + cat.catalogue.contact_email)))
    # provenance: this graph was derived from the curated catalogue, itself from the document
    activity = URIRef(f"{catalog}/build")
    agent = URIRef(f"{BASE}software/cradle/{__version__}")
    cat_file = URIRef(f"{catalog}/source/catalogue.yaml")
    g.add((catalog, RDF.type, PROV.Entity))
    g.add((catalog, PROV.wasDerivedFrom, cat_file))
    g.add((catalog, PROV.wasGeneratedBy, activity))
    g.add((catalog, PROV.generatedAtTime, Literal(generated_at, datatype=XSD.dateTime)))
    g.add((cat_file, RDF.type, PROV.Entity))
    g.add((cat_file, RDFS.label, Literal("curated catalogue (data/catalogue.yaml)")))
    g.add((cat_file, CRADLE.sha256, Literal(catalogue_sha256)))
    if cat.catalogue.source_document:
        doc = URIRef(f"{catalog}/source/document")
        g.add((cat_file, PROV.wasDerivedFrom, doc))
        g.add((doc, RDF.type, PROV.Entity))
        g.add((doc, RDFS.label, Literal(cat.catalogue.source_document)))
        if cat.catalogue.source_sha256:
            g.add((doc, CRADLE.sha256, Literal(cat.catalogue.source_sha256)))
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, PROV.used, cat_file))
    g.add((activity, PROV.wasAssociatedWith, agent))
    g.add((agent, RDF.type, PROV.SoftwareAgent))
    g.add((agent, RDFS.label, Literal(f"cradle {__version__}")))
    for place in cat.localities:
        _locality(g, place)
    # organisations
    orgs = [(ORGS[o.id], o) for o in cat.organisations]
    if any(e.publisher is None for e in cat.resources):
        orgs.append((NOT_STATED, Organisation(id="not-stated", name=NOT_STATED_NAME)))
    for node, o in orgs:
        g.add((node, RDF.type, ORG.Organization))
        g.add((node, RDF.type, FOAF.Agent))
        g.add((node, SKOS.prefLabel, Literal(o.name, lang="en")))
        g.add((node, FOAF.name, Literal(o.name)))
        _contact_point(g, node, o)
    return g


def _contact_point(g: Graph, node: URIRef, o: Organisation) -> None:
    """The organisation's contact routes as one schema.org ``ContactPoint`` (none without)."""
    if not (o.has_contact() or o.address):
        return
    point = URIRef(f"{node}/contact")
    g.add((node, SDO.contactPoint, point))
    g.add((point, RDF.type, SDO.ContactPoint))
    if o.website:
        g.add((point, SDO.url, URIRef(o.website)))
    if o.email:
        g.add((point, SDO.email, Literal(o.email)))
    if o.phone:
        g.add((point, SDO.telephone, Literal(o.phone)))
    if o.address:
        g.add((point, SDO.address, Literal(o.address)))
    if o.how_to_request:
        g.add((point, SDO.description, Literal(o.how_to_request, lang="en")))
