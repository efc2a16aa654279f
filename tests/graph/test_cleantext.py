"""Clean text: control characters refused by validation and stripped by the importer, a UTF-8
BOM dropped, size limits before reading, other encodings named; ``resources: []`` and ids too
long to route are clear errors; ``cradle import`` fails plainly on empty or foreign input; HEAD
works wherever GET does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cradle.cli import app
from cradle.core.errors import CatalogueError
from cradle.graph.build import cleantext
from cradle.graph.build.catalogue import load_catalogue
from cradle.graph.sources.document import import_file
from tests.graph.test_importer import TINY
from tests.support import CATALOGUE


def _catalogue(tmp_path: Path, change: Any) -> Path:
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    return caught.value.problems


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x9b"])
def test_control_characters_are_refused_with_entry_and_field(tmp_path: Path, char: str) -> None:
    def poison(data: dict[str, Any]) -> None:
        data["resources"][0]["title"] = f"Safer{char}sleep"

    path = _catalogue(tmp_path, poison)
    first = yaml.safe_load(CATALOGUE.read_text())["resources"][0]["id"]
    (line,) = _problems(path)
    assert f"entry {first}: title: contains the control character U+{ord(char):04X}" in line


def test_tab_and_newline_are_fine_in_long_text_only(tmp_path: Path) -> None:
    def lines(data: dict[str, Any]) -> None:
        data["resources"][0]["summary"] = "One line.\n\tAnother."

    load_catalogue(_catalogue(tmp_path, lines))

    def title(data: dict[str, Any]) -> None:
        data["resources"][0]["title"] = "Two\nlines"

    assert "U+000A" in _problems(_catalogue(tmp_path, title))[0]


def test_field_size_limit_is_one_clear_line(tmp_path: Path) -> None:
    def huge(data: dict[str, Any]) -> None:
        data["resources"][0]["summary"] = "x" * (cleantext.MAX_LONG_CHARS + 1)

    (line,) = _problems(_catalogue(tmp_path, huge))
    assert f"summary: {cleantext.MAX_LONG_CHARS + 1} characters; at most" in line


def test_file_size_limit_is_checked_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cleantext, "MAX_CATALOGUE_BYTES", 100)
    path = tmp_path / "big.yaml"
    path.write_text("x" * 101)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read a file over the limit"))
    (line,) = _problems(path)
    assert "101 bytes; a catalogue may be at most 100 bytes" in line


def test_empty_resources_is_a_clear_error(tmp_path: Path) -> None:
    def empty(data: dict[str, Any]) -> None:
        data["resources"] = []

    problems = _problems(_catalogue(tmp_path, empty))
    assert any("resources: no entries" in p for p in problems)


def test_ids_longer_than_pages_route_are_refused(tmp_path: Path) -> None:
    from cradle.service.pages import ID

    assert ID.fullmatch("a" * cleantext.MAX_ID_CHARS) and not ID.fullmatch(
        "a" * (1 + cleantext.MAX_ID_CHARS)
    )

    def long_id(data: dict[str, Any]) -> None:
        data["resources"][0]["id"] = "a" * 300

    problems = _problems(_catalogue(tmp_path, long_id))
    assert any("id: 300 characters; at most 200" in p for p in problems)


def test_importer_strips_controls_and_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(
        b"\xef\xbb\xbf" + TINY.replace("Sleep leaflet", "Sleep\x00 leaf\x1blet").encode()
    )
    result = import_file(path)
    (entry,) = result.catalogue.resources
    assert entry.title == "Sleep leaflet"
    assert result.catalogue.catalogue.title == "Title line"  # no BOM kept


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (TINY.encode("utf-16"), "UTF-16"),
        (TINY.replace("Bolton Council", "Bolton Café").encode("latin-1"), "CP1252"),
        (TINY.replace("Bolton Council", "Bolton – Council").encode("cp1252"), "CP1252"),
        (TINY.replace("Bolton Council", "Bolton \x81 Council").encode("latin-1"), "LATIN1"),
    ],
    ids=["utf-16", "latin-1", "windows", "latin-1-only"],
)
def test_import_of_another_encoding_names_utf8_and_iconv(
    tmp_path: Path, data: bytes, named: str
) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 1
    assert "UTF-8 is expected" in result.output
    assert f"iconv -f {named} -t UTF-8 {path} > {tmp_path / 'doc-utf8.txt'}" in result.output
    assert "Traceback" not in result.output
    if named != "UTF-16":  # the line of the first byte that is not UTF-8
        line = TINY[: TINY.index("Bolton Council")].count("\n") + 1
        assert f"on line {line};" in result.output


@pytest.mark.parametrize("content", ["", "\n\n", "just some words, no table\n", "\x01\x02\x03"])
def test_import_of_an_empty_or_foreign_document_fails(tmp_path: Path, content: str) -> None:
    path = tmp_path / "doc.txt"
    path.write_text(content)
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 1
    assert "no table rows found" in result.output


def test_head_works_wherever_get_does(client: Any) -> None:
    paths = ["/", "/health", "/coverage", "/query", "/sparql", "/openapi.json", "/docs"]
    resource = re.search(r'href="(/resource/[^"]+)"', client.get("/").text)
    if resource:
        paths.append(resource.group(1))
    for path in paths:
        got = client.get(path)
        head = client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b""
        assert head.headers.get("content-type") == got.headers.get("content-type")


def test_one_windows_line_in_a_utf8_file_is_named_not_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    text = TINY.replace("Bolton Council", "Bolton \u201cCouncil\u201d")
    path.write_bytes(text.encode("utf-8") + "Wigan \u2013 leaflet\n".encode("cp1252"))
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 1 and "iconv" not in result.output
    line = text.count("\n") + 1
    assert f"{path}:{line}: (file): this line is not UTF-8 (byte 0x96)" in result.output
