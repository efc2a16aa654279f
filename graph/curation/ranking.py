"""What to do first: the review reasons ranked, and the review list put in that order.

:data:`RANKING` is the one table of reasons, most urgent first, each with its heading and what
to do in one line; ``cradle review``, ``/review`` and notebook 02 all follow it. The order is a
decision, not a measurement:

1. ``expired``: shown to practitioners as current while its period has ended (a withdrawn
   resource, once the catalogue records withdrawal, ranks here too);
2. ``broken-link``: practitioners are sent to a page that does not work;
3. ``no-way-to-obtain``: nothing says how to get it (no link, no contact); issue 24 decides when;
4. ``overdue``: promised by a date that has passed;
5. ``awaiting-information``: listed, details not yet shared;
6. ``link-unchecked``: the link check got no answer, so a person should open it;
7. ``topics-suggested``: an import suggested its topics (a new or changed row): search finds it
   by them, so a person should check them;
8. ``review-due``: reviewed before, due again;
9. ``never-reviewed``: never looked at since it was added: routine, often most of a new
   catalogue, so the table sums them up as a count.

An entry is listed once, under its most urgent reason; within a reason, the worst first (the
longest overdue, the longest waiting, the earliest ended or due), then in catalogue order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reason:
    """One reason an entry needs attention.

    Attributes:
        code: its code in the JSON (``reasons``, ``details``) and for ``--reason``.
        heading: its name in plain words, for the table and the page.
        action: what to do about it, in one line.
    """

    code: str
    heading: str
    action: str


#: The reasons, most urgent first.
RANKING: tuple[Reason, ...] = (
    Reason(
        "expired",
        "Expired or withdrawn, still shown",
        "remove the entry, or record its new period",
    ),
    Reason(
        "broken-link",
        "Link not working",
        "find the resource's new address and update url",
    ),
    Reason(
        "no-way-to-obtain",
        "No way to obtain it",
        "record how to get it: a link or a contact",
    ),
    Reason(
        "same-as-another",
        "Same title or address as another entry",
        "if it was copied to start a new entry, give it its own title and url; if both are one "
        "resource, keep one",
    ),
    Reason(
        "overdue",
        "Expected date has passed",
        "ask the publisher when it will come; update status or expected",
    ),
    Reason(
        "awaiting-information",
        "Awaiting information",
        "ask the publisher for the details; add status_since if not known",
    ),
    Reason(
        "link-unchecked",
        "Link could not be checked",
        "open the link yourself; record url_checked when it works",
    ),
    Reason(
        "topics-suggested",
        "Topics suggested by an import",
        "check its topics, then delete its line topics_suggested: true",
    ),
    Reason(
        "review-due",
        "Review due",
        "look the entry over, then record it: cradle review --mark ID",
    ),
    Reason(
        "never-reviewed",
        "Never reviewed",
        "look the entry over, then record it: cradle review --mark ID",
    ),
)
REASONS: tuple[str, ...] = tuple(r.code for r in RANKING)
BY_CODE: dict[str, Reason] = {r.code: r for r in RANKING}
#: Reasons the table sums up as a count (with the command that lists them) unless asked for.
SUMMED_UP = ("never-reviewed",)


def _worst_first(code: str, detail: dict[str, Any]) -> tuple[Any, ...]:
    """Within one reason, the sort key putting the worst first (ties keep catalogue order)."""
    if code == "expired":
        return (detail.get("period_ended") or "",)
    if code == "overdue":
        return (-(detail.get("months_late") or 0),)
    if code == "awaiting-information":
        months = detail.get("months")
        return (months is None, -(months or 0))
    if code == "review-due":
        return (detail.get("due") or "",)
    return ()


def _worst_first_under(code: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The sort key of entries listed under reason ``code``."""
    return lambda item: _worst_first(code, item["details"][code])


def ranked(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The review list in the order of what to do first.

    Args:
        found: entries needing attention, each with ``reasons`` (codes in :data:`REASONS`
            order) and ``details`` (:func:`cradle.graph.curation.review.needs_attention`), in
            catalogue order.

    Returns:
        The same entries, by their most urgent reason, then the worst first within it.
    """
    rank = {code: i for i, code in enumerate(REASONS)}

    def key(item: dict[str, Any]) -> tuple[Any, ...]:
        first = item["reasons"][0]
        return (rank.get(first, len(rank)), *_worst_first(first, item["details"][first]))

    return sorted(found, key=key)  # stable: catalogue order within equal keys


def only(found: list[dict[str, Any]], reasons: Iterable[str]) -> list[dict[str, Any]]:
    """The entries with any of ``reasons`` (all when none are given), in the same order."""
    wanted = set(reasons)
    if not wanted:
        return found
    return [f for f in found if wanted & set(f["reasons"])]


def unknown_reasons(reasons: Iterable[str]) -> list[str]:
    """The codes in ``reasons`` that are not reasons (for a ``--reason`` typed wrongly)."""
    return [r for r in reasons if r not in BY_CODE]


@dataclass(frozen=True)
class Group:
    """The entries listed under one reason (each entry under its most urgent one)."""

    reason: Reason
    entries: list[dict[str, Any]]


def grouped(found: list[dict[str, Any]], reasons: Iterable[str] = ()) -> list[Group]:
    """The review list under a heading per reason, most urgent first, empty reasons left out.

    Args:
        found: the ranked list (:func:`ranked`).
        reasons: when given, only entries with one of them, each listed under the most urgent
            of those it has.
    """
    wanted = set(reasons) or set(REASONS)
    groups: dict[str, list[dict[str, Any]]] = {code: [] for code in REASONS}
    for item in found:
        first = next((r for r in item["reasons"] if r in wanted), None)
        if first is not None:
            groups[first].append(item)
    out = []
    for code, items in groups.items():
        if items:
            items.sort(key=_worst_first_under(code))
            out.append(Group(BY_CODE[code], items))
    return out
