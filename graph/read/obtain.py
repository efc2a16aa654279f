"""How to get a resource into a family's hands, and whom it is for: one primary way per resource
and one audience class, worked out from what the graph says (never an address made up).

The way is the first that applies of (docs/search.md "How to get it"):

1. ``open``: the resource's own web address (``dcat:landingPage``);
2. ``call`` / ``email``: a service's own phone (written in its description) or its
   organisation's phone or mailbox;
3. ``request``: the publisher's home page (the domain the document's link names, unless that is
   a file host such as Huddle or GOV.UK's publishing service), else the owning organisation's
   contact route (mailbox, phone, website or how it asks to be asked);
4. ``none``: "The catalogue has no link or contact for X yet", counted by
   ``cradle review``.

Who it is for (:func:`intended_for`) is the entry's ``intended_for`` when staff set it, else:
strategies, policies and reports are for ``partnerships``; anything else meant for parents is
for ``families``; the rest is for ``practitioners``. ``intervention`` is set by staff only (a
programme people are referred to), with its ``referral_criteria``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cradle.graph.read.contact import Contact
from cradle.graph.read.readmodel import ReadModel, Resource

#: The organisation id of "publisher not recorded" (cradle.graph.build.rdf.NOT_STATED).
NOT_STATED_ID = "not-stated"

#: File hosts: a link there is neither the resource's page nor its publisher's home page.
FILE_HOSTS = {
    "huddle.net": "Huddle",
    "publishing.service.gov.uk": "GOV.UK's publishing service",
    "sharepoint.com": "SharePoint",
    "dropbox.com": "Dropbox",
    "drive.google.com": "Google Drive",
    "box.com": "Box",
    "wetransfer.com": "WeTransfer",
}
#: Kinds of resource written for the partnerships that run services (strategies, policies, reviews).
PARTNERSHIP_KINDS = frozenset({"strategy", "policy", "report"})
#: The badge of each audience class.
FOR_LABELS = {
    "families": "To give to families",
    "practitioners": "For practitioners",
    "partnerships": "For safeguarding partnerships",
    "intervention": "Referral programme",
}
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
#: A UK service telephone number written after "Tel" in a description (0161 861 2258).
_PHONE = re.compile(r"Tel(?:ephone)?\s*[:.]?\s*((?:\+44\s?|0)\d{2,4}(?:[\s-]?\d{3,4}){2})\b", re.I)


@dataclass(frozen=True)  # not slotted: it crosses processes pickled (cradle.index.hit)
class HowToGet:
    """The one primary way to get a resource.

    Attributes:
        kind: ``"open"``, ``"call"``, ``"email"``, ``"request"`` or ``"none"``.
        label: what to do, in words.
        href: the link (``https:``, ``tel:`` or ``mailto:``), or None.
    """

    kind: str
    label: str
    href: str | None


def tel(phone: str) -> str:
    """The ``tel:`` link of a phone number (its digits, and a leading +)."""
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def host_of(domain: str) -> tuple[str | None, str | None]:
    """``(home page, file host)`` for a domain named in a resource's link text.

    A publisher's home page is ``https://DOMAIN/``; a file host is not one, so it gives only the
    host's name. Anything that is not a plain domain gives neither.
    """
    domain = domain.strip().lower().removeprefix("www.")
    if not _DOMAIN.match(domain):
        return None, None
    for shared, name in FILE_HOSTS.items():
        if domain == shared or domain.endswith("." + shared):
            return None, name
    return f"https://{domain}/", None


def service_phone(description: str) -> str | None:
    """The telephone number a description gives after "Tel", or None."""
    found = _PHONE.search(description or "")
    return found.group(1) if found else None


def _contact_way(owner: str, contact: Contact, service: bool) -> HowToGet | None:
    """The way through an organisation's contact route (None when it has none)."""
    ask = f"Contact {owner}" if service else f"Ask {owner} for a copy"
    how = f": {contact.how_to_request}" if contact.how_to_request else ""
    if contact.email:
        return HowToGet("email" if service else "request", f"{ask}{how or ''} ({contact.email})",
                        f"mailto:{contact.email}")  # fmt: skip
    if contact.phone:
        return HowToGet("call" if service else "request", f"{ask}{how} (phone {contact.phone})",
                        tel(contact.phone))  # fmt: skip
    if contact.website:
        host = contact.website.split("//", 1)[-1].rstrip("/")
        return HowToGet("request", f"{ask}{how} (through their website, {host})", contact.website)
    if contact.how_to_request:
        return HowToGet("request", f"{ask}{how}", None)
    return None


