"""What needs attention in the catalogue (``cradle review``, the service's ``/review``).

One function, :func:`review`, answers for the command line, the service and notebook 02 alike:
it takes a catalogue (before a build) or a built version's read model, and the last link check
(:func:`cradle.graph.curation.linkcheck.read_results`), and :func:`needs_attention` decides from
:class:`ReviewItem` records. :func:`describe` says a reason in plain words.

Reason codes (ranked, with what to do, in :mod:`cradle.graph.curation.ranking`):

- ``no-way-to-obtain``: neither its own address, a phone, its publisher's home page nor a
  contact route of its publisher: nobody can get it into a family's hands
  (:mod:`cradle.graph.read.obtain`). Ranked high: after a broken link only.
- ``same-as-another``: its ``url`` (http or https, a last ``/`` aside), or its title (case and
  spacing aside), is another entry's:
  an entry copied to start a new one and not yet changed, or one resource entered twice.
- ``expired``: its period (``period: 2021/2023``) has ended.
- ``broken-link``: the last link check of its ``url`` found no working page.
- ``overdue``: not yet available, and the date it was expected (``expected: 2021-12``) has passed.
- ``awaiting-information``: its status is awaiting information (for how long, when
  ``status_since`` says since when).
- ``link-unchecked``: the last link check could not check its ``url`` (no answer, or an
  address it may not check): "could not check", never called broken.
- ``review-due``: last reviewed more than ``review_every`` months ago.
- ``never-reviewed``: no ``reviewed`` date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cradle.graph.build.catalogue import REVIEW_EVERY_DEFAULT, Catalogue, Entry
from cradle.graph.curation.linkcheck import read_results
from cradle.graph.curation.ranking import REASONS, ranked
from cradle.graph.read.contact import Contact
from cradle.graph.read.obtain import NOT_STATED_ID, HowToGet, how_to_get, way_of
from cradle.graph.read.readmodel import ReadModel

__all__ = [
    "REASONS",
    "ReviewItem",
    "add_months",
    "describe",
    "items_from_catalogue",
    "items_from_model",
    "needs_attention",
    "review",
]


@dataclass(frozen=True)
class ReviewItem:
    """What deciding about one entry needs.

    Attributes:
        id, title: the entry.
        status: its status id.
        expected: when it was expected (YYYY or YYYY-MM), if stated.
        period_end: the last year of its period (YYYY), if it has one.
        reviewed: when staff last reviewed it.
        review_every: months between reviews (None: the default, 12).
        url: its web address, if recorded.
        status_since: since when its status holds, if recorded.
        no_way: when there is no way to get it, its publisher's id ("" when not recorded);
            else None.
        topics_suggested: an import suggested its topics and staff have not checked them.
    """

    id: str
    title: str
    status: str
    expected: str | None = None
    period_end: str | None = None
    reviewed: dt.date | None = None
    review_every: int | None = None
    url: str | None = None
    status_since: dt.date | None = None
    no_way: str | None = None
    topics_suggested: bool = False


def _no_way(way: HowToGet, publisher: str | None) -> str | None:
    return (publisher or "") if way.kind == "none" else None


def _catalogue_way(cat: Catalogue, e: Entry) -> HowToGet:
    """An entry's one way to get it, worked out from the catalogue as a build would."""
    org = next((o for o in cat.organisations if o.id == e.publisher), None)
    contact = None
    if org is not None:
        contact = Contact(org.website, org.email, org.phone, org.address, org.how_to_request)
    return how_to_get(
        e.url, e.link_domain, e.summary, org.name if org else None, contact, e.kind == "service"
    )


def items_from_catalogue(cat: Catalogue) -> list[ReviewItem]:
    """The review records of a catalogue's entries, in catalogue order."""
    return [
        ReviewItem(
            e.id,
            e.title,
            e.status,
            e.expected,
            e.period.split("/")[1] if e.period else None,
            e.reviewed,
            e.review_every,
            e.url,
            e.status_since,
            _no_way(_catalogue_way(cat, e), e.publisher),
            e.topics_suggested,
        )
        for e in cat.resources
    ]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def items_from_model(model: ReadModel) -> list[ReviewItem]:
    """The review records of a built version's entries (its read model), in catalogue order."""
    return [
        ReviewItem(
            r.id,
            r.title,
            r.status,
            r.expected,
            r.period.split("/")[1] if r.period else None,
            _date(r.reviewed),
            r.review_every,
            r.url,
            _date(r.status_since),
            _no_way(way_of(model, r), None if r.publisher == NOT_STATED_ID else r.publisher),
            r.topics_suggested,
        )
        for r in model.resources.values()
    ]


def review(
    source: Catalogue | ReadModel, links: Path | None, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """What needs attention: the one review, for ``cradle review``, ``/review`` and notebook 02.

    Args:
        source: a catalogue (``cradle review`` before a build) or a built version's read model.
        links: the last link check's file (beside the catalogue:
            :func:`cradle.graph.build.datafiles.links_beside`; in a version:
            ``Version.links_file``), or None when there is none.
        today: the day to judge on (the real today when None).

    Returns:
        See :func:`needs_attention`.
    """
    items = (
        items_from_catalogue(source)
        if isinstance(source, Catalogue)
        else (items_from_model(source))
    )
    found = read_results(links) if links is not None else {}
    return needs_attention(items, today or dt.date.today(), found)


def _end_of(value: str) -> dt.date:
    """The last day of a YYYY or YYYY-MM date."""
    year, _, month = value.partition("-")
    if not month:
        return dt.date(int(year), 12, 31)
    y, m = int(year), int(month)
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _months_between(start: dt.date, end: dt.date) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day))


