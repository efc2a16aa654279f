"""An organisation's contact routes as the graph holds them (its schema.org ContactPoint)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach an organisation: checked when the catalogue was (graph/build/catalogue).

    Attributes:
        website: its web address, or None.
        email: its shared mailbox, or None.
        phone: its UK telephone number as written, or None.
        address: its postal address, lines separated by commas, or None.
        how_to_request: free text such as "email the partnership business unit", or None.
    """

    website: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    how_to_request: str | None = None

    def address_lines(self) -> list[str]:
        """The address split into its lines."""
        return address_lines(self.address or "")


def address_lines(address: str) -> list[str]:
    """An address's lines: split at new lines and commas, each trimmed, empty ones dropped."""
    return [
        part.strip() for line in address.splitlines() for part in line.split(",") if part.strip()
    ]
