"""When nothing is close: where else to look (the national sources the catalogue itself names for
the recognised topics) and a way to tell the partnership what was missing (a ``mailto:`` that
carries the topic and place only, never the words typed, which may name a family)."""

from __future__ import annotations

from urllib.parse import quote

from cradle.graph.read.readmodel import COUNTRY, ReadModel, Resource
from cradle.index.hit import Label

#: National sources shown at most (the page stays short on a phone).
MAX_ELSEWHERE = 4


def where_else(model: ReadModel, topics: tuple[Label, ...]) -> list[Resource]:
    """Available national resources (of the country, not a borough) on the recognised topics or
    narrower ones, in catalogue order, at most :data:`MAX_ELSEWHERE`."""
    found: dict[str, Resource] = {}
    for topic in topics:
        for r in model.resources_under("topic", topic.id):
            if r.locality == COUNTRY and r.status == "available":
                found.setdefault(r.id, r)
    return sorted(found.values(), key=lambda r: (r.order, r.id))[:MAX_ELSEWHERE]


def tell_us(model: ReadModel, topics: tuple[Label, ...], places: tuple[Label, ...]) -> str | None:
    """A ``mailto:`` to the partnership's mailbox, prefilled with the topics and places
    recognised only (None when the catalogue records no mailbox)."""
    if not model.feedback_email:
        return None
    about = ", ".join(t.label for t in topics) or "a topic"
    where = ", ".join(p.label for p in places)
    subject = f"Cradle: nothing found on {about}" + (f" in {where}" if where else "")
    body = (
        f"A search found no close match.\nTopic: {about}\nPlace: {where or 'not given'}\n"
        "(No personal details, please.)"
    )
    return f"mailto:{model.feedback_email}?subject={quote(subject)}&body={quote(body)}"