def needs_attention(
    items: list[ReviewItem], today: dt.date, links: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The entries that need attention, each with its reasons.

    Args:
        items: the entries (see :func:`items_from_catalogue`).
        today: the day to judge on.
        links: the last link check's results by entry id (see
            :func:`cradle.graph.curation.linkcheck.read_results`); a result counts only while it
            is for the entry's current ``url``.

    Returns:
        Those needing attention, in the order of what to do first
        (:func:`cradle.graph.curation.ranking.ranked`): ``{"id", "title", "reasons": [codes,
        most urgent first], "details": {code: {...}}}``.
    """
    links = links or {}
    same = _same_as_another(items)
    out = []
    for item in items:
        details: dict[str, dict[str, Any]] = {}
        link = links.get(item.id)
        if item.url and link and link.get("url") == item.url and not link.get("ok"):
            details.update(_link_detail(item.url, link))
        if item.no_way is not None:
            details["no-way-to-obtain"] = {"publisher": item.no_way or None}
        if item.id in same:
            details["same-as-another"] = same[item.id]
        if item.expected and item.status != "available" and _end_of(item.expected) < today:
            late = _months_between(_end_of(item.expected), today)
            details["overdue"] = {"expected": item.expected, "months_late": late}
        if item.period_end and _end_of(item.period_end) < today:
            details["expired"] = {"period_ended": _end_of(item.period_end).isoformat()}
        if item.status == "awaiting-information":
            since = item.status_since
            details["awaiting-information"] = {
                "since": since.isoformat() if since else None,
                "months": _months_between(since, today) if since else None,
            }
        if item.topics_suggested:
            details["topics-suggested"] = {}
        every = item.review_every or REVIEW_EVERY_DEFAULT
        if item.reviewed is None:
            details["never-reviewed"] = {"review_every": every}
        elif (due := add_months(item.reviewed, every)) <= today:
            details["review-due"] = {
                "reviewed": item.reviewed.isoformat(),
                "review_every": every,
                "due": due.isoformat(),
            }
        if details:
            reasons = [r for r in REASONS if r in details]
            out.append(
                {
                    "id": item.id,
                    "title": item.title,
                    "reasons": reasons,
                    "details": {r: details[r] for r in reasons},
                }
            )
    return ranked(out)


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split())


def _url_key(url: str) -> str:
    """A web address as compared for ``same-as-another``: http and https alike, the host's case
    and a last ``/`` aside, without its ``#`` part."""
    parts = urlsplit(url.strip())
    where = parts.netloc.lower() + parts.path.rstrip("/")
    return f"{where}?{parts.query}" if parts.query else where


def _same_as_another(items: list[ReviewItem]) -> dict[str, dict[str, Any]]:
    """Per entry id whose url or title another entry has: ``{"url": [other ids], "title":
    [other ids]}`` (an empty list where that one is its own), in catalogue order."""
    by_url: dict[str, list[str]] = {}
    by_title: dict[str, list[str]] = {}
    for item in items:
        if item.url:
            by_url.setdefault(_url_key(item.url), []).append(item.id)
        if item.title.strip():
            by_title.setdefault(_title_key(item.title), []).append(item.id)
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        urls = [i for i in by_url.get(_url_key(item.url), []) if i != item.id] if item.url else []
        titles = [i for i in by_title.get(_title_key(item.title), []) if i != item.id]
        if urls or titles:
            out[item.id] = {"url": urls, "title": titles}
    return out


def _link_detail(url: str, link: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``broken-link`` when the site answered with an error; ``link-unchecked`` when the check
    got no answer or was not allowed (never with an address the check was sent to)."""
    result = link.get("result") or "broken"  # results recorded before 'result' existed
    if result == "broken":
        return {
            "broken-link": {
                "url": url,
                "status": link.get("status"),
                "error": link.get("error"),
                "final_url": link.get("final_url"),
                "checked": link.get("checked"),
            }
        }
    return {
        "link-unchecked": {"url": url, "error": link.get("error"), "checked": link.get("checked")}
    }


def describe(reason: str, detail: dict[str, Any]) -> str:
    """One reason in plain words, for the table and the page."""
    if reason == "broken-link":
        got = detail.get("status") or detail.get("error") or "no answer"
        return f"link not working ({got}) when checked on {str(detail.get('checked'))[:10]}"
    if reason == "link-unchecked":
        why = detail.get("error") or "no answer"
        return f"could not check the link ({why}) on {str(detail.get('checked'))[:10]}"
    if reason == "no-way-to-obtain":
        whose = f"organisation {detail['publisher']}" if detail.get("publisher") else "a publisher"
        return (
            "no way to obtain it: add its url, or a contact route (website, email, phone or"
            f" how_to_request) to {whose} under organisations"
        )
    if reason == "same-as-another":
        said = []
        if detail.get("url"):
            said.append("same web address as " + ", ".join(detail["url"]))
        if detail.get("title"):
            said.append("same title as " + ", ".join(detail["title"]))
        return "; ".join(said)
    if reason == "overdue":
        return f"expected {detail['expected']}; {detail['months_late']} month(s) late"
    if reason == "expired":
        return f"its period ended on {detail['period_ended']}"
    if reason == "awaiting-information":
        if detail.get("since"):
            return f"awaiting information since {detail['since']} ({detail['months']} month(s))"
        return "awaiting information (since when is not recorded: add status_since)"
    if reason == "review-due":
        return f"last reviewed {detail['reviewed']}; due {detail['due']}"
    if reason == "never-reviewed":
        return "never reviewed"
    if reason == "topics-suggested":
        return "its topics were suggested by an import (a new or changed row): check them"
    return reason
