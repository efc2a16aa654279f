"""The catalogue's model: the header, organisations, localities and entries, with their fields.

Pydantic checks each field's type; the rules that need the ontology or several fields at once
are in :mod:`cradle.graph.build.catalogue.entry`. The fields are described for staff in
``docs/catalogue.md``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from cradle.graph.build.catalogue.contact import check_email, check_phone, check_website

#: Months between reviews when an entry gives no ``review_every``.
REVIEW_EVERY_DEFAULT = 12
#: Who a resource is for (``intended_for``; docs/catalogue.md "Who it is for").
INTENDED_FOR = ("families", "practitioners", "partnerships", "intervention")


class Organisation(BaseModel):
    """A publisher or source organisation, and how to reach it.

    The contact routes are the organisation's own, never a person's: ``website`` (http or
    https), ``email`` (a shared mailbox), ``phone`` (a UK number), ``address`` (lines separated
    by commas) and ``how_to_request`` (free text: "email the partnership business
    unit"). Only what a source gives, or staff know, is written here.
    """

    model_config = ConfigDict(extra="forbid")
    id: str
    name: str = Field(min_length=1)
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    how_to_request: str | None = Field(None, min_length=1)

    _website = field_validator("website")(check_website)
    _email = field_validator("email")(check_email)
    _phone = field_validator("phone")(check_phone)

    def has_contact(self) -> bool:
        """Whether the catalogue gives any way to reach the organisation."""
        return any((self.website, self.email, self.phone, self.how_to_request))


class LocalityDef(BaseModel):
    """A locality the ontology does not list (national catalogues bring their own areas)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    name: str = Field(min_length=1)
    gss: str = Field(pattern=r"^[EWSN][0-9]{8}$")
    within: str
    level: str = "local authority"


class Entry(BaseModel):
    """One catalogue entry: a piece of good practice.

    ``reviewed`` is when staff last checked the entry; it is due again ``review_every`` months
    later (12 when not given). ``url`` is the resource's web address (http or https);
    ``intended_for`` corrects who it is for (derived from kind, format and audience when not
    given, :mod:`cradle.graph.read.obtain`); ``referral_criteria`` says whom a referral
    programme is for. ``status_since`` is since when the status holds (how long an entry has
    been awaiting information). ``url_checked`` is when a person last confirmed it opens the
    right thing (``cradle linkcheck`` records its own results beside the catalogue, see
    :mod:`cradle.graph.curation.linkcheck`).
    """

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str = Field(min_length=1)
    publisher: str | None = None
    summary: str = ""
    kind: str | None = None
    format: str = "none"
    link_text: str | None = None
    link_domain: str | None = None
    url: str | None = None
    url_checked: dt.date | None = None
    locality: str
    adopted_in: list[str] = Field(default_factory=list)
    status: str = "available"
    status_note: str | None = None
    status_since: dt.date | None = None
    expected: str | None = None
    date: str | None = None
    period: str | None = None
    topics: list[str] = Field(default_factory=list)
    topics_suggested: bool = False
    audience: list[str] = Field(default_factory=list)
    reviewed: dt.date | None = None
    review_every: int | None = Field(None, ge=1, le=120)
    intended_for: str | None = None
    referral_criteria: str | None = Field(None, min_length=1)

    @field_validator("intended_for")
    @classmethod
    def _for(cls, value: str | None) -> str | None:
        """One of :data:`INTENDED_FOR`."""
        if value is not None and value not in INTENDED_FOR:
            raise ValueError(f"must be one of {', '.join(INTENDED_FOR)}")
        return value

    @field_validator("expected", "date", "period", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        """A bare year (2021) reads as a number: keep it as text."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Header(BaseModel):
    """What the catalogue is and where it came from."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    description: str = ""
    source_document: str | None = None
    source_sha256: str | None = None
    modified: str
    #: the locality the catalogue is for (its dct:spatial): coverage's default ``within``
    area: str | None = None
    #: the partnership's shared mailbox for "tell us what was missing" (its dcat:contactPoint)
    contact_email: str | None = None

    _email = field_validator("contact_email")(check_email)

    @field_validator("modified", mode="before")
    @classmethod
    def _iso(cls, value: Any) -> Any:
        """An unquoted date reads as a date: keep it as ISO text."""
        return value.isoformat() if isinstance(value, dt.date) else value


class Catalogue(BaseModel):
    """The whole catalogue file."""

    model_config = ConfigDict(extra="forbid")
    catalogue: Header
    organisations: list[Organisation] = Field(default_factory=list)
    localities: list[LocalityDef] = Field(default_factory=list)
    resources: list[Entry]
    _lines: dict[str, int] = PrivateAttr(default_factory=dict)
    _notes: list[str] = PrivateAttr(default_factory=list)

    def line_of(self, entry_id: str) -> int | None:
        """The line of the file where entry ``entry_id`` starts (None when not read from one)."""
        return self._lines.get(entry_id)

    def notes(self) -> list[str]:
        """What the file's reading noted (``FILE:LINE: entry <id>: <field>: ...``): each
        synonym read as its preferred label. Empty when not read from a file."""
        return list(self._notes)
