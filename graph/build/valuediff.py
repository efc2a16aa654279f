"""A changed field shown as old -> new, for ``cradle diff``, ``cradle import --merge``, the
``/changes`` page and its Atom feed.

Short values are shown whole (``available -> awaiting-information``); long text is shown as a
word diff (difflib over words): the words removed and added, with a few unchanged words around
each change and the rest cut, so that a reworded summary reads in a line or two.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Literal

#: Values longer than this (characters) are shown as a word diff rather than whole.
LONG = 60
#: Unchanged words kept either side of a change in a word diff.
CONTEXT_WORDS = 4
#: At most this many characters of a value or a word diff are shown; the rest is cut ("…").
SHOWN = 200

SegmentKind = Literal["same", "del", "ins", "cut"]


@dataclass(frozen=True)
class Segment:
    """A piece of a word diff: unchanged, removed or added words, or a cut (``…``)."""

    kind: SegmentKind
    text: str


def show(value: Any) -> str:
    """A field's value in plain words: a list as ``a, b``, nothing as ``(none)``, true and
    false as the catalogue writes them, cut to :data:`SHOWN` characters."""
    if value is None or value == [] or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"  # as the catalogue writes it
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= SHOWN else text[: SHOWN - 1].rstrip() + "…"


def is_long(old: Any, new: Any) -> bool:
    """Whether a change is best shown as a word diff (both texts, one of them long)."""
    return isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > LONG


def word_diff(old: str, new: str) -> list[Segment]:
    """The words removed and added between two texts, with :data:`CONTEXT_WORDS` unchanged words
    either side of each change, the rest cut, and the whole cut to about :data:`SHOWN`
    characters."""
    a, b = old.split(), new.split()
    out: list[Segment] = []
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        if op == "equal":
            words = a[i1:i2]
            head = words[:CONTEXT_WORDS] if n > 0 else []
            tail = words[-CONTEXT_WORDS:] if n < len(ops) - 1 else []
            if len(head) + len(tail) >= len(words):
                out.append(Segment("same", " ".join(words)))
            else:
                out += [Segment("same", " ".join(head))] if head else []
                out.append(Segment("cut", "…"))
                out += [Segment("same", " ".join(tail))] if tail else []
            continue
        if i2 > i1:
            out.append(Segment("del", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(Segment("ins", " ".join(b[j1:j2])))
    return _cut(out)


def _cut(segments: list[Segment]) -> list[Segment]:
    """The segments up to about :data:`SHOWN` characters, then a cut."""
    out: list[Segment] = []
    used = 0
    for s in segments:
        if used + len(s.text) > SHOWN:
            room = SHOWN - used
            if room > 20 and s.kind != "cut":
                out.append(Segment(s.kind, s.text[:room].rsplit(" ", 1)[0]))
            out.append(Segment("cut", "…"))
            return out
        out.append(s)
        used += len(s.text) + 1
    return out


def change_text(old: Any, new: Any) -> str:
    """One changed field in plain text: ``old -> new``, or for long text a word diff with the
    removed words in ``[-…-]`` and the added ones in ``{+…+}``."""
    if not is_long(old, new):
        return f"{show(old)} -> {show(new)}"
    marks = {"same": "{}", "cut": "{}", "del": "[-{}-]", "ins": "{{+{}+}}"}
    return " ".join(marks[s.kind].format(s.text) for s in word_diff(old, new))


def field_changes(fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The changed fields of one entry (``{field: {"old", "new"}}``, as ``changes.json`` and
    :func:`cradle.graph.sources.merge.diff_catalogues` give them) ready for a page: each ``{"field",
    "known"}`` plus, when the values are known, ``"old"`` and ``"new"`` (plain words) or
    ``"words"`` (a word diff: segments with ``kind`` same, del, ins or cut, and ``text``)."""
    out = []
    for name, values in fields.items():
        if not isinstance(values, dict) or "new" not in values:
            out.append({"field": name, "known": False})  # recorded before values were kept
            continue
        old, new = values.get("old"), values.get("new")
        shown: dict[str, Any] = {"field": name, "known": True}
        if is_long(old, new):
            words = word_diff(str(old), str(new))
            shown["words"] = [{"kind": s.kind, "text": s.text} for s in words]
        else:
            shown |= {"old": show(old), "new": show(new)}
        out.append(shown)
    return out


def fields_text(fields: dict[str, Any]) -> list[str]:
    """The changed fields of one entry in plain text, one ``field: old -> new`` each."""
    return [
        f"{name}: {change_text(v.get('old'), v.get('new'))}"
        if isinstance(v, dict) and "new" in v
        else name
        for name, v in fields.items()
    ]
