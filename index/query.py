"""Understanding a query and a request through the graph: facet filters, thesaurus concepts,
places and formats named in the query, and the expansion terms BM25 adds."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from cradle.core import facets
from cradle.core.errors import InvalidSearch
from cradle.index.loaded import LoadedIndex
from cradle.index.situations import as_topics
from cradle.index.text import PhraseMatcher, keywords


@dataclass
class Understanding:
    """What the graph recognises in a query.

    Attributes:
        topics: topic id -> the labels of it found in the query.
        localities: locality id -> labels found.
        formats: format id -> labels found; kinds: kind id -> labels found.
        audiences: audience id -> labels found (who the question is about or for).
        expansion: BM25 tokens added from the thesaurus (not already in the query).
        expansion_groups: each recognised topic's BM25 tokens, once each, the query's own
            included: ``expansion`` is their union less the query's own tokens (BM25 sums a
            topic's postings once per index, :meth:`cradle.index.postings.Postings.summed`).
        focus: for a long question (a story), the phrases the graph recognised in it, as one
            text; empty for a short query (see :func:`focus_text`).
        narrative: for a long question, its BM25 tokens outside every recognised phrase.
        broader: back-off: broader topic id -> the recognised topics with few resources of
            their own that it covers (see :meth:`QueryReader.back_off`).
        situations: situation id -> its labels found (ontology/situations.ttl); each
            situation's related topics are in ``topics`` too, with those labels.

        to_give: the question asks for something to give a family ("give him", "for parents",
            "leaflet for mum"): resources for families are preferred (:data:`TO_GIVE`).
    """

    topics: dict[str, list[str]] = field(default_factory=dict)
    localities: dict[str, list[str]] = field(default_factory=dict)
    formats: dict[str, list[str]] = field(default_factory=dict)
    kinds: dict[str, list[str]] = field(default_factory=dict)
    audiences: dict[str, list[str]] = field(default_factory=dict)
    expansion: list[str] = field(default_factory=list)
    expansion_groups: list[tuple[str, ...]] = field(default_factory=list)
    focus: str = ""
    narrative: frozenset[str] = frozenset()
    broader: dict[str, list[str]] = field(default_factory=dict)
    situations: dict[str, list[str]] = field(default_factory=dict)

    to_give: bool = False

    def place_tokens(self) -> frozenset[str]:
        """The BM25 tokens of the places named: a question's words that say where, not what
        (closeness and the naming rule leave them out)."""
        return frozenset(keywords(" ".join(w for ls in self.localities.values() for w in ls)))


#: Words that ask for something to give a family (docs/search.md "Who it is for").
TO_GIVE = re.compile(
    r"\b(?:give|hand|handout|leave with|show|send|leaflets?|posters?|for (?:the |a |their |new )?"
    r"(?:parents?|mums?|mothers?|dads?|fathers?|famil(?:y|ies)|carers?))\b",
    re.IGNORECASE,
)
#: Intervention programmes address the harms under these top concepts: one is a close match
#: only when the question names one of its topics under them, or names it by its title.
BEHAVIOUR_TOPS = ("abuse-and-neglect", "family-risk-factors")

#: A recognised topic with fewer resources than this (its own and its narrower concepts')
#: backs off to its broader concept (see :meth:`QueryReader.back_off`).
FEW = 2

#: A query with at least this many content words is read as a story (see :func:`focus_text`);
#: chosen with bench/search_tune.py.
LONG_QUERY = 12


def focus_text(query: str, u: Understanding, vocab_label: Callable[[str, str], str]) -> str:
    """The need inside a long question: the phrases it names that the graph knows (topics,
    places, kinds, formats, audiences), each with its concept's preferred label, as one text.

    Empty when the query is short (fewer than :data:`LONG_QUERY` content words) or names
    nothing the graph knows: then the query is its own focus.
    """
    if len(keywords(query)) < LONG_QUERY:
        return ""
    parts: list[str] = []
    for facet, found in (
        ("topic", u.topics),
        ("locality", u.localities),
        ("kind", u.kinds),
        ("format", u.formats),
        ("audience", u.audiences),
    ):
        for value, labels in found.items():
            parts += [*labels, vocab_label(facet, value)]
    return ". ".join(dict.fromkeys(parts))


class QueryReader:
    """Resolves filter values and reads queries against one loaded index (thread-safe)."""

    def __init__(self, index: LoadedIndex) -> None:
        """Prepare label matchers from the index's vocabularies."""
        self.index = index
        vocab = index.vocab

        def all_labels(facet: str) -> dict[str, list[str]]:
            return {
                v: labels + vocab.hidden.get(facet, {}).get(v, [])
                for v, labels in vocab.labels.get(facet, {}).items()
            }

        self._topics = PhraseMatcher(all_labels("topic"), loose=True)
        known = _named_places(index)
        self._places = PhraseMatcher(
            {k: v for k, v in all_labels("locality").items() if k in known}
        )
        self._formats = PhraseMatcher(
            {k: v for k, v in all_labels("format").items() if k != "none"}
        )
        self._kinds = PhraseMatcher(all_labels("kind"))
        self._audiences = PhraseMatcher(all_labels("audience"))
        self._related = vocab.related.get("situation", {})
        self._situations = PhraseMatcher(
            {k: v for k, v in all_labels("situation").items() if k in self._related}, loose=True
        )
        # per topic, worked out on first use (the index never changes): its labels' tokens and
        # how many resources it and its narrower concepts have
        self._label_tokens: dict[str, list[str]] = {}
        self._sizes: dict[str, int] = {}

    @cached_property
    def country(self) -> list[str]:
        """Localities at the top of the hierarchy (national level)."""
        broader = self.index.vocab.broader.get("locality", {})
        return [v for v in self.index.vocab.labels.get("locality", {}) if not broader.get(v)]

    def facet_values(self) -> dict[str, list[dict[str, str]]]:
        """Facet -> the valid ids with their preferred labels."""
        vocab = self.index.vocab
        return {
            facet: [
                {"id": v, "label": ls[0]} for v, ls in sorted(vocab.labels.get(facet, {}).items())
            ]
            for facet in facets.facet_ids()
        }

    def resolve(self, facet: str, value: str) -> str:
        """The id ``value`` names in ``facet``: an id, or a label (any case) naming one value.

        Raises:
            InvalidSearch: no value of the facet has that id or label; lists the valid ones.
        """
        values = self.index.vocab.labels.get(facet, {})
        if value in values:
            return value
        wanted = value.strip().casefold()
        for labels_rank in (0, None):
            hits = {
                v
                for v, ls in values.items()
                for label in (ls[:1] if labels_rank == 0 else ls)
                if label.casefold() == wanted or v.casefold() == wanted
            }
            if len(hits) == 1:
                return hits.pop()
        valid = ", ".join(f"{v} ({ls[0]})" for v, ls in sorted(values.items()))
        raise InvalidSearch(f"unknown {facet} {value!r}; valid {facet} values: {valid}")

    def eligible(self, filters: Mapping[str, str | None], national: bool) -> np.ndarray:
        """The exact set of resources the filters allow (facet hierarchies included).

        A place filter (locality) keeps resources of that place, of places within it and
        adopted there; with ``national`` also those of the wider areas containing it (Greater
        Manchester, England). Without one, ``national=False`` drops resources whose place is
        the country. A concept filter (topic) keeps its narrower concepts too; the others are
        exact (:mod:`cradle.core.facets`).

        Raises:
            InvalidSearch: a filter no facet declares, or an unknown value.
        """
        unknown = sorted(set(filters) - set(facets.facet_ids()))
        if unknown:
            raise InvalidSearch(
                f"unknown filter {unknown[0]!r}; the filters are: {', '.join(facets.facet_ids())}"
            )
        keep = np.ones(self.index.size, dtype=bool)
        placed = False
        for facet in facets.FACETS:
            value = filters.get(facet.id)
            if value:
                keep &= self._allowed(facet, self.resolve(facet.vocabulary, str(value)), national)
                placed |= facet.match == "place"
        if not placed and not national:
            keep &= ~self.index.any_of("spatial", self.country)
        return keep

    def _allowed(self, facet: facets.Facet, value: str, national: bool) -> np.ndarray:
        """The resources one filter value allows (see :meth:`eligible`)."""
        ix = self.index
        if facet.match == "place":
            allowed = ix.any_of("place", ix.below(facet.vocabulary, value))
            if national:
                allowed |= ix.any_of("spatial", ix.above(facet.vocabulary, value))
            return allowed
        if facet.match == "narrower":
            return ix.any_of(facet.vocabulary, ix.below(facet.vocabulary, value))
        return ix.mask(facet.vocabulary, value)

    def back_off(self, topics: list[str]) -> dict[str, list[str]]:
        """Broader concepts to lift for recognised topics that have few resources of their own.

        A topic whose resources (its own and its narrower concepts') number fewer than
        :data:`FEW` backs off to the nearest broader concept that resources are tagged with
        directly (climbing while a broader concept has none of its own).

        Returns:
            Broader topic id -> the recognised topic ids it covers.
        """
        ix = self.index
        out: dict[str, list[str]] = {}
        for topic in topics:
            if self._size(topic) >= FEW:
                continue
            todo = list(ix.vocab.broader.get("topic", {}).get(topic, []))
            seen: set[str] = set()
            while todo:
                b = todo.pop(0)
                if b in seen or b in topics:
                    continue
                seen.add(b)
                if ix.mask("topic", b).any():
                    out.setdefault(b, []).append(topic)
                else:
                    todo += ix.vocab.broader.get("topic", {}).get(b, [])
        return out

    def _size(self, topic: str) -> int:
        """How many resources are about ``topic`` or a narrower concept."""
        found = self._sizes.get(topic)
        if found is None:
            ix = self.index
            found = self._sizes[topic] = int(ix.any_of("topic", ix.below("topic", topic)).sum())
        return found

    def _tokens(self, topic: str) -> list[str]:
        """The BM25 tokens of ``topic``'s labels, shown and hidden (its expansion terms)."""
        found = self._label_tokens.get(topic)
        if found is None:
            vocab = self.index.vocab
            labels = vocab.labels["topic"][topic] + vocab.hidden.get("topic", {}).get(topic, [])
            found = self._label_tokens[topic] = keywords(" ".join(labels))
        return found

    def understand(self, query: str) -> Understanding:
        """Find thesaurus concepts, places and formats named in ``query``."""
        u = Understanding(
            topics=self._topics.find(query),
            localities=self._places.find(query),
            formats=self._formats.find(query),
            kinds=self._kinds.find(query),
            audiences=self._audiences.find(query),
        )
        u.situations = self._situations.find(query)
        for topic, labels in as_topics(u.situations, self._related).items():
            named = u.topics.setdefault(topic, [])
            named += [label for label in labels if label not in named]
        own = set(keywords(query))
        vocab = self.index.vocab
        extra: list[str] = []
        for topic in u.topics:
            group = tuple(dict.fromkeys(self._tokens(topic)))
            u.expansion_groups.append(group)
            extra += [token for token in group if token not in own and token not in extra]
        u.expansion = extra
        u.broader = self.back_off(list(u.topics))
        u.to_give = TO_GIVE.search(query) is not None
        u.focus = focus_text(query, u, vocab.label)
        if u.focus:
            u.narrative = frozenset(keywords(query)) - frozenset(keywords(u.focus))
        return u


def _named_places(index: LoadedIndex) -> set[str]:
    """The places a question can name: those with resources, the areas above them, and the
    places directly within an area that has resources of its own (Greater Manchester's boroughs,
    England's regions). England's other authorities, listed by the ontology for coverage, are
    left out when the catalogue has nothing for them or their area: several of their names are
    also words ("Reading", "Harrow") that would otherwise become place filters."""
    spatial = {r.locality for r in index.resources}
    used = spatial | {p for r in index.resources for p in r.adopted_in}
    known = set(used)
    for place in used:
        known.update(index.above("locality", place))
    narrower = index.narrower.get("locality", {})
    for place in spatial:
        known.update(narrower.get(place, []))
    return known