def how_to_get(
    url: str | None,
    link_domain: str | None,
    description: str,
    owner: str | None,
    contact: Contact | None,
    service: bool = False,
) -> HowToGet:
    """The one primary way to get a resource, in the order of this module's docstring.

    Args:
        url: the resource's own web address, or None.
        link_domain: the domain the document's link names, or None.
        description: the resource's description (a service's phone is written there).
        owner: the publishing organisation's name, or None when not recorded.
        contact: the publishing organisation's contact routes, or None.
        service: the resource is a service (to call or e-mail, not a document to ask for).
    """
    if url and url.startswith(("https://", "http://")):
        return HowToGet("open", "Open the resource", url)
    phone = service_phone(description)
    if phone:
        whom = owner or "the service"
        return HowToGet("call", f"Call {whom} on {phone}", tel(phone))
    if service and owner and contact and (contact.phone or contact.email):
        way = _contact_way(owner, contact, service=True)
        if way:
            return way
    home, _ = host_of(link_domain or "")
    if home:
        host = home.removeprefix("https://").rstrip("/")
        return HowToGet("request", f"Look for it on the publisher's home page, {host}", home)
    if owner and contact:
        way = _contact_way(owner, contact, service)
        if way:
            return way
    if not owner:  # who publishes it is not recorded either
        return HowToGet("none", "The catalogue has no link for it, nor who publishes it, yet", None)
    return HowToGet("none", f"The catalogue has no link or contact for {owner} yet", None)


def intended_for(
    explicit: str | None, kind: str | None, format: str | None, audiences: tuple[str, ...]
) -> str:
    """Who a resource is for: ``families``, ``practitioners``, ``partnerships`` or
    ``intervention`` (the rule is in this module's docstring; ``format`` is read for a video,
    which is for families when its audience is not stated)."""
    if explicit:
        return explicit
    if kind in PARTNERSHIP_KINDS:
        return "partnerships"
    if "parents" in audiences or (not audiences and format == "youtube-video"):
        return "families"
    return "practitioners"


def for_label(value: str, criteria: str | None = None) -> str:
    """The plain badge of an audience class ("To give to families"; a referral programme with
    its criteria: "Referral programme: for men who have abused ...")."""
    label = FOR_LABELS.get(value, FOR_LABELS["practitioners"])
    return f"{label}: for {criteria}" if value == "intervention" and criteria else label


def owner_of(model: ReadModel, r: Resource) -> str | None:
    """The name of the organisation that owns ``r``, or None when not recorded.

    An owner must be an organisation: a publisher named like a place ("Greater Manchester", as
    an import may take it from the document) is no one to ask, so it counts as not recorded.
    """
    if not r.publisher or r.publisher == NOT_STATED_ID:
        return None
    places = model.derived.get("place_names")
    if places is None:
        found = model.terms.get("locality", {}).values()
        places = model.derived["place_names"] = frozenset(t.label.casefold() for t in found)
    name = model.label("org", r.publisher)
    return None if name.casefold() in places else name


def way_of(model: ReadModel, r: Resource) -> HowToGet:
    """The one primary way to get resource ``r`` of the read model."""
    return how_to_get(
        r.url,
        r.link_domain,
        r.description,
        owner_of(model, r),
        model.contacts.get(r.publisher),
        service=r.kind == "service",
    )


def for_of(r: Resource) -> tuple[str, str]:
    """Who resource ``r`` is for, and its badge."""
    value = intended_for(r.intended_for, r.kind, r.format, r.audiences)
    return value, for_label(value, r.referral_criteria)
