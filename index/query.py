"""Understanding a query and a request through the graph: facet filters, thesaurus concepts,
places and formats named in the query, and the expansion terms BM25 adds."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from cradle.core.errors import InvalidSearch
from cradle.index.loaded import LoadedIndex
from cradle.index.text import PhraseMatcher, keywords

FACETS = ("locality", "topic", "format", "audience", "status")


@dataclass
class Understanding:
    """What the graph recognises in a query.

    Attributes:
        topics: topic id -> the labels of it found in the query.
        localities: locality id -> labels found.
        formats: format id -> labels found; kinds: kind id -> labels found.
        expansion: BM25 tokens added from the thesaurus (not already in the query).
    """

    topics: dict[str, list[str]] = field(default_factory=dict)
    localities: dict[str, list[str]] = field(default_factory=dict)
    formats: dict[str, list[str]] = field(default_factory=dict)
    kinds: dict[str, list[str]] = field(default_factory=dict)
    expansion: list[str] = field(default_factory=list)


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

        self._topics = PhraseMatcher(all_labels("topic"))
        self._places = PhraseMatcher(all_labels("locality"))
        self._formats = PhraseMatcher(
            {k: v for k, v in all_labels("format").items() if k != "none"}
        )
        self._kinds = PhraseMatcher(all_labels("kind"))

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
            for facet in FACETS
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

    def eligible(self, filters: dict[str, str | None], national: bool) -> np.ndarray:
        """The exact set of resources the filters allow (facet hierarchies included).

        A locality filter keeps resources of that place, of places within it and adopted
        there; with ``national`` also those of the wider areas containing it (Greater
        Manchester, England). Without a locality filter, ``national=False`` drops resources
        whose place is the country.
        """
        ix = self.index
        keep = np.ones(ix.size, dtype=bool)
        place = filters.get("locality")
        if place:
            loc = self.resolve("locality", place)
            allowed = ix.any_of("place", ix.below("locality", loc))
            if national:
                allowed |= ix.any_of("spatial", ix.above("locality", loc))
            keep &= allowed
        elif not national:
            keep &= ~ix.any_of("spatial", self.country)
        if filters.get("topic"):
            topic = self.resolve("topic", str(filters["topic"]))
            keep &= ix.any_of("topic", ix.below("topic", topic))
        for facet in ("format", "audience", "status"):
            if filters.get(facet):
                keep &= ix.mask(facet, self.resolve(facet, str(filters[facet])))
        return keep

    def understand(self, query: str) -> Understanding:
        """Find thesaurus concepts, places and formats named in ``query``."""
        u = Understanding(
            topics=self._topics.find(query),
            localities=self._places.find(query),
            formats=self._formats.find(query),
            kinds=self._kinds.find(query),
        )
        own = set(keywords(query))
        vocab = self.index.vocab
        extra: list[str] = []
        for topic in u.topics:
            labels = vocab.labels["topic"][topic] + vocab.hidden.get("topic", {}).get(topic, [])
            for token in keywords(" ".join(labels)):
                if token not in own and token not in extra:
                    extra.append(token)
        u.expansion = extra
        return u
