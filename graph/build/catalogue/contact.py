"""The checks of an organisation's contact routes: a web address, an e-mail address, a UK phone.

Each check returns the value tidied (spaces trimmed) or raises ``ValueError`` saying what a
valid value looks like; the catalogue's messages add the file, line and field.
"""

from __future__ import annotations

import re

_URL = re.compile(r"^https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,63}(?::\d{1,5})?(?:/[^\s]*)?$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}$"
)
#: A UK number: 0 then 9 or 10 digits, or +44 then 9 or 10 digits (spaces, dashes allowed).
_PHONE = re.compile(r"^(?:0|\+44\s?(?:\(0\))?\s?)\d[\d\s-]{7,12}\d$")


def check_website(value: str | None) -> str | None:
    """A web address starting ``http://`` or ``https://`` with a domain name."""
    if value is None:
        return None
    value = value.strip()
    if not _URL.match(value):
        raise ValueError(
            "must be a web address starting https:// (or http://) followed by a site's name "
            "(not a number address or localhost), e.g. https://example.org/"
        )
    return value


def check_email(value: str | None) -> str | None:
    """An e-mail address: one ``@`` and a domain name, no spaces."""
    if value is None:
        return None
    value = value.strip()
    if not _EMAIL.match(value):
        raise ValueError("must be an e-mail address like team@example.gov.uk")
    return value


def check_phone(value: str | None) -> str | None:
    """A UK telephone number: 0 then 10 or 11 digits in all, or +44 (spaces and dashes allowed)."""
    if value is None:
        return None
    value = value.strip()
    digits = re.sub(r"\D", "", value)
    national = "0" + digits[2:] if value.startswith("+44") else digits
    if not _PHONE.match(value) or len(national) not in (10, 11):
        raise ValueError("must be a UK telephone number like 0161 234 5678 or +44 161 234 5678")
    return value


def tel_href(phone: str) -> str:
    """The ``tel:`` link of a UK number (digits, +44 kept)."""
    digits = re.sub(r"[^\d+]", "", phone)
    return "tel:" + digits
