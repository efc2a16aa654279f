"""The ways to a resource search shows beside its one primary way (:mod:`cradle.graph.read.obtain`):
its own address, the publisher's home page, the file host the document's link points to, a
service's phone. Only what the graph says is used: an address is never made up from a title."""

from __future__ import annotations

from dataclasses import dataclass

from cradle.graph.read.obtain import host_of, service_phone


@dataclass(frozen=True)
class Access:
    """The ways to a resource the graph gives.

    Attributes:
        url: the resource's own web address (``dcat:landingPage``), or None.
        site: ``https://DOMAIN/``, the publisher's home page named in the link text, or None.
        shared_via: the file host the document's link points to (``Huddle``), or None.
        phone: a service telephone number given in the description, or None.
    """

    url: str | None
    site: str | None
    shared_via: str | None
    phone: str | None


def site_of(domain: str) -> tuple[str | None, str | None]:
    """``(site, shared_via)`` for a domain named in a resource's link text (see
    :func:`cradle.graph.read.obtain.host_of`)."""
    return host_of(domain)


def access(url: str, link_domain: str, description: str) -> Access:
    """The ways to a resource, from its landing page, link domain and description."""
    site, via = host_of(link_domain) if link_domain else (None, None)
    good = url if url.startswith(("https://", "http://")) else None
    return Access(url=good, site=site, shared_via=via, phone=service_phone(description))
