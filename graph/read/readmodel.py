"""The one read model of a built graph: resources and controlled terms as typed records.

A built store (``store/``, written by ``cradle build``) is flattened once by a few bulk SPARQL
SELECTs (:mod:`cradle.graph.read.bulk`) into frozen records: :class:`Resource` for every catalogue
entry and :class:`Term` for every place, topic, organisation, format, kind, status and audience,
with their hierarchies. The search index's corpus (:mod:`cradle.index.corpus`), the service's
pages, facets and coverage, and the analyst API's DataFrames (:mod:`cradle.tables`) are views of
it; :func:`walk` is the one place a hierarchy is walked.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS

from cradle.core.datadir import Version, open_version
from cradle.core.errors import NotBuilt
from cradle.core.namespaces import (
    AUD,
    BASE,
    CAT,
    FMT,
    KIND,
    LOC,
    ORGS,
    RES,
    SITUATION,
    STATUS,
    TOPIC,
    VCARD,
)
from cradle.graph.build.store import open_store
from cradle.graph.read import bulk
from cradle.graph.read.contact import Contact

#: Kind of IRI -> its namespace (also the path segment it dereferences by in the service).
NAMESPACES: dict[str, str] = {
    "resource": str(RES),
    "topic": str(TOPIC),
    "situation": str(SITUATION),
    "locality": str(LOC),
    "org": str(ORGS),
    "format": str(FMT),
    "kind": str(KIND),
    "status": str(STATUS),
    "audience": str(AUD),
}
#: The top of the place hierarchy, and the home area of a catalogue that names none.
COUNTRY = "england"
#: GSS prefixes of the upper-tier local authorities, where safeguarding partnerships sit:
#: unitary authorities, metropolitan boroughs, London boroughs and counties.
LOCAL_AUTHORITY_GSS = ("E06", "E08", "E09", "E10")


@dataclass(frozen=True, slots=True)
class Term:
    """A controlled term: topic, situation, locality, organisation, format, kind, status or
    audience."""

    kind: str
    id: str
    iri: str
    label: str
    definition: str | None = None
    alt_labels: tuple[str, ...] = ()
    hidden_labels: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()
    narrower: tuple[str, ...] = ()
    level: str | None = None
    notation: str | None = None
    same_as: tuple[str, ...] = ()
    related: tuple[str, ...] = ()  # skos:related topics (a situation's: ontology/situations.ttl)

    @property
    def is_local_authority(self) -> bool:
        """Whether this is an upper-tier local authority (GSS E06, E08, E09 or E10)."""
        return self.kind == "locality" and (self.notation or "")[:3] in LOCAL_AUTHORITY_GSS


@dataclass(frozen=True, slots=True)
class Resource:
    """One catalogue entry, with the ids of the terms it links to.

    Dates (``issued``, ``reviewed``, ``status_since``) are ISO strings as the graph holds them;
    ``period`` is ``YYYY/YYYY``; ``review_every`` is in months.
    """

    id: str
    title: str
    description: str
    publisher: str
    locality: str
    format: str
    status: str
    order: int
    adopted_in: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    kind: str | None = None
    status_note: str | None = None
    link_text: str | None = None
    link_domain: str | None = None
    issued: str | None = None
    expected: str | None = None
    url: str | None = None
    period: str | None = None
    reviewed: str | None = None
    review_every: int | None = None
    status_since: str | None = None
    intended_for: str | None = None
    referral_criteria: str | None = None
    topics_suggested: bool = False  # an import suggested its topics; staff have not checked them

    @property
    def iri(self) -> str:
        """The resource's IRI."""
        return str(RES) + self.id


def walk(start: Iterable[str], step: Callable[[str], Iterable[str]]) -> list[str]:
    """Every id reachable from ``start`` by ``step``, each once, depth-first, ``start`` included.

    The one hierarchy walker: ``step`` gives an id's narrower (or broader) ids.
    """
    out: dict[str, None] = {}
    todo = list(start)[::-1]
    while todo:
        value = todo.pop()
        if value not in out:
            out[value] = None
            todo.extend(reversed(list(step(value))))
    return list(out)


