"""A hostile or careless catalogue fails fast with one line per problem: YAML aliases (an
"alias bomb" expands a few lines into billions of values) are refused with FILE:LINE, values are
cut short before any message formats them, a number too long to read is a problem rather than a
traceback, and characters that XML cannot carry (U+FFFE, U+FFFF, lone surrogates, the other
noncharacters) are refused like control characters (issue 21)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from cradle.core.errors import CatalogueError
from cradle.graph.build import cleantext
from cradle.graph.build.catalogue import (
    Catalogue,
    Entry,
    Header,
    dump_catalogue,
    load_catalogue,
    parse_catalogue,
)

HEAD = 'catalogue: {id: t, title: Test, modified: "2026-01-01"}\nresources:\n'
ENTRY = (
    "  - id: a\n    title: A leaflet\n    summary: Where baby should sleep.\n    locality: bolton\n"
)


def problems(text: str) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "cat.yaml")
    return caught.value.problems


def bomb(levels: int, width: int = 9) -> str:
    """An entry whose topics hold ``width ** levels`` strings through nested aliases."""
    rows = ["    topics:", '      - &l0 ["' + '", "'.join(["lol"] * width) + '"]']
    rows += [f"      - &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels)]
    return HEAD + ENTRY + "\n".join(rows) + "\n"


def test_an_alias_bomb_fails_fast_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.yaml"
    path.write_text(bomb(12), encoding="utf-8")  # 9**12 strings if expanded
    started = time.perf_counter()
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert time.perf_counter() - started < 2
    (line,) = caught.value.problems
    assert line.startswith(f"{path}:9: entry a: topics: a YAML alias")
    assert "not allowed" in line and len(line) < 300


@pytest.mark.parametrize(
    "rows",
    [
        "    title: &t A leaflet\n    status_note: *t\n",  # a scalar used twice
        "    topics: &t [safer-sleep]\n    audience: *t\n",  # a list used twice
        "    topics: &t [*t]\n",  # a list inside itself
        "    extra: &base {a: 1}\n    more:\n      <<: *base\n",  # a merge key
    ],
)
def test_every_alias_is_refused_at_its_line(rows: str) -> None:
    text = HEAD + ENTRY + rows
    (line,) = problems(text)
    alias_line = next(i for i, row in enumerate(text.splitlines(), 1) if "*" in row)
    assert line.startswith(f"cat.yaml:{alias_line}: entry a: ")
    assert "a YAML alias (*name)" in line


@pytest.mark.parametrize("tag", ["set", "omap", "pairs", "binary"])
def test_tags_a_catalogue_has_no_use_for_are_refused(tag: str) -> None:
    value = {"set": "{a, b}", "binary": "aGVsbG8="}.get(tag, "[{a: 1}]")
    (line,) = problems(HEAD + ENTRY + f"    topics: !!{tag} {value}\n")
    assert line.startswith(f"cat.yaml:7: entry a: topics: malformed YAML at column 13: !!{tag} ")


def test_an_anchor_alone_is_fine() -> None:
    cat = parse_catalogue(HEAD + ENTRY + "    topics: &t [safer-sleep]\n", "cat.yaml")
    assert cat.resources[0].topics == ["safer-sleep"]


def test_the_writer_never_writes_an_alias() -> None:
    """Entries sharing one date object are written out in full, so they load again."""
    day = dt.date(2026, 1, 1)
    entries = [
        Entry(
            id=f"e{i}",
            title="A leaflet",
            summary="Where baby should sleep.",
            locality="bolton",
            topics=["safer-sleep"],
            reviewed=day,
        )
        for i in range(2)
    ]
    cat = Catalogue(catalogue=Header(id="t", title="T", modified="2026-01-01"), resources=entries)
    text = dump_catalogue(cat)
    assert "&id" not in text and "*id" not in text
    assert [e.reviewed for e in parse_catalogue(text).resources] == [day, day]


@pytest.mark.parametrize(
    "rows",
    [
        "    topics: [safer-sleep]\n    date: " + "x" * 100_000 + "\n",
        "    topics: [" + "x" * 100_000 + "]\n",
        "    topics: [safer-sleep]\n    " + "k" * 100_000 + ": 1\n",
        "    topics: [safer-sleep]\n    url: " + "h" * 100_000 + "\n",
        "    topics: [safer-sleep]\n    review_every: [" + ", ".join(["x" * 1000] * 200) + "]\n",
        "    topics: [safer-sleep]\n    publisher: " + "p" * 100_000 + "\n",
    ],
)
def test_messages_cut_long_values(rows: str) -> None:
    found = problems(HEAD + ENTRY + rows)
    assert found
    assert all(len(line) < 400 for line in found), [line[:400] for line in found]


def test_a_number_too_long_to_read_is_one_line() -> None:
    (line,) = problems(HEAD + ENTRY + "    review_every: " + "9" * 5000 + "\n")
    assert line.startswith("cat.yaml:7: entry a: review_every: a number with more than")


@pytest.mark.parametrize("code", [0xFFFE, 0xFFFF, 0xFDD0, 0xFDEF, 0x1FFFE, 0x10FFFF])
def test_characters_xml_cannot_carry_are_refused(code: int) -> None:
    text = HEAD + ENTRY.replace("A leaflet", f'"A \\U{code:08X}leaflet"') + "    topics: [x]\n"
    found = [line for line in problems(text) if "title" in line]
    assert found == [
        f"cat.yaml:4: entry a: title: contains U+{code:04X}, which is not a text character, "
        "at character 3: remove it"
    ]


def test_lone_surrogates_are_refused_and_stripped() -> None:
    """libyaml refuses a surrogate escape itself; text from elsewhere is checked the same."""
    assert "U+D800" in (cleantext.text_problem("a\ud800b", "title") or "")
    assert "U+DFFF" in (cleantext.text_problem("a\udfffb", "summary") or "")
    assert cleantext.strip_controls("a\ud800b\ufffec\U0001ffff") == "abc"
    assert cleantext.text_problem("Safer sleep \u00e9\U0001f476", "title") is None
