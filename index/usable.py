"""Whether a resource can be used today: a badge for what is not available yet and a warning for
what may be out of date. (Close matches that are not usable yet form their own tier:
:func:`cradle.index.judge.tiers`.)"""

from __future__ import annotations

import calendar
from datetime import date

AVAILABLE = "available"
#: A resource issued this many years ago or more may be out of date.
OLD_AFTER_YEARS = 3

_STATUS_WORDS = {"in-development": "In development", "awaiting-information": "Awaiting information"}


def month_text(value: str) -> str:
    """``2021-12`` -> ``December 2021``; ``2021`` stays ``2021``."""
    year, _, month = value.partition("-")
    if month.isdigit() and 1 <= int(month) <= 12:
        return f"{calendar.month_name[int(month)]} {year}"
    return year


def _ended(value: str, today: date) -> bool:
    year, _, month = value.partition("-")
    if not year.isdigit():
        return False
    if month.isdigit():
        return (int(year), int(month)) < (today.year, today.month)
    return int(year) < today.year


def badge(status: str, expected: str, today: date) -> tuple[str | None, bool]:
    """``(badge, overdue)`` for a resource that is not available: what is known, in words.

    ``("In development · expected December 2021 · overdue", True)``; ``(None, False)`` when
    the resource is available.
    """
    if status == AVAILABLE:
        return None, False
    parts = [_STATUS_WORDS.get(status, status.replace("-", " ").capitalize())]
    overdue = bool(expected) and _ended(expected, today)
    if expected:
        parts.append(f"expected {month_text(expected)}")
    if overdue:
        parts.append("overdue")
    return " · ".join(parts), overdue


def out_of_date(period: str, issued: str, today: date) -> str | None:
    """A warning when a resource's period has ended or it was issued years ago, else None."""
    if period:
        start, _, end = period.partition("/")
        if end.isdigit() and int(end) < today.year:
            return f"May be out of date: it covers {start}–{end}"
    if issued and issued[:4].isdigit() and today.year - int(issued[:4]) >= OLD_AFTER_YEARS:
        return f"May be out of date: issued {month_text(issued)}"
    return None
