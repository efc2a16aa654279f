"""The catalogue in the Open Referral UK (ORUK 1.0) service-directory standard.

Councils and the DfE Family Hubs directories publish services as ORUK data packages; this
module turns the built graph's read model into one (docs/oruk.md says what maps to what):

- each resource is a ``service`` (name, description, url, status mapped to ORUK's ``active`` /
  ``inactive``, ``assured_date`` = when staff last reviewed it) and, when reviewed, a ``review``;
- its publisher is an ``organization``, with the shared mailbox and website staff recorded for
  it (``email``, ``url``; docs/catalogue.md "Organisations: how to reach them"); no ``contact``
  rows (ORUK's are per service and person) and no phone, email or address is ever made up;
- its place and the places that adopted it are ``service_area`` rows carrying the GSS code
  (``identifier``) and the place's URI;
- its topics are ``taxonomy`` rows (the SKOS thesaurus, ``vocabulary`` naming it) linked to the
  service through ``service_taxonomy`` and ``link_taxonomy`` (``link_type`` ``eligibility``: the
  standard has no ``service`` link type), via one ``eligibility`` row per service that says
  whom the catalogue is about: babies under one (ages 0 to 1).

Ids are UUIDs (the schema's format), made from the IRIs (uuid5), so an export is the same
every time. The tables' schemas are the standard's, copied from its ExtendedDataPackage.json
(shipped in ``data/oruk/``, CC BY-SA 4.0).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cradle.core.csvcells import safe_cell
from cradle.core.datadir import DataDir
from cradle.core.namespaces import RES, TOPIC
from cradle.graph.build.store import open_store
from cradle.graph.read.bulk import select
from cradle.graph.read.readmodel import ReadModel, read_model

#: The tables written, by their schema name; the others of the standard stay out of the package.
#: The foreign keys of these tables resolve within them (program, location, cost_option and
#: service_at_location are written empty).
TABLES = ("organization", "program", "service", "service_at_location", "location", "contact",
          "eligibility", "cost_option", "service_area", "taxonomy", "service_taxonomy",
          "link_taxonomy", "review")  # fmt: skip
#: Cradle status id -> ORUK service status (active, inactive, defunct, temporarily closed).
STATUSES = {"available": "active", "in-development": "inactive", "awaiting-information": "inactive"}
VOCABULARY = f"Cradle topics (SKOS concept scheme {TOPIC}scheme)"
SCHEMA_FILE = "ExtendedDataPackage.json"
PACKAGE_FILE = "datapackage.json"


def oruk_id(iri: str, role: str = "") -> str:
    """A stable UUID for an IRI (and a role, for the several rows one IRI gives)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri + ("#" + role if role else "")))


