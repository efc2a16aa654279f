"""``cradle review`` in the order of what to do first: reasons ranked, the worst first within a
reason, never-reviewed entries counted, ``--reason``, and a table that fits 80 columns without
breaking an id."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from cradle.cli import app
from cradle.graph.curation.ranking import RANKING, REASONS, grouped, only
from cradle.graph.curation.review import ReviewItem, describe, needs_attention
from cradle.graph.curation.reviewlist import review_table, what
from tests.support import CATALOGUE

TODAY = dt.date(2026, 11, 29)
REVIEWED = dt.date(2026, 6, 1)


def _review(*args: str) -> str:
    result = CliRunner().invoke(
        app, ["review", "--catalogue", str(CATALOGUE), "--today", TODAY.isoformat(), *args]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_ranking_table_is_the_issue_order_with_a_slot_for_no_way_to_obtain() -> None:
    assert REASONS == (
        "expired",
        "broken-link",
        "no-way-to-obtain",
        "same-as-another",  # added after the issue: an entry copied and not yet changed
        "overdue",
        "awaiting-information",
        "link-unchecked",
        "topics-suggested",  # added after the issue: an import's suggestions, to check
        "review-due",
        "never-reviewed",
    )
    assert all(r.heading and r.action and "\n" not in r.action for r in RANKING)


def test_topics_an_import_suggested_are_on_the_review_list(tmp_path: Path) -> None:
    from cradle.commands import run_build
    from cradle.graph.build.catalogue import load_catalogue
    from cradle.graph.curation.review import review
    from cradle.graph.read.readmodel import open_model
    from tests.support import fake_settings

    text = CATALOGUE.read_text(encoding="utf-8")
    first = text.index("\nresources:\n- id: ") + 12  # the first entry: topics an import suggested
    edited = text[:first] + text[first:].replace("\n", "\n  topics_suggested: true\n", 1)
    path = tmp_path / "catalogue.yaml"
    path.write_text(edited, encoding="utf-8")
    catalogue = load_catalogue(path)
    ident = catalogue.resources[0].id
    today = dt.date(2026, 12, 7)
    for source in (catalogue, None):
        if source is None:  # the same from a built version's read model
            settings = fake_settings(tmp_path / "data", catalogue=path)
            run_build(settings, with_index=False)
            source = open_model(settings.data_dir)[1]
        found = {item["id"]: item for item in review(source, None, today)}
        assert "topics-suggested" in found[ident]["reasons"]
        assert sum("topics-suggested" in i["reasons"] for i in found.values()) == 1


def test_an_entry_copied_to_start_another_is_on_the_review_list(tmp_path: Path) -> None:
    """Staff copy an entry to start a new one, change its id, and leave the rest: both entries
    are listed, each naming the other, from the catalogue and from a built version."""
    from cradle.commands import run_build
    from cradle.graph.build.catalogue import load_catalogue
    from cradle.graph.curation.review import review
    from cradle.graph.read.readmodel import open_model
    from tests.support import fake_settings

    first = load_catalogue(CATALOGUE).resources[0]  # (the document gives no web addresses)
    text = CATALOGUE.read_text(encoding="utf-8")
    start = text.index(f"\n- id: {first.id}\n") + 1
    end = text.index("\n- id: ", start) + 1
    copy = text[start:end].replace(f"- id: {first.id}\n", "- id: copied-entry\n", 1)
    path = tmp_path / "catalogue.yaml"
    path.write_text(text[:end] + copy + text[end:], encoding="utf-8")
    for source in (load_catalogue(path), None):
        if source is None:  # the same from a built version's read model
            settings = fake_settings(tmp_path / "data", catalogue=path)
            run_build(settings, with_index=False)
            source = open_model(settings.data_dir)[1]
        listed = review(source, None, TODAY)
        found = {i["id"]: i for i in listed if "same-as-another" in i["reasons"]}
        assert set(found) == {"copied-entry", first.id}
        detail = found["copied-entry"]["details"]["same-as-another"]
        assert detail == {"url": [], "title": [first.id]}
        assert describe("same-as-another", detail) == f"same title as {first.id}"


def test_a_title_differing_in_case_and_spacing_is_the_same_title() -> None:
    items = [
        ReviewItem("a", "Safer  Sleep leaflet", "available", url="https://example.org/a"),
        ReviewItem("b", "safer sleep Leaflet ", "available", url="https://example.org/b"),
        ReviewItem("c", "Another", "available", url="http://Example.org/b/"),
    ]
    found = {i["id"]: i["details"].get("same-as-another") for i in needs_attention(items, TODAY)}
    assert found == {
        "a": {"url": [], "title": ["b"]},
        "b": {"url": ["c"], "title": ["a"]},
        "c": {"url": ["b"], "title": []},
    }
    said = describe("same-as-another", found["b"])
    assert said == "same web address as c; same title as a"


def test_most_urgent_first_then_the_worst_within_a_reason() -> None:
    items = [
        ReviewItem("never", "Never", "available"),
        ReviewItem("due", "Due", "available", reviewed=dt.date(2025, 1, 1)),
        ReviewItem("wait-short", "W1", "awaiting-information", reviewed=REVIEWED,
                   status_since=dt.date(2026, 9, 1)),
        ReviewItem("wait-long", "W2", "awaiting-information", reviewed=REVIEWED,
                   status_since=dt.date(2024, 9, 1)),
        ReviewItem("late-a-bit", "L1", "in-development", expected="2026-06", reviewed=REVIEWED),
        ReviewItem("late-a-lot", "L2", "in-development", expected="2021-12", reviewed=REVIEWED),
        ReviewItem("link", "Link", "available", reviewed=REVIEWED, url="https://example.org/"),
        ReviewItem("ended", "Ended", "available", period_end="2023"),
    ]  # fmt: skip
    links = {"link": {"url": "https://example.org/", "ok": False, "result": "broken"}}
    order = [f["id"] for f in needs_attention(items, TODAY, links)]
    assert order == [
        "ended", "link", "late-a-lot", "late-a-bit", "wait-long", "wait-short", "due", "never"
    ]  # fmt: skip


def test_cli_lists_expired_and_overdue_before_any_never_reviewed_and_fits_80_columns() -> None:
    text = _review()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    expired = text.index("oldham-neglect-strategy")
    overdue = text.index("rochdale-coping-with-infant-crying-guidance")
    assert expired < overdue < text.index("Never reviewed")
    found = json.loads(_review("--format", "json"))
    ids = {f["id"] for f in found}
    # every id shown whole, on one line; the never-reviewed-only entries counted, not listed
    never_only = [f["id"] for f in found if f["reasons"] == ["never-reviewed"]]
    listed = [f["id"] for f in found if f["reasons"] != ["never-reviewed"]]
    words = {w for line in lines for w in line.split()}
    assert set(listed) <= words
    assert not set(never_only) & words
    assert f"and nothing else: {len(never_only)} entries" in text
    command = " ".join(text.replace("\\\n", " ").split())  # the continued lines joined
    assert (
        f"cradle review --catalogue {CATALOGUE} --today {TODAY} --reason never-reviewed" in command
    )
    assert ids == set(listed) | set(never_only)


def test_reason_filters_and_lists_never_reviewed_in_full() -> None:
    found = json.loads(_review("--format", "json"))
    never = json.loads(_review("--format", "json", "--reason", "never-reviewed"))
    assert [f["id"] for f in never] == [f["id"] for f in found if "never-reviewed" in f["reasons"]]
    table = _review("--reason", "never-reviewed")
    assert all(f["id"] in table for f in never)
    assert max(len(line) for line in table.splitlines()) <= 80
    both = json.loads(_review("-f", "json", "--reason", "expired", "--reason", "overdue"))
    assert {r for f in both for r in f["reasons"]} >= {"expired", "overdue"}
    assert all({"expired", "overdue"} & set(f["reasons"]) for f in both)
    wrong = CliRunner().invoke(app, ["review", "--reason", "stale"])
    assert wrong.exit_code == 2 and "never-reviewed" in wrong.output


def test_csv_and_json_keep_every_entry_in_the_same_order() -> None:
    found = json.loads(_review("--format", "json"))
    rows = list(csv.DictReader(io.StringIO(_review("--format", "csv"))))
    assert [r["id"] for r in rows] == [f["id"] for f in found]
    assert sum("never-reviewed" in f["reasons"] for f in found) > 10


def test_long_ids_are_never_cut_and_titles_are() -> None:
    long_id = "a-" * 45 + "z"  # 91 characters: wider than the table
    items = [
        ReviewItem(long_id, "T" * 200, "available", period_end="2020"),
        ReviewItem("short", "A title much too long to fit " * 5, "available", period_end="2021"),
        ReviewItem("late", "Late", "in-development", expected="2020", reviewed=REVIEWED),
    ]
    found = needs_attention(items, TODAY)
    text = review_table(found, 3, "catalogue.yaml, as on 2026-11-29")
    lines = text.splitlines()
    assert any(line.strip() == long_id for line in lines)  # alone on its line, whole
    assert all(len(line) <= 80 for line in lines if long_id not in line)
    assert any(line.split()[:1] == ["short"] and line.endswith("…") for line in lines)
    assert any("late" in line.split() for line in lines)


def test_one_entry_once_under_its_most_urgent_reason() -> None:
    items = [ReviewItem("x", "X", "in-development", expected="2020", period_end="2021")]
    found = needs_attention(items, TODAY)
    groups = grouped(found)
    assert [g.reason.code for g in groups] == ["expired"]
    assert what(found[0], "expired").startswith("its period ended on 2021-12-31; also expected")
    assert [g.reason.code for g in grouped(found, ["overdue"])] == ["overdue"]
    assert only(found, ["review-due"]) == []
