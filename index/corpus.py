"""What search needs from the built graph: a view of its read model
(:mod:`cradle.graph.read.readmodel`) as the records the search index stores (``resources.json``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cradle.core.datadir import Version
from cradle.core.namespaces import AUD, FMT, KIND, LOC, SITUATION, STATUS, TOPIC
from cradle.graph.read.obtain import for_of, way_of
from cradle.graph.read.readmodel import ReadModel, load_read_model
from cradle.graph.read.readmodel import Resource as ModelResource

FACET_BASES = {
    "topic": str(TOPIC),
    "situation": str(SITUATION),
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
    #: the one primary way to get it (:func:`cradle.graph.read.obtain.how_to_get`)
    get_kind: str = "none"
    get_label: str = ""
    get_href: str = ""
    #: who it is for (:func:`cradle.graph.read.obtain.intended_for`) and its badge
    intended_for: str = "practitioners"
    for_label: str = ""


@dataclass
class Vocabulary:
    """Controlled terms of the graph: per facet, id -> labels (preferred first) and hierarchy;
    ``related``: per facet, id -> the topics it is skos:related to (a situation's topics)."""

    labels: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    hidden: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    broader: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    related: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def label(self, facet: str, value: str) -> str:
        """The preferred label of ``value`` in ``facet`` (the id itself if it has none)."""
        labels = self.labels.get(facet, {}).get(value)
        return labels[0] if labels else value


def read_graph(graph_dir: Path | Version) -> tuple[list[Resource], Vocabulary]:
    """Read every resource and the facets' vocabularies from the store of a version (or of a
    data dir's current version).

    Raises:
        NotBuilt: ``graph_dir`` holds no store.
    """
    return corpus(load_read_model(graph_dir))


def corpus(model: ReadModel) -> tuple[list[Resource], Vocabulary]:
    """The read model as search's records: resources in catalogue order, and the vocabularies
    of the facets (facets and ids in sorted order, labels preferred first then alphabetical)."""
    resources = [_resource(model, r) for r in model.resources.values()]
    vocab = Vocabulary()
    for facet in sorted(FACET_BASES):
        terms = sorted(model.terms.get(facet, {}).values(), key=lambda t: t.id)
        for t in terms:
            vocab.labels.setdefault(facet, {})[t.id] = [t.label, *t.alt_labels]
            vocab.hidden.setdefault(facet, {})[t.id] = list(t.hidden_labels)
    for facet in sorted(FACET_BASES, key=FACET_BASES.__getitem__):
        for t in sorted(model.terms.get(facet, {}).values(), key=lambda t: t.id):
            if t.broader:
                vocab.broader.setdefault(facet, {})[t.id] = list(t.broader)
    for t in sorted(model.terms.get("situation", {}).values(), key=lambda t: t.id):
        if t.related:
            vocab.related.setdefault("situation", {})[t.id] = list(t.related)
    return resources, vocab


def _resource(model: ReadModel, r: ModelResource) -> Resource:
    """One resource of the read model as search's record, with its way and audience class."""
    way = way_of(model, r)
    audience_class, badge = for_of(r)
    return Resource(
        id=r.id,
        uri=r.iri,
        title=r.title,
        summary=r.description,
        publisher=model.label("org", r.publisher),
        locality=r.locality,
        format=r.format,
        status=r.status,
        kind=r.kind or "",
        link_text=r.link_text or "",
        link_domain=r.link_domain or "",
        url=r.url or "",
        status_note=r.status_note or "",
        expected=r.expected or "",
        issued=r.issued or "",
        period=r.period or "",
        adopted_in=list(r.adopted_in),
        topics=list(r.topics),
        audience=list(r.audiences),
        get_kind=way.kind,
        get_label=way.label,
        get_href=way.href or "",
        intended_for=audience_class,
        for_label=badge,
    )