@dataclass(eq=False)
class ReadModel:
    """The graph's resources (in catalogue order) and terms (by kind, then id, by label).

    Attributes:
        resources: resource id -> record, in the catalogue's order.
        terms: kind (``topic``, ``locality``, ``org``, ...) -> id -> record, by label.
        home: the locality the catalogue is for (its ``dct:spatial``; the country if none).
        contacts: organisation id -> its contact routes (only organisations that have some).
        feedback_email: the partnership's mailbox for telling it what was missing, or None.
        derived: results computed from the records (read-only once made).
    """

    resources: dict[str, Resource] = field(default_factory=dict)
    terms: dict[str, dict[str, Term]] = field(default_factory=dict)
    home: str = COUNTRY
    contacts: dict[str, Contact] = field(default_factory=dict)
    feedback_email: str | None = None
    derived: dict[Any, Any] = field(default_factory=dict)

    def term(self, kind: str, term_id: str) -> Term | None:
        """The term of that kind and id, or None."""
        return self.terms.get(kind, {}).get(term_id)

    def label(self, kind: str, term_id: str) -> str:
        """A term's label, or its id when unknown."""
        term = self.term(kind, term_id)
        return term.label if term else term_id

    def below(self, kind: str, term_id: str) -> list[str]:
        """A term and every term narrower than it, at any depth (depth-first)."""
        return walk([term_id], lambda v: getattr(self.term(kind, v), "narrower", ()))

    def above(self, kind: str, term_id: str) -> list[str]:
        """Every term broader than ``term_id``, at any depth (not the term itself)."""
        start = getattr(self.term(kind, term_id), "broader", ())
        return walk(start, lambda v: getattr(self.term(kind, v), "broader", ()))

    def descendants(self, topic_id: str) -> set[str]:
        """A topic and every topic narrower than it, at any depth."""
        return set(self.below("topic", topic_id))

    def topic_tree(self) -> list[tuple[Term, int]]:
        """Every topic with its depth, depth-first from the top concepts, siblings by label."""
        if "topic_tree" not in self.derived:
            topics = self.terms.get("topic", {})

            def by_label(ids: Iterable[str]) -> list[str]:
                return sorted(
                    (i for i in ids if i in topics), key=lambda i: topics[i].label.lower()
                )

            order = walk(
                by_label(t.id for t in topics.values() if not t.broader),
                lambda v: by_label(topics[v].narrower),
            )
            self.derived["topic_tree"] = [(topics[t], len(self.above("topic", t))) for t in order]
        return list(self.derived["topic_tree"])

    def authorities(self, within: str) -> list[Term]:
        """The local authorities in the area ``within`` (itself, if it is one), by label."""
        found = (self.term("locality", p) for p in self.below("locality", within))
        return sorted((t for t in found if t and t.is_local_authority), key=lambda t: t.label)

    def resources_linked(self, kind: str, term_id: str) -> list[Resource]:
        """Resources whose ``kind`` link (topic, locality, publisher, ...) names the term."""
        return self._links().get((kind, term_id), [])

    def resources_under(self, kind: str, term_id: str) -> list[Resource]:
        """Resources linking to the term or to any term narrower than it, in catalogue order."""
        seen: dict[str, Resource] = {}
        for below in self.below(kind, term_id):
            for r in self.resources_linked(kind, below):
                seen.setdefault(r.id, r)
        return sorted(seen.values(), key=lambda r: (r.order, r.id))

    def adopted_in(self, locality_id: str) -> list[Resource]:
        """Resources another locality published that this locality adopted."""
        return self._links().get(("adopted", locality_id), [])

    def _links(self) -> dict[tuple[str, str], list[Resource]]:
        """(kind, term id) -> the resources linking to it, in catalogue order (made once)."""
        links = self.derived.get("links")
        if links is None:
            links = {}
            for r in self.resources.values():
                for kind, values in (
                    ("topic", r.topics),
                    ("locality", (r.locality,)),
                    ("org", (r.publisher,)),
                    ("format", (r.format,)),
                    ("kind", (r.kind,) if r.kind else ()),
                    ("status", (r.status,)),
                    ("audience", r.audiences),
                    ("adopted", r.adopted_in),
                ):
                    for value in dict.fromkeys(values):
                        links.setdefault((kind, value), []).append(r)
            self.derived["links"] = links
        return links


def _terms(rows: dict[str, bulk.Row], names: dict[str, str]) -> dict[str, dict[str, Term]]:
    terms: dict[str, dict[str, Term]] = {k: {} for k in NAMESPACES if k != "resource"}
    for kind, out in terms.items():
        base = NAMESPACES[kind]
        for iri, row in rows.items():
            local = iri[len(base) :] if iri.startswith(base) else ""
            if not local or "/" in local or local == "scheme" or not row.get("label"):
                continue
            text = {k: v[0] for k, v in row.items() if v}
            out[local] = Term(
                kind=kind,
                id=sys.intern(local),
                iri=iri,
                label=text["label"],
                definition=text.get("definition", text.get("definition2", text.get("definition3"))),
                alt_labels=tuple(sorted(row.get("alt_labels", ()))),
                hidden_labels=tuple(sorted(row.get("hidden_labels", ()))),
                broader=bulk.ids(row.get("broader", []), base),
                narrower=bulk.ids(row.get("narrower", []), base),
                level=text.get("level"),
                notation=text.get("notation"),
                same_as=tuple(sorted(row.get("same_as", ()))),
                related=bulk.ids(row.get("related", []), str(TOPIC)),
            )
        children: dict[str, set[str]] = {}  # skos:broader alone also makes a hierarchy
        for term in out.values():
            for parent in term.broader:
                children.setdefault(parent, set()).add(term.id)
        for parent, kids in children.items():
            if parent in out and not kids <= set(out[parent].narrower):
                narrower = tuple(sorted(kids | set(out[parent].narrower)))
                out[parent] = replace(out[parent], narrower=narrower)
        terms[kind] = dict(sorted(out.items(), key=lambda kv: kv[1].label.lower()))
    if not terms["org"]:  # organisations carry foaf:name too; prefLabel covers them
        base = str(ORGS)
        terms["org"] = {i[len(base) :]: Term("org", i[len(base) :], i, n) for i, n in names.items()}
    return terms


