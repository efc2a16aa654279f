"""Validation's second round: every date against today, each list item's problem at the item's
own line, a synonym read as a preferred label reported as a note (``--strict`` makes it a
problem)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from cradle.cli import app
from cradle.graph.build.catalogue import load_catalogue
from cradle.graph.build.catalogue.messages import suggest_topic
from cradle.graph.build.ontology import terms
from cradle.graph.commands import run_validate, run_validate_with_notes
from tests.support import ROOT
from tests.support import catalogue_problems as problems

NEXT_YEAR = dt.date.today().year + 1


def write(tmp_path: Path, body: str, modified: str = "2026-01-01") -> Path:
    path = tmp_path / "catalogue.yaml"
    head = f"catalogue:\n  id: t\n  title: Test\n  modified: '{modified}'\nresources:\n"
    path.write_text(head + body, encoding="utf-8")
    return path


ENTRY = """- id: one
  title: One
  summary: Where baby sleeps.
  locality: wigan
"""


def test_a_future_publication_date_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, ENTRY + f"  topics: [safer-sleep]\n  date: {NEXT_YEAR}-03\n")
    (found,) = problems(path)
    assert found.startswith(f"{path}:11: entry one: date: {NEXT_YEAR}-03 is in the future")
    assert f"expected: {NEXT_YEAR}-03" in found  # what to write instead
    this_month = dt.date.today().isoformat()[:7]
    load_catalogue(write(tmp_path, ENTRY + f"  topics: [safer-sleep]\n  date: {this_month}\n"))


def test_expected_and_period_may_be_in_the_future(tmp_path: Path) -> None:
    body = ENTRY + (
        f"  topics: [safer-sleep]\n  status: in-development\n  expected: {NEXT_YEAR}-06\n"
        f"  period: {NEXT_YEAR}/{NEXT_YEAR + 2}\n"
    )
    load_catalogue(write(tmp_path, body))


def test_a_future_modified_date_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, ENTRY + "  topics: [safer-sleep]\n", modified=f"{NEXT_YEAR}-01-01")
    (found,) = problems(path)
    assert found.startswith(f"{path}:4: catalogue: modified: {NEXT_YEAR}-01-01 is in the future")


def test_each_list_item_problem_points_at_the_item(tmp_path: Path) -> None:
    body = ENTRY + "  topics:\n  - safer-sleep\n  - safe-sleeep\n  - crying\n  - 42x\n"
    body += "  audience:\n  - parents\n  - [a, b]\n"
    path = write(tmp_path, body)
    found = problems(path)
    lines = {line.split(":")[1] for line in found}
    assert any(f.startswith(f"{path}:12: entry one: topics: unknown value 'safe-sleeep'")
               for f in found)  # fmt: skip
    assert any(f.startswith(f"{path}:14: entry one: topics: unknown value '42x'") for f in found)
    assert any(f.startswith(f"{path}:17: entry one: audience: expected text") for f in found)
    assert "10" not in lines  # never the `topics:` line


def test_a_synonym_is_a_note_and_strict_makes_it_a_problem(tmp_path: Path) -> None:
    path = write(tmp_path, ENTRY + "  topics:\n  - Safer sleep\n  - alcohol\n")
    cat = load_catalogue(path)
    assert cat.resources[0].topics == ["safer-sleep", "parental-substance-misuse"]
    (note,) = cat.notes()  # the preferred label "Safer sleep" is no note
    assert note.startswith(
        f"{path}:12: note: entry one: topics: alcohol: read as Parental substance misuse"
    )
    assert run_validate_with_notes(path, Path("ontology")) == ([], [note])
    strict = run_validate(path, Path("ontology"), strict=True)
    assert len(strict) == 1 and "alcohol: read as Parental substance misuse" in strict[0]
    assert "note:" not in strict[0]

    ok = CliRunner().invoke(app, ["validate", "--catalogue", str(path)])
    assert ok.exit_code == 0 and note in ok.output and "1 note(s)" in ok.output
    refused = CliRunner().invoke(app, ["validate", "--catalogue", str(path), "--strict"])
    assert refused.exit_code == 1 and "1 problem(s)" in refused.output


def test_did_you_mean_only_for_a_close_typo_else_the_nearest_three(tmp_path: Path) -> None:
    body = ENTRY + "  topics:\n  - safe-sleeep\n  - Alcohol and sleep\n"
    typo, other = problems(write(tmp_path, body))
    assert typo.endswith("topics: unknown value 'safe-sleeep'; did you mean safer-sleep?")
    assert "did you mean" not in other
    assert other.endswith(
        "unknown value 'Alcohol and sleep'; no close match; the nearest topics are Parental "
        "substance misuse, Safer sleep and Early language and communication (see `cradle topics`)"
    )


def test_the_threshold_holds_on_the_benchmark_typos() -> None:
    """The typed values the threshold was chosen on (bench/suggest_threshold.py): each typo
    gets its topic first, and no value that is no topic gets a did-you-mean."""
    vocab = terms()
    spellings = dict(vocab.aliases["topic"]) | {t: t for t in vocab.topics}
    typos = json.loads((ROOT / "bench" / "topic_typos.json").read_text(encoding="utf-8"))
    for item in typos["typos"]:
        got = suggest_topic(item["typed"], spellings)
        assert got[:1] == ([item["meant"]] if item["meant"] else []), item


def test_cradle_topics_lists_every_topic_and_what_else_is_read_as_it() -> None:
    result = CliRunner().invoke(app, ["topics"])
    assert result.exit_code == 0, result.output
    assert all(len(line) <= 80 for line in result.output.splitlines())
    listed = json.loads(CliRunner().invoke(app, ["topics", "--format", "json"]).output)
    assert {t["id"] for t in listed} == set(terms().topics)
    alcohol = next(t for t in listed if t["id"] == "parental-substance-misuse")
    assert alcohol["label"] == "Parental substance misuse" and "alcohol" in alcohol["also"]
    assert "parental-substance-misuse  Parental substance misuse" in result.output