def standard() -> dict[str, Any]:
    """The ORUK 1.0 data package (every table's schema), as shipped in ``data/oruk/``."""
    text = files("cradle.data").joinpath("oruk", SCHEMA_FILE).read_text(encoding="utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


def reviewed_dates(store: ox.Store) -> dict[str, str]:
    """Resource id -> when staff last reviewed it (``dct:modified``, ISO date)."""
    query = (
        "SELECT ?r ?d WHERE { ?r <http://purl.org/dc/terms/modified> ?d "
        f'FILTER(STRSTARTS(STR(?r), "{RES}")) }}'
    )
    return {r[len(str(RES)) :]: d[:10] for r, d in select(store, query)}


def _services(model: ReadModel, reviewed: Mapping[str, str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"service": [], "eligibility": [], "review": [],
                                             "service_area": []}  # fmt: skip
    for r in model.resources.values():
        sid = oruk_id(r.iri)
        out["service"].append({
            "id": sid, "organization_id": oruk_id(_org_iri(model, r.publisher)),
            "name": r.title, "description": r.description, "url": r.url or "",
            "status": STATUSES.get(r.status, "inactive"),
            "assured_date": reviewed.get(r.id, ""),
        })  # fmt: skip
        out["eligibility"].append({"id": oruk_id(r.iri, "eligibility"), "service_id": sid,
                                   "eligibility": "child", "minimum_age": 0, "maximum_age": 1,
                                   "gender": "any"})  # fmt: skip
        if r.id in reviewed:
            out["review"].append({"id": oruk_id(r.iri, "review"), "service_id": sid,
                                  "title": "Catalogue entry reviewed",
                                  "date": reviewed[r.id]})  # fmt: skip
        for place in dict.fromkeys([r.locality, *r.adopted_in]):
            term = model.term("locality", place)
            if term is None:
                continue
            out["service_area"].append({
                "id": oruk_id(r.iri, "area-" + place), "service_id": sid,
                "service_area": term.label, "name": term.label,
                "description": "published here" if place == r.locality else "adopted here",
                "identifier": term.notation or "", "type": term.level or "", "uri": term.iri,
            })  # fmt: skip
    return out


def _org_iri(model: ReadModel, org: str) -> str:
    term = model.term("org", org)
    return term.iri if term else org


def _taxonomy(model: ReadModel) -> dict[str, list[dict[str, Any]]]:
    rows = []
    for term, _ in model.topic_tree():
        parent = model.term("topic", term.broader[0]) if term.broader else None
        rows.append({"id": oruk_id(term.iri), "name": term.label,
                     "parent_id": oruk_id(parent.iri) if parent else "",
                     "parent_name": parent.label if parent else "",
                     "vocabulary": VOCABULARY})  # fmt: skip
    links: list[dict[str, Any]] = []
    service_links: list[dict[str, Any]] = []
    for r in model.resources.values():
        eligibility = oruk_id(r.iri, "eligibility")
        for topic in dict.fromkeys(r.topics):
            term = model.term("topic", topic)
            if term is None:
                continue
            tid = oruk_id(term.iri)
            links.append({"id": oruk_id(r.iri, "link-" + topic), "link_type": "eligibility",
                          "eligibility_id": eligibility, "link_id": eligibility,
                          "taxonomy_id": tid})  # fmt: skip
            service_links.append({"id": oruk_id(r.iri, "topic-" + topic),
                                  "service_id": oruk_id(r.iri), "eligibility_id": eligibility,
                                  "taxonomy_id": tid})  # fmt: skip
    return {"taxonomy": rows, "link_taxonomy": links, "service_taxonomy": service_links}


def _organizations(model: ReadModel) -> list[dict[str, Any]]:
    published: dict[str, int] = {}
    for r in model.resources.values():
        published[r.publisher] = published.get(r.publisher, 0) + 1
    rows = []
    for org, n in published.items():
        term = model.term("org", org)
        name = term.label if term else org
        reach = model.contacts.get(org)
        rows.append({"id": oruk_id(_org_iri(model, org)), "name": name,
                     "description": f"Publisher of {n} resource{'s' if n != 1 else ''} in this "
                     "catalogue of good practice for safeguarding babies under one.",
                     "email": (reach.email if reach else None) or "",
                     "url": (reach.website if reach else None) or "",
                     "uri": term.iri if term else ""})  # fmt: skip
    return rows


def oruk_tables(model: ReadModel, reviewed: Mapping[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Every table of :data:`TABLES` as rows (column -> value), empty tables included.

    Args:
        model: the graph's read model.
        reviewed: resource id -> when staff last reviewed it (:func:`reviewed_dates`).
    """
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    tables |= _services(model, reviewed)
    tables |= _taxonomy(model)
    tables["organization"] = _organizations(model)
    return tables


def services_json(model: ReadModel, reviewed: Mapping[str, str]) -> list[dict[str, Any]]:
    """``/oruk/services``: each service with its organization, service areas, taxonomy terms,
    eligibility, contacts and reviews nested, as ORUK's API gives them."""
    tables = oruk_tables(model, reviewed)
    orgs = {o["id"]: o for o in tables["organization"]}
    terms = {t["id"]: t for t in tables["taxonomy"]}
    by_service: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in ("service_area", "eligibility", "review", "contact", "service_taxonomy"):
        for row in tables[name]:
            by_service.setdefault(row["service_id"], {}).setdefault(name, []).append(row)
    out = []
    for s in tables["service"]:
        nested = by_service.get(s["id"], {})
        out.append(s | {
            "organization": orgs.get(s["organization_id"]),
            "service_areas": nested.get("service_area", []),
            "eligibilitys": nested.get("eligibility", []),
            "reviews": nested.get("review", []),
            "contacts": nested.get("contact", []),
            "service_taxonomys": [link | {"taxonomy": terms[link["taxonomy_id"]]}
                                  for link in nested.get("service_taxonomy", [])],
        })  # fmt: skip
    return out


def _csv(fields: list[str], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fields, lineterminator="\r\n", extrasaction="raise")
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in r.items()} for r in rows)  # CSV injection
    return buf.getvalue()


def write_oruk(model: ReadModel, reviewed: Mapping[str, str], out: Path) -> Path:
    """Write the catalogue as an ORUK 1.0 data package: ``out/datapackage.json`` and one CSV
    per table under the standard's file names (``services.csv``, ``organizations.csv``, ...).

    Returns:
        The path of ``datapackage.json``.
    """
    spec = standard()
    schemas = {r["name"]: r for r in spec["resources"]}
    tables = oruk_tables(model, reviewed)
    out.mkdir(parents=True, exist_ok=True)
    resources = []
    for name in TABLES:
        resource = schemas[name]
        fields = [f["name"] for f in resource["schema"]["fields"]]
        (out / resource["path"]).write_text(_csv(fields, tables[name]), encoding="utf-8")
        resources.append(resource)
    package = {k: v for k, v in spec.items() if k != "resources"} | {"resources": resources}
    path = out / PACKAGE_FILE
    path.write_text(json.dumps(package, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def export_oruk(data_dir: Path, out: Path) -> Path:
    """``cradle export --format oruk``: the built graph of ``data_dir`` as an ORUK package.

    Raises:
        NotBuilt: nothing built in ``data_dir``.
    """
    store = open_store(DataDir(data_dir).open())
    return write_oruk(read_model(store), reviewed_dates(store), out)