def _resources(found: list[str], cols: dict[str, bulk.Column]) -> list[Resource]:
    fields = [f for f in Resource.__dataclass_fields__ if f not in ("id", "order", "period")]
    out = []
    for i, iri in enumerate(found):
        values = {f: cols[f][i] for f in fields}
        order = cols["order"][i]
        every = values["review_every"]
        values["review_every"] = int(every) if every and every.isdigit() else None
        values["topics_suggested"] = values["topics_suggested"] == "false"  # topicsReviewed
        for name in ("title", "description", "publisher", "locality", "format", "status"):
            values[name] = values[name] or ""
        for name in ("title", "description", "link_text"):  # the search index's texts too
            if values[name]:
                values[name] = sys.intern(values[name])
        out.append(
            Resource(
                id=iri[len(str(RES)) :],
                order=int(order) if order and order.isdigit() else 0,
                **values,
            )
        )
    return out


def _periods(store: ox.Store) -> dict[str, str]:
    """Resource id -> its ``dct:temporal`` period as ``YYYY/YYYY`` (start and end dates)."""
    query = (
        f"SELECT ?r ?start ?end WHERE {{ ?r <{DCTERMS.temporal}> ?p . "
        f"?p <{DCAT.startDate}> ?start ; <{DCAT.endDate}> ?end }}"
    )
    base = len(str(RES))
    return {r[base:]: f"{start}/{end}" for r, start, end in bulk.select(store, query)}


def _home(store: ox.Store) -> str:
    """The locality the store's catalogue record names as its ``dct:spatial``, else the country."""
    query = (
        f"SELECT ?area WHERE {{ ?c a <{DCAT.Catalog}> ; <{DCTERMS.spatial}> ?area "
        f'FILTER(STRSTARTS(STR(?c), "{CAT}") && STRSTARTS(STR(?area), "{LOC}")) }}'
    )
    areas = sorted(area[len(str(LOC)) :] for (area,) in bulk.select(store, query))
    return areas[0] if areas else COUNTRY


def _feedback(store: ox.Store) -> str | None:
    """The mailbox of the catalogue's contact point (``dcat:contactPoint``), or None."""
    query = (
        f"SELECT ?mail WHERE {{ ?c a <{DCAT.Catalog}> ; <{DCAT.contactPoint}> ?p . "
        f"?p <{VCARD}hasEmail> ?mail "
        f'FILTER(STRSTARTS(STR(?c), "{CAT}")) }}'
    )
    found = sorted(mail.removeprefix("mailto:") for (mail,) in bulk.select(store, query))
    return found[0] if found else None


def read_model(store: ox.Store) -> ReadModel:
    """Flatten the graph in a store into the read model."""
    terms = _terms(bulk.term_rows(store), bulk.org_names(store))
    found, columns = bulk.resource_columns(store)
    periods = _periods(store)
    ordered = sorted(
        (
            replace(r, period=periods[r.id]) if r.id in periods else r
            for r in _resources(found, columns)
        ),
        key=lambda r: (r.order, r.id),
    )
    contacts = {org: Contact(**found) for org, found in bulk.org_contacts(store).items()}
    return ReadModel(
        resources={r.id: r for r in ordered},
        terms=terms,
        home=_home(store),
        contacts=contacts,
        feedback_email=_feedback(store),
    )


def load_read_model(data_dir: Path | Version) -> ReadModel:
    """Open the built store of a version (or of a data dir's current version) read-only and
    read its model.

    Raises:
        NotBuilt: the data dir holds no graph store, or a damaged one; run ``cradle build``.
    """
    return open_model(data_dir)[1]


def open_model(data_dir: Path | Version) -> tuple[ox.Store, ReadModel]:
    """The built store of a version (or of a data dir's current version), opened read-only,
    and its read model.

    Raises:
        NotBuilt: the data dir holds no graph store, or a damaged one; run ``cradle build``.
    """
    open_version(data_dir).require_store()
    try:
        store = open_store(data_dir)
        return store, read_model(store)
    except (OSError, RuntimeError, ValueError, SyntaxError):  # pyoxigraph on a damaged store
        raise NotBuilt(
            "the graph store in the data dir cannot be read: run `cradle build`"
        ) from None


def iri_path(iri: str) -> str | None:
    """The service path (``/topic/safer-sleep``) of one of Cradle's IRIs, else None (also for
    one whose path would start ``//``: a browser reads that as another site)."""
    if not iri.startswith(BASE) or iri[len(BASE) :].startswith("/"):
        return None
    return "/" + iri[len(BASE) :]
