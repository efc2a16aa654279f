"""Writing a catalogue back to YAML (for imports, merges and synthetic catalogues)."""

from __future__ import annotations

from typing import Any

import yaml

from cradle.graph.build.catalogue.model import Catalogue

_BASE_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: same text, faster


class _Dumper(_BASE_DUMPER):  # type: ignore[misc]
    """Writes a value used twice (a shared date, say) out in full: the loader refuses aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_catalogue(cat: Catalogue) -> str:
    """Serialise a catalogue to YAML, leaving out empty optional fields.

    Args:
        cat: the catalogue.

    Returns:
        The YAML text, fields in the model's order, lines up to 100 characters.
    """
    data = cat.model_dump(exclude_none=True)
    if not data.get("localities"):
        data.pop("localities", None)
    for entry in data["resources"]:
        for key in ("adopted_in", "audience"):
            if not entry.get(key):
                entry.pop(key, None)
        if not entry.get("topics_suggested"):
            entry.pop("topics_suggested", None)
        if entry.get("summary") == "":
            entry.pop("summary")
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
