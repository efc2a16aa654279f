"""How a practitioner reaches a resource: its own address, the publisher's website, or whom to
ask. Only what the graph says is used: an address is never made up from a title or a name."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Domains of file-sharing platforms: a link there is not the publisher's own website.
FILE_SHARING = {
    "huddle.net": "Huddle",
    "sharepoint.com": "SharePoint",
    "dropbox.com": "Dropbox",
    "drive.google.com": "Google Drive",
    "box.com": "Box",
    "wetransfer.com": "WeTransfer",
}
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
#: A UK service telephone number written after "Tel" in a description (0161 861 2258).
_PHONE = re.compile(r"Tel(?:ephone)?\s*[:.]?\s*((?:\+44\s?|0)\d{2,4}(?:[\s-]?\d{3,4}){2})\b", re.I)


@dataclass(frozen=True)
class Access:
    """The ways to a resource the graph gives.

    Attributes:
        url: the resource's own web address (``dcat:landingPage``), or None.
        site: ``https://DOMAIN/`` of the publisher's website named in the link text, or None.
        shared_via: the file-sharing platform the document's link points to (``Huddle``), or None.
        phone: a service telephone number given in the description, or None.
    """

    url: str | None
    site: str | None
    shared_via: str | None
    phone: str | None

    def action(self, publisher: str, place: str, service: bool = False) -> dict[str, str | None]:
        """The best thing to do next: ``{"kind": "open"|"site"|"ask", "text", "href"}``.

        Args:
            publisher: the publishing organisation's name ("" or "Source not stated" if unknown).
            place: the resource's place, for whom to ask when the publisher is not stated.
            service: the resource is a service (to contact, not a document to ask for).
        """
        if self.url:
            return {"kind": "open", "text": "Open the resource", "href": self.url}
        if self.site:
            host = self.site.removeprefix("https://").rstrip("/")
            return {
                "kind": "site",
                "text": f"Visit the publisher's website, {host}",
                "href": self.site,
            }
        known = publisher and publisher.casefold() != "source not stated"
        whom = publisher if known else f"the safeguarding partnership for {place}"
        text = f"Contact {whom}" if service else f"Ask {whom} for a copy"
        if self.shared_via:
            text = f"Shared through {self.shared_via} (a file-sharing site): ask {whom} for a copy"
        if self.phone:
            text += f", phone {self.phone}"
        href = "tel:" + re.sub(r"[^\d+]", "", self.phone) if self.phone else None
        return {"kind": "ask", "text": text, "href": href}


def site_of(domain: str) -> tuple[str | None, str | None]:
    """``(site, shared_via)`` for a domain named in a resource's link text.

    The publisher's website is ``https://DOMAIN/``; a file-sharing platform is not one, so it
    gives no site, only its name. Anything that is not a plain domain gives neither.
    """
    domain = domain.strip().lower().removeprefix("www.")
    if not _DOMAIN.match(domain):
        return None, None
    for shared, name in FILE_SHARING.items():
        if domain == shared or domain.endswith("." + shared):
            return None, name
    return f"https://{domain}/", None


def access(url: str, link_domain: str, description: str) -> Access:
    """The ways to a resource, from its landing page, link domain and description."""
    site, via = site_of(link_domain) if link_domain else (None, None)
    found = _PHONE.search(description or "")
    good = url if url.startswith(("https://", "http://")) else None
    return Access(url=good, site=site, shared_via=via, phone=found.group(1) if found else None)
