"""The PRIVATE contacts file, for partnership staff only.

``cradle import --contacts FILE`` writes the named people and personal e-mail addresses it takes
out of the source document to a file of their own. They never enter the catalogue, the graph,
the index or the public service: nothing in ``cradle.service`` imports this module. Staff who
need them load them here, explicitly, from a path they choose or ``settings.private_contacts``
(unset by default, so nothing is loaded unless someone asks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from cradle.core.errors import ContactsError
from cradle.core.settings import Settings


@dataclass(frozen=True)
class Contact:
    """A personal contact named in the source document.

    Attributes:
        entry: the id of the catalogue entry it was found in (as imported).
        contact: the person's name or e-mail address.
        line: the line of the source document it was on (0 when unknown).
    """

    entry: str
    contact: str
    line: int = 0


def load_contacts(path: Path) -> list[Contact]:
    """Read a private contacts file written by ``cradle import --contacts``.

    Raises:
        ContactsError: the file cannot be read or is not a list of ``entry``/``contact`` items.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContactsError(
            f"{path}: cannot read the contacts file ({exc.__class__.__name__})"
        ) from None
    items = data.get("contacts") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ContactsError(f"{path}: expected a top-level 'contacts:' list")
    out = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not item.get("entry") or not item.get("contact"):
            raise ContactsError(f"{path}: contact {n}: needs 'entry' and 'contact'")
        line = str(item.get("line", "0"))
        out.append(
            Contact(str(item["entry"]), str(item["contact"]), int(line) if line.isdigit() else 0)
        )
    return out


def staff_contacts(settings: Settings) -> list[Contact]:
    """The contacts of ``settings.private_contacts``; none when that is unset (the default)."""
    return load_contacts(settings.private_contacts) if settings.private_contacts else []
