"""Write a merged catalogue (``cradle import NEW --merge FILE``) as the curated file with only
what the merge changed: the changed fields' lines replaced, new entries and organisations
added, dropped entries taken out. Staff's comments, the order of fields and the layout of
everything else stay as they were, so that the merged file compares line by line with the
curated one.

Positions come from ruamel.yaml's round-trip loader, as in
:mod:`cradle.graph.curation.yamledit`; new text is written as
:func:`cradle.graph.build.catalogue.dump_catalogue` would. The result is read back
and compared with the merged catalogue: when they differ in anything (a layout this does not
foresee), the plain dump is used instead and the caller is told the comments were not kept.
"""

from __future__ import annotations

from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from cradle.core.errors import CatalogueError
from cradle.graph.build.catalogue import Catalogue, Entry, dump_catalogue, parse_catalogue
from cradle.graph.build.ontology import Terms

_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _plain(e: Entry) -> dict[str, Any]:
    """An entry's fields as the catalogue file writes them (empty optional fields left out)."""
    data = e.model_dump(exclude_none=True)
    for key in ("adopted_in", "audience"):
        if not data.get(key):
            data.pop(key, None)
    if not data.get("topics_suggested"):
        data.pop("topics_suggested", None)
    if data.get("summary") == "":
        data.pop("summary")
    return data


def _render(value: Any, indent: int) -> list[str]:
    """YAML lines for ``value`` (a one-key mapping or a one-item list), indented."""
    text = yaml.dump(value, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)
    return [" " * indent + line + "\n" for line in text.splitlines()]


def _is_trailing(text: str, column: int) -> bool:
    """A blank line, or a comment left of ``column`` (it belongs to what follows)."""
    indent = len(text) - len(text.lstrip())
    return not text.strip() or (text.lstrip().startswith("#") and indent < column)


def _span_end(lines: list[str], start: int, stop: int, column: int) -> int:
    """The line after the last line of something that starts at ``start`` and runs at most to
    ``stop``, leaving out blank lines and comments at the end."""
    end = stop
    while end > start + 1 and _is_trailing(lines[end - 1], column + 1):
        end -= 1
    return end


class _Editor:
    """Line edits on one catalogue file, applied from the bottom up."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)
        if self.lines and not self.lines[-1].endswith("\n"):
            self.lines[-1] += "\n"
        self.data = YAML(typ="rt").load(text)
        self.edits: list[tuple[int, int, list[str]]] = []  # (from, to, new lines)

    def _map_end(self, seq: Any, n: int) -> int:
        nxt = seq.lc.item(n + 1)[0] if n + 1 < len(seq) else self._after(seq)
        return _span_end(self.lines, seq.lc.item(n)[0], nxt, seq.lc.item(n)[1] - 2)

    def _after(self, seq: Any) -> int:
        """The line after a top-level list: the next top-level key's, or the file's end."""
        keys = list(self.data)
        starts = [self.data.lc.key(k)[0] for k in keys]
        first = seq.lc.item(0)[0] if len(seq) else 0
        later = [s for s in starts if s > first]
        return min(later) if later else len(self.lines)

    def set_fields(self, m: CommentedMap, end: int, new: dict[str, Any], fields: list[str]) -> None:
        """Replace, add or remove ``fields`` of the mapping ``m`` (ending before ``end``)."""
        keys = list(m)
        column = m.lc.key(keys[0])[1]
        for f in fields:
            if f in m:
                at = keys.index(f)
                stop = m.lc.key(keys[at + 1])[0] if at + 1 < len(keys) else end
                start = m.lc.key(f)[0]
                span = _span_end(self.lines, start, stop, column)
                body = _render({f: new[f]}, column) if f in new else []
                self.edits.append((start, span, body))
            elif f in new:
                self.edits.append((end, end, _render({f: new[f]}, column)))

    def apply(self) -> str:
        """The text with every edit made (from the bottom up; several at one line in order)."""
        order = sorted(range(len(self.edits)), key=lambda n: (*self.edits[n][:2], n))
        for n in reversed(order):
            start, stop, body = self.edits[n]
            self.lines[start:stop] = body
        return "".join(self.lines)


def _entries(ed: _Editor, curated: Catalogue, merged: Catalogue) -> None:
    seq = ed.data["resources"]
    at = {str(m["id"]): n for n, m in enumerate(seq)}
    old = {e.id: e for e in curated.resources}
    column = seq.lc.item(0)[1] - 2
    keep = {e.id for e in merged.resources}
    for ident, n in at.items():
        if ident not in keep:
            ed.edits.append((seq.lc.item(n)[0], ed._map_end(seq, n), []))
    previous: str | None = None
    for e in merged.resources:
        if e.id in at:
            before, after = _plain(old[e.id]), _plain(e)
            fields = [f for f in Entry.model_fields if before.get(f) != after.get(f)]
            n = at[e.id]
            ed.set_fields(seq[n], ed._map_end(seq, n), after, fields)
        else:
            where = ed._map_end(seq, at[previous]) if previous else seq.lc.item(0)[0]
            ed.edits.append((where, where, _render([_plain(e)], column)))
            continue
        previous = e.id


def _organisations(ed: _Editor, curated: Catalogue, merged: Catalogue) -> None:
    have = {o.id for o in curated.organisations}
    new = [o.model_dump() for o in merged.organisations if o.id not in have]
    seq = ed.data.get("organisations")
    if not new:
        return
    if not seq:
        raise CatalogueError(["no organisations list to add to"])
    end = ed._map_end(seq, len(seq) - 1)
    ed.edits.append((end, end, _render(new, seq.lc.item(0)[1] - 2)))


def merged_text(source: str, curated: Catalogue, merged: Catalogue, vocab: Terms) -> str | None:
    """The curated file's text ``source`` with the merge's changes made in place, or None
    when that cannot be done faithfully (the caller then writes the plain dump)."""
    try:
        ed = _Editor(source)
        _entries(ed, curated, merged)
        _organisations(ed, curated, merged)
        head = ed.data["catalogue"]
        new_head = merged.catalogue.model_dump(exclude_none=True)
        old_head = curated.catalogue.model_dump(exclude_none=True)
        fields = [f for f in new_head if old_head.get(f) != new_head[f]]
        keys = list(ed.data)
        nxt = ed.data.lc.key(keys[keys.index("catalogue") + 1])[0]
        ed.set_fields(head, _span_end(ed.lines, head.lc.line, nxt, 0), new_head, fields)
        text = ed.apply()
        back = parse_catalogue(text, "<merged>", vocab)
    except (CatalogueError, YAMLError, KeyError, IndexError, ValueError, AttributeError, TypeError):
        return None
    same = back.model_dump() == merged.model_dump()
    return text if same else None


def merged_file(
    source: str, curated: Catalogue, merged: Catalogue, vocab: Terms
) -> tuple[str, bool]:
    """The merged catalogue's file: the curated file edited in place when that can be done
    faithfully (:func:`merged_text`), else the plain dump; a first comment line a previous
    merge wrote is left out (the caller writes its own).

    Returns:
        The text, and whether the curated file's comments and layout were kept.
    """
    text = merged_text(source, curated, merged, vocab)
    body = text if text is not None else dump_catalogue(merged)
    if body.startswith("# Merged by `cradle import"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
    return body, text is not None
