"""The curated catalogue loads, and every kind of bad input is named by file, entry and field."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from cradle.commands import run_build as build
from cradle.core.datadir import DataDir
from cradle.core.errors import CatalogueError
from cradle.core.settings import Settings
from cradle.graph.build.catalogue import load_catalogue
from tests.support import CATALOGUE
from tests.support import catalogue_problems as problems_for

GOOD_ENTRY = {
    "id": "tiny-safer-sleep",
    "title": "Tiny safer sleep leaflet",
    "summary": "Where baby should sleep.",
    "format": "pdf",
    "locality": "bolton",
    "topics": ["safer-sleep"],
}


def write(tmp_path: Path, entries: list[dict], **extra: object) -> Path:
    doc = {
        "catalogue": {"id": "t", "title": "Test", "modified": "2026-01-01"},
        "resources": entries,
        **extra,
    }
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_curated_catalogue_has_all_39_entries_each_with_topics() -> None:
    cat = load_catalogue(CATALOGUE)
    assert len(cat.resources) == 39
    assert len({e.id for e in cat.resources}) == 39
    assert all(e.topics and not e.topics_suggested for e in cat.resources)


def test_minimal_entry_loads(tmp_path: Path) -> None:
    cat = load_catalogue(write(tmp_path, [GOOD_ENTRY]))
    assert cat.resources[0].status == "available"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"title": ""}, "title", "must not be empty"),
        ({"topics": ["cot-deaths"]}, "topics", "unknown value 'cot-deaths'"),
        ({"locality": "atlantis"}, "locality", "unknown value 'atlantis'"),
        ({"format": "fax"}, "format", "no close match: use one of none, pdf, powerpoint, web-page"),
        ({"status": "lost"}, "status", "unknown value 'lost'"),
        ({"date": "Sept 2021"}, "date", "not YYYY or YYYY-MM"),
        ({"topics": []}, "topics", "at least one topic"),
        ({"status": "in-development", "expected": "2025-13"}, "expected", "month 01 to 12"),
        ({"title": None}, "title", "empty: write the text after the colon"),
        ({"date": dt.date(2026, 10, 15)}, "date", "is a whole date"),
        ({"summary": "Ring Jane on 07700 900123."}, "summary", "a mobile phone number"),
        ({"title": "Leaflet from jane.smith@bolton.gov.uk"}, "title", "an e-mail address"),
        ({"url": "https://youtube"}, "url", "is not a whole site name"),
        ({"phone": "0161 234 5678"}, "phone", "contact details belong to the publisher"),
        ({"date": 2099}, "date", "2099 is in the future"),  # a year YAML reads as a number
        ({"date": 20200101}, "date", "is not YYYY or YYYY-MM"),
        ({"date": "１９９９"}, "date", "is not YYYY or YYYY-MM"),  # full-width digits
    ],
)
def test_bad_field_is_named(tmp_path: Path, change: dict, field: str, words: str) -> None:
    path = write(tmp_path, [{**GOOD_ENTRY, **change}])
    problems = problems_for(path)
    assert any(
        re.match(rf"{re.escape(str(path))}:\d+: entry tiny-safer-sleep: {field}", p) and words in p
        for p in problems
    ), problems


def test_missing_title_is_named(tmp_path: Path) -> None:
    entry = {k: v for k, v in GOOD_ENTRY.items() if k != "title"}
    problems = problems_for(write(tmp_path, [entry]))
    assert any("entry tiny-safer-sleep: title: missing" in p for p in problems), problems


def test_missing_topics_are_named(tmp_path: Path) -> None:
    entry = {k: v for k, v in GOOD_ENTRY.items() if k != "topics"}
    (problem,) = problems_for(write(tmp_path, [entry]))
    words = "entry tiny-safer-sleep: topics: at least one topic is needed: `cradle topics` lists"
    assert words in problem


def test_a_date_that_does_not_exist_is_named_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, [{**GOOD_ENTRY, "reviewed": dt.date(2026, 11, 30)}])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["resources"] = [{**GOOD_ENTRY, "reviewed": dt.date(2026, 11, 30)}]
    text = yaml.safe_dump(data, sort_keys=False)  # the id first, as in a real catalogue
    path.write_text(text.replace("2026-11-30", "2026-11-31"), encoding="utf-8")
    line = text[: text.index("2026-11-30")].count("\n") + 1
    (problem,) = problems_for(path)
    assert problem.startswith(f"{path}:{line}: entry tiny-safer-sleep: reviewed: '2026-11-31' ")
    assert "is not a real date" in problem
    # and it is one problem among the others, not the only one reported
    path.write_text(
        text.replace("2026-11-30", "2026-13-01").replace("- safer-sleep\n", "- safer-slep\n", 1)
    )
    found = problems_for(path)
    assert len(found) == 2 and any("month from 01 to 12" in p for p in found)


def test_an_organisation_with_a_problem_is_not_also_unknown(tmp_path: Path) -> None:
    org = {"id": "bolton-council", "name": "Bolton Council", "email": "0161 770 3000"}
    entry = {**GOOD_ENTRY, "publisher": "bolton-council"}
    problems = problems_for(write(tmp_path, [entry], organisations=[org]))
    assert len(problems) == 1 and "organisation bolton-council: email: must be" in problems[0]


def test_duplicate_id_is_named(tmp_path: Path) -> None:
    # two copies: the same dict twice would be written as a YAML alias, which is refused
    problems = problems_for(write(tmp_path, [GOOD_ENTRY, copy.deepcopy(GOOD_ENTRY)]))
    said = "entry tiny-safer-sleep: id: also the id of the entry on line"
    ids = [p for p in problems if said in p]
    assert len(ids) == 2 and all("give the newer entry another id" in p for p in ids)


def test_malformed_yaml_names_line(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.yaml"
    path.write_text("catalogue:\n  id: t\n resources: [\n", encoding="utf-8")
    (problem,) = problems_for(path)
    assert problem.startswith(f"{path}:3: ") and "malformed YAML" in problem


def test_an_unclosed_quote_is_named_where_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.yaml"
    lines = ["catalogue:", "  id: t", "resources:", "- id: one", '  title: "Safer sleep', "  x: y"]
    path.write_text("\n".join(lines) + "\n" + "\n" * 200, encoding="utf-8")
    (problem,) = problems_for(path)
    assert problem.startswith(f"{path}:5: entry one: title: a quote opened at column 10")


def test_unknown_publisher_is_named(tmp_path: Path) -> None:
    problems = problems_for(write(tmp_path, [{**GOOD_ENTRY, "publisher": "nobody"}]))
    words = "entry tiny-safer-sleep: publisher: unknown organisation 'nobody'"
    assert any(words in p for p in problems)


def test_extra_locality_needs_known_parent(tmp_path: Path) -> None:
    place = {"id": "leeds", "name": "Leeds", "gss": "E08000035", "within": "yorkshire"}
    problems = problems_for(write(tmp_path, [GOOD_ENTRY], localities=[place]))
    assert any("locality leeds: within: unknown locality 'yorkshire'" in p for p in problems)


def test_bad_catalogue_writes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "out"
    good = write(tmp_path, [GOOD_ENTRY])
    build(Settings(), catalogue=good, data_dir=data_dir, with_index=False)

    def files() -> dict[str, bytes]:
        return {str(p.relative_to(data_dir)): p.read_bytes() for p in data_dir.rglob("*")
                if p.is_file() and not p.is_symlink()}  # fmt: skip

    before, published = files(), DataDir(data_dir).current_id()
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("safer-sleep", "no-such-topic"), encoding="utf-8")
    with pytest.raises(CatalogueError):
        build(Settings(), catalogue=bad, data_dir=data_dir, with_index=False)
    assert files() == before and DataDir(data_dir).current_id() == published


def test_a_failed_build_says_what_is_still_served(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cradle.cli import app

    bad = write(tmp_path, [{**GOOD_ENTRY, "title": ""}])
    out = tmp_path / "var"
    args = ["build", "--graph-only", "--catalogue", str(bad), "--data-dir", str(out)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 1 and "title: must not be empty" in first.output
    assert "nothing was built; fix what is listed" in first.output
    good = write(tmp_path, [GOOD_ENTRY])
    ok = ["build", "--graph-only", "--catalogue", str(good), "--data-dir", str(out)]
    assert CliRunner().invoke(app, ok).exit_code == 0
    bad = write(tmp_path, [{**GOOD_ENTRY, "title": ""}])
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 1 and "servers still serve, the build before" in again.output
