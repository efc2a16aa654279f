"""What practitioners looked for and did not find.

When a search finds no close match, the topics and places it named (recognised from the
thesaurus and the place names, or chosen as filters) are counted; the query text is never kept.
Counts live in memory, per server process (they start again at zero when the service restarts,
and each of ``--workers`` processes keeps its own); ``/review`` shows only counts of 5 or more so
that no single search can be picked out. ``CRADLE_RECORD_MISSES=false`` turns counting off.
See docs/privacy.md.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from typing import Any

from cradle.index.hit import SearchResponse
from cradle.index.search import Searcher

#: Counts below this are not shown (nor is the total while it is below it).
MIN_SHOWN = 5
NO_TOPIC = "(no topic named)"
NO_PLACE = "(no place named)"


def found_nothing_close(response: SearchResponse) -> bool:
    """Whether a search answer found no close match. The one place that decides."""
    return response.close_matches == 0


class Misses:
    """Thread-safe counts of searches with no close match, by topic and by place."""

    def __init__(self, enabled: bool = True) -> None:
        """Start empty; ``enabled`` False counts nothing."""
        self.enabled = enabled
        self._lock = threading.Lock()
        self._searches = 0
        self._topics: Counter[str] = Counter()
        self._places: Counter[str] = Counter()

    def note(self, topics: list[str], places: list[str]) -> None:
        """Count one search that found no close match, by the topic and place ids it named."""
        if not self.enabled:
            return
        with self._lock:
            self._searches += 1
            self._topics.update(list(dict.fromkeys(topics or [NO_TOPIC])))
            self._places.update(list(dict.fromkeys(places or [NO_PLACE])))

    def shown(self) -> dict[str, Any]:
        """The counts that may be shown: buckets under :data:`MIN_SHOWN` left out.

        Returns:
            ``{"enabled", "searches" (None while under the minimum), "topics": [{"id",
            "count"}], "places": [...], "min_shown"}``, most first.
        """
        with self._lock:
            searches, topics, places = self._searches, dict(self._topics), dict(self._places)

        def keep(counts: dict[str, int]) -> list[dict[str, Any]]:
            big = [(k, n) for k, n in counts.items() if n >= MIN_SHOWN]
            return [{"id": k, "count": n} for k, n in sorted(big, key=lambda kv: (-kv[1], kv[0]))]

        return {
            "enabled": self.enabled,
            "searches": searches if searches >= MIN_SHOWN else None,
            "topics": keep(topics),
            "places": keep(places),
            "min_shown": MIN_SHOWN,
        }


def note_search(
    misses: Misses | None,
    searcher: Searcher,
    text: str,
    filters: dict[str, Any],
    response: SearchResponse,
) -> None:
    """After a search: count it when it found nothing close (never keeping ``text``)."""
    if misses is None or not misses.enabled or not found_nothing_close(response):
        return
    try:
        understood = searcher.reader.understand(text)
        topics, places = list(understood.topics), list(understood.localities)
    except AttributeError:  # a searcher that cannot say what a query names
        topics, places = [], []
    for facet, into in (("topic", topics), ("locality", places)):
        if filters.get(facet):
            with contextlib.suppress(Exception):  # an unknown value was refused before
                into.append(searcher.reader.resolve(facet, str(filters[facet])))
    misses.note(list(dict.fromkeys(topics)), list(dict.fromkeys(places)))
