"""What a resource page shows beyond the record: the way to get it, whom it is for, when it was
last reviewed and is due again, its publisher's contact, and the way back to the results."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qs

from cradle.graph.build.catalogue import REVIEW_EVERY_DEFAULT
from cradle.graph.curation.review import add_months
from cradle.graph.read.obtain import for_of, way_of
from cradle.graph.read.readmodel import ReadModel, Resource

#: A back link is a search of this site ("/?q=..."), never another address, of at most
#: ``MAX_BACK`` characters (the search page leaves out a longer one rather than repeat it on
#: every hit).
_BACK = re.compile(r"^/\?[^\s/\\]*$")
MAX_BACK = 2000


def day(value: dt.date) -> str:
    """A date as people write it: "3 March 2026"."""
    return f"{value.day} {value:%B %Y}"


def review_dates(reviewed: str | None, every: int | None) -> tuple[str, str | None]:
    """``(last reviewed, next review due)`` in words: "Not yet reviewed" and None when the
    entry has never been reviewed; the next review is ``every`` months later (12 by default)."""
    if not reviewed:
        return "Not yet reviewed", None
    last = dt.date.fromisoformat(reviewed[:10])
    return day(last), day(add_months(last, every or REVIEW_EVERY_DEFAULT))


def back_link(back: str | None) -> str | None:
    """The results page to go back to: only a search of this site (``/?q=...``), else None."""
    return back if back and len(back) <= MAX_BACK and _BACK.match(back) else None


def asked(back: str | None) -> str | None:
    """The words the user searched for, from the back link, or None."""
    if not back:
        return None
    words = parse_qs(back[2:]).get("q", [""])[0].strip()
    return words or None


def resource_facts(model: ReadModel, res: Resource, back: str | None) -> dict[str, Any]:
    """The resource page's extra context (see the module docstring); a service's page also
    gets its organisation's address, line by line."""
    last, due = review_dates(res.reviewed, res.review_every)
    audience, badge = for_of(res)
    contact = model.contacts.get(res.publisher) if res.kind == "service" else None
    return {
        "how_to_get": way_of(model, res),
        "for_": audience,
        "for_label": badge,
        "last_reviewed": last,
        "next_review": due,
        "back": back_link(back),
        "asked": asked(back_link(back)),
        "address": contact.address_lines() if contact else [],
    }
