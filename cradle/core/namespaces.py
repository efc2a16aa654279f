"""IRIs shared by every stage: Cradle's own namespaces and the standard vocabularies it reuses."""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD

BASE = "https://w3id.org/cradle/"
CRADLE = Namespace(BASE + "def#")  # the few terms Cradle mints (ontology/vocabulary.ttl)
RES = Namespace(BASE + "resource/")
TOPIC = Namespace(BASE + "topic/")
SITUATION = Namespace(BASE + "situation/")  # ontology/situations.ttl
LOC = Namespace(BASE + "locality/")
ORGS = Namespace(BASE + "org/")
FMT = Namespace(BASE + "format/")
KIND = Namespace(BASE + "kind/")
STATUS = Namespace(BASE + "status/")
AUD = Namespace(BASE + "audience/")
CAT = Namespace(BASE + "catalogue/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SH = Namespace("http://www.w3.org/ns/shacl#")
STATGEO = Namespace("http://statistics.data.gov.uk/id/statistical-geography/")
IANA = Namespace("https://www.iana.org/assignments/media-types/")

TOPIC_SCHEME = TOPIC["scheme"]
SITUATION_SCHEME = SITUATION["scheme"]
LOCALITY_SCHEME = LOC["scheme"]
FORMAT_SCHEME = FMT["scheme"]
STATUS_SCHEME = STATUS["scheme"]
AUDIENCE_SCHEME = AUD["scheme"]

PREFIXES: dict[str, str] = {
    "cradle": str(CRADLE),
    "res": str(RES),
    "topic": str(TOPIC),
    "situation": str(SITUATION),
    "loc": str(LOC),
    "orgs": str(ORGS),
    "fmt": str(FMT),
    "kind": str(KIND),
    "status": str(STATUS),
    "aud": str(AUD),
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "skos": str(SKOS),
    "schema": str(SDO),
    "org": str(ORG),
    "prov": str(PROV),
    "vcard": str(VCARD),
    "adms": str(ADMS),
    "foaf": str(FOAF),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}


def sparql_prologue() -> str:
    """Return PREFIX declarations for every namespace above, for composing queries."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
