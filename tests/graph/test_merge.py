"""``cradle diff`` and ``cradle import NEWDOC --merge``: a new version of the document brought
into the curated catalogue without losing what staff curated."""

from __future__ import annotations

import datetime as dt
import difflib
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cradle.cli import app
from cradle.core.datadir import Version
from cradle.graph.build.catalogue import (
    Entry,
    Organisation,
    dump_catalogue,
    load_catalogue,
    parse_catalogue,
)
from cradle.graph.build.changes import entry_values, fingerprints_of, read_changes, record_changes
from cradle.graph.build.ontology import terms
from cradle.graph.build.valuediff import change_text, field_changes
from cradle.graph.sources.merge import CURATED_FIELDS, diff_catalogues, merge_import, render_merge
from cradle.graph.sources.mergefile import merged_file, merged_text
from tests.graph.test_docx import write_docx
from tests.support import CATALOGUE

RETITLED = {  # id -> (title in the document, its new title)
    "manchester-safer-sleep-video": (
        "Manchester Safer Sleep Video",
        "Manchester Safer Sleep Video (2026 update)",
    ),
    "stockport-caring-dads": ("Caring Dads Programme", "Caring Dads Programme for fathers"),
    "manchester-safe-sleep-animation": (
        "Safe sleep animation",
        "Sleeping safely: an animation for parents",
    ),
}
DAY = dt.date(2026, 10, 1)
NOTES = {
    "manchester-safer-sleep-video": "# Sam: the 2026 version has subtitles",
    "wigan-baby-box-leaflet": "# added by hand after the Wigan visit",
}


def _curated(tmp_path: Path) -> tuple[Path, list[Entry]]:
    """The shipped catalogue with curation on the retitled rows and two entries added by hand."""
    cat = load_catalogue(CATALOGUE)
    for n, e in enumerate(cat.resources):
        if e.id in RETITLED:
            cat.resources[n] = e.model_copy(
                update={  # dates apart: YAML would alias one
                    "url": f"https://example.org/{e.id}",
                    "url_checked": dt.date(2026, 10, 1),
                    "reviewed": dt.date(2026, 10, 2),
                    "review_every": 6,
                    "status_since": dt.date(2026, 10, 3),
                    "audience": ["parents"],
                }
            )
    hand = [
        Entry(
            id="wigan-baby-box-leaflet",
            title="Wigan baby box leaflet",
            locality="wigan",
            summary="Added by hand.",
            topics=["safer-sleep"],
            reviewed=dt.date(2026, 9, 1),
        ),
        Entry(
            id="national-crying-helpline",
            title="Crying helpline notes",
            locality="england",
            summary="Added by hand too.",
            topics=["infant-crying"],
        ),
    ]
    cat.resources[5:5] = [hand[0]]
    cat.resources.append(hand[1])
    path = tmp_path / "catalogue.yaml"
    text = dump_catalogue(cat)
    for ident, note in NOTES.items():  # staff's notes, as comments, kept by the merge
        text = text.replace(f"- id: {ident}\n", f"- id: {ident}\n  {note}\n", 1)
    path.write_text(text, encoding="utf-8")
    return path, cat.resources


def _check_nothing_lost(curated: list[Entry], merged_path: Path, output: str) -> None:
    merged = {e.id: e for e in load_catalogue(merged_path).resources}
    assert [e.id for e in curated if e.id not in merged] == []  # every entry is still there
    for e in curated:
        m = merged[e.id]
        if e.id in RETITLED:
            assert m.title == RETITLED[e.id][1]
            assert m.model_dump(include=set(CURATED_FIELDS) - {"topics_suggested"}) == (
                e.model_dump(include=set(CURATED_FIELDS) - {"topics_suggested"})
            )
            assert m.topics_suggested
        else:
            assert m == e  # unchanged rows and hand-added entries: kept whole
    assert len(merged) == len(curated)  # nothing added: every row found its entry
    for ident in ("wigan-baby-box-leaflet", "national-crying-helpline"):
        assert (
            f"not in the new document (kept; --drop {ident} removes it, --drop-missing all)"
            in output
        )
    assert "matched by title" in output and "manchester-safer-sleep-video" in output
    assert "matched by position" in output and "manchester-safe-sleep-animation" in output
    assert "Manchester Safer Sleep Video -> Manchester Safer Sleep Video (2026 update)" in output
    text = merged_path.read_text(encoding="utf-8")
    assert all(note in text for note in NOTES.values()) and "could not be kept" not in output


def test_reimport_with_retitled_rows_and_hand_added_entries_loses_nothing(
    tmp_path: Path, source_document: Path
) -> None:
    curated_path, curated = _curated(tmp_path)
    text = source_document.read_text(encoding="utf-8")
    for old, new in RETITLED.values():
        assert text.count(f"\t{old} \n") + text.count(f"\t{old}\n") == 1
        text = text.replace(f"\t{old} \n", f"\t{new}\n").replace(f"\t{old}\n", f"\t{new}\n")
    doc = tmp_path / "new.txt"
    doc.write_text(text, encoding="utf-8")
    out = tmp_path / "merged.yaml"
    result = CliRunner().invoke(
        app, ["import", str(doc), "--merge", str(curated_path), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    _check_nothing_lost(curated, out, result.output)
    result = CliRunner().invoke(
        app, ["import", str(doc), "--merge", str(curated_path), "-o", str(out), "--drop-missing"]
    )
    assert result.exit_code == 0, result.output
    merged = {e.id for e in load_catalogue(out).resources}
    assert "wigan-baby-box-leaflet" not in merged and "national-crying-helpline" not in merged
    assert "not in the new document (dropped): wigan-baby-box-leaflet" in result.output
    alone = CliRunner().invoke(app, ["import", str(doc), "--drop-missing"])
    assert alone.exit_code == 2 and "only with --merge" in alone.output
    # the catalogue merged into is never written over
    before = curated_path.read_bytes()
    over = CliRunner().invoke(
        app, ["import", str(doc), "--merge", str(curated_path), "-o", str(curated_path)]
    )
    assert over.exit_code == 2 and "write to another file" in over.output
    assert curated_path.read_bytes() == before
    # one row the partnership took out goes; the entry added by hand stays
    args = ["import", str(doc), "--merge", str(curated_path), "-o", str(out)]
    one = CliRunner().invoke(app, [*args, "--drop", "wigan-baby-box-leaflet"])
    assert one.exit_code == 0, one.output
    merged = {e.id for e in load_catalogue(out).resources}
    assert "wigan-baby-box-leaflet" not in merged and "national-crying-helpline" in merged
    wrong = CliRunner().invoke(app, [*args, "--drop", "manchester-safer-sleep-video"])
    assert wrong.exit_code == 1 and "not an entry the new document leaves out" in wrong.output
    assert "wigan-baby-box-leaflet, national-crying-helpline" in wrong.output


def test_reimport_of_the_word_document_loses_nothing(tmp_path: Path) -> None:
    curated_path, curated = _curated(tmp_path)
    hand = {"wigan-baby-box-leaflet", "national-crying-helpline"}
    doc_cat = load_catalogue(curated_path)
    doc_cat.resources = [
        e.model_copy(update={"title": RETITLED[e.id][1]}) if e.id in RETITLED else e
        for e in doc_cat.resources
        if e.id not in hand
    ]
    doc = tmp_path / "new.docx"
    write_docx(doc_cat, doc)
    out = tmp_path / "merged.yaml"
    result = CliRunner().invoke(
        app, ["import", str(doc), "--merge", str(curated_path), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    _check_nothing_lost(curated, out, result.output)


def test_two_equally_close_entries_are_left_to_a_person() -> None:
    curated = load_catalogue(CATALOGUE)
    base = curated.resources[0]
    curated.resources = [
        base.model_copy(update={"id": "sleep-guide-a", "title": "Safer sleep guide for parents"}),
        base.model_copy(update={"id": "sleep-guide-b", "title": "Safer sleep guide for carers"}),
    ]
    imported = curated.model_copy(deep=True)
    imported.resources = [
        base.model_copy(update={"id": "x", "title": "Safer sleep guide for parents and carers"}),
        base.model_copy(update={"id": "y", "title": "Something else entirely"}),
    ]
    merged, report = merge_import(curated, imported)
    first = report.ambiguous[0]  # by title; the other row is ambiguous by position too
    assert first.candidates == ("sleep-guide-a", "sleep-guide-b") and first.row == 0
    assert report.matches == []
    assert {e.id for e in merged.resources} >= {"sleep-guide-a", "sleep-guide-b"}
    assert "ambiguous: 'Safer sleep guide for parents and carers'" in render_merge(report, imported)


def test_a_different_row_in_place_of_a_removed_one_is_never_taken_for_it() -> None:
    curated = load_catalogue(CATALOGUE)
    base = curated.resources[0]
    titles = ["Safer sleep guide", "Home safety checklist", "Crying leaflet", "Dads' group"]
    curated.resources = [
        base.model_copy(update={"id": f"entry-{n}", "title": t}) for n, t in enumerate(titles)
    ]
    imported = curated.model_copy(deep=True)
    imported.resources = [r.model_copy(update={"id": f"row-{n}"}) for n, r in enumerate(
        curated.resources)]  # fmt: skip
    # the last row replaced by another resource; the second by one of a wholly other title
    imported.resources[3] = base.model_copy(update={"id": "row-3", "title": "Baby sleep video"})
    imported.resources[1] = base.model_copy(update={"id": "row-1", "title": "Cot thermometer"})
    merged, report = merge_import(curated, imported)
    matched = {m.entry for m in report.matches}
    assert matched == {"entry-0", "entry-2"}  # by title only
    assert [a.row for a in report.ambiguous] == [1, 3]  # listed for a person
    ids = {e.id for e in merged.resources}
    assert {"entry-1", "entry-3"} <= ids  # kept, not turned into something else
    assert any(e.title == "Baby sleep video" for e in merged.resources)  # added as new


def test_a_retitled_last_row_is_still_matched_by_position() -> None:
    curated = load_catalogue(CATALOGUE)
    base = curated.resources[0]
    titles = ["Safer sleep guide", "Home safety checklist", "Dads' group"]
    curated.resources = [
        base.model_copy(update={"id": f"entry-{n}", "title": t}) for n, t in enumerate(titles)
    ]
    imported = curated.model_copy(deep=True)
    imported.resources = [r.model_copy(update={"id": f"row-{n}"}) for n, r in enumerate(
        curated.resources)]  # fmt: skip
    imported.resources[2] = base.model_copy(
        update={"id": "row-2", "title": "Dads and partners group"}
    )
    _, report = merge_import(curated, imported)
    last = next(m for m in report.matches if m.row == 2)
    assert (last.entry, last.kind) == ("entry-2", "position")


def test_diff_shows_old_and_new_values(tmp_path: Path) -> None:
    old = load_catalogue(CATALOGUE)
    new = old.model_copy(deep=True)
    first = new.resources[0]
    new.resources[0] = first.model_copy(
        update={
            "summary": first.summary + " Now with a new leaflet for grandparents.",
            "status": "in-development",
            "reviewed": DAY,
        }
    )
    removed = new.resources.pop(1)
    new.resources.append(new.resources[2].model_copy(update={"id": "brand-new"}))
    changes = diff_catalogues(old, new)
    assert changes["added"] == ["brand-new"] and changes["removed"] == [removed.id]
    fields = changes["changed"][first.id]
    assert list(fields) == ["summary", "status", "reviewed"]
    assert fields["status"] == {"old": "available", "new": "in-development"}
    assert fields["reviewed"] == {"old": None, "new": "2026-10-01"}
    (tmp_path / "new.yaml").write_text(dump_catalogue(new), encoding="utf-8")
    args = ["diff", str(CATALOGUE), str(tmp_path / "new.yaml")]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["changed"][first.id]["status"]["new"] == "in-development"
    result = CliRunner().invoke(app, args)
    assert "  status: available -> in-development" in result.output
    assert "  reviewed: (none) -> 2026-10-01" in result.output
    assert "{+Now with a new leaflet for grandparents.+}" in result.output
    assert "bereaved families" in result.output and "Lullaby Trust raises" not in result.output


def test_diff_shows_organisations_localities_and_the_header(tmp_path: Path) -> None:
    """A publisher's phone number, a new place and the header's date are changes staff check
    too (a family is told the number)."""
    from cradle.graph.build.catalogue import LocalityDef, Organisation

    old = load_catalogue(CATALOGUE)
    new = old.model_copy(deep=True)
    org = new.organisations[0]
    new.organisations[0] = org.model_copy(update={"phone": "0161 496 0000"})
    new.organisations.append(Organisation(id="new-org", name="New organisation"))
    new.localities.append(
        LocalityDef(id="new-town", name="New Town", gss="E08099999", within="greater-manchester")
    )
    new.catalogue = new.catalogue.model_copy(update={"modified": "2026-12-01"})
    changes = diff_catalogues(old, new)
    assert changes["organisations"] == {
        "added": ["new-org"],
        "removed": [],
        "changed": {org.id: {"phone": {"old": None, "new": "0161 496 0000"}}},
    }
    assert changes["localities"]["added"] == ["new-town"]
    assert changes["catalogue"] == {
        "modified": {"old": old.catalogue.modified, "new": "2026-12-01"}
    }
    assert (changes["added"], changes["removed"], changes["changed"]) == ([], [], {})
    (tmp_path / "new.yaml").write_text(dump_catalogue(new), encoding="utf-8")
    result = CliRunner().invoke(app, ["diff", str(CATALOGUE), str(tmp_path / "new.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "added   organisation new-org",
        f"changed organisation {org.id}:",
        "  phone: (none) -> 0161 496 0000",
        "added   locality new-town",
        "changed the catalogue's header:",
        f"  modified: {old.catalogue.modified} -> 2026-12-01",
        "0 added, 0 removed, 0 changed; organisations: 1 added, 0 removed, 1 changed; "
        "localities: 1 added, 0 removed, 0 changed",
    ]


@pytest.mark.parametrize(
    ("old", "new", "shown"),
    [
        ("a " * 100 + "end", "a " * 100 + "finish", "… a a a a [-end-] {+finish+}"),
        ("short", "other", "short -> other"),
        (["x", "y"], ["x"], "x, y -> x"),
        (False, True, "false -> true"),
    ],
)
def test_change_text(old: object, new: object, shown: str) -> None:
    assert change_text(old, new) == shown


def test_changes_recorded_before_values_were_kept_still_read(tmp_path: Path) -> None:
    cat = load_catalogue(CATALOGUE)
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir(), new.mkdir()
    earlier = {
        "date": "2026-11-01T00:00:00+00:00",
        "added": [],
        "removed": [],
        "changed": {cat.resources[1].id: ["summary"]},
    }
    body = {"fingerprints": fingerprints_of(entry_values(cat)), "builds": [earlier]}
    Version.at(old).changes_file.write_text(json.dumps(body), encoding="utf-8")
    cat.resources[0] = cat.resources[0].model_copy(update={"status": "in-development"})
    record = record_changes(cat, Version.at(old), Version.at(new))
    assert record is not None
    unknown_old = {"status": {"old": None, "new": "in-development"}}
    assert record["changed"] == {cat.resources[0].id: unknown_old}
    builds = read_changes(Version.at(new))["builds"]
    assert builds[1]["changed"] == {cat.resources[1].id: {"summary": {}}}
    assert field_changes(builds[1]["changed"][cat.resources[1].id]) == [
        {"field": "summary", "known": False}
    ]
    assert "values" in json.loads(Version.at(new).changes_file.read_text(encoding="utf-8"))


def test_merged_file_changes_only_what_the_merge_changed(tmp_path: Path) -> None:
    curated_path, curated = _curated(tmp_path)
    hand = {"wigan-baby-box-leaflet", "national-crying-helpline"}
    doc_cat = load_catalogue(curated_path)
    doc_cat.organisations.append(Organisation(id="bolton-family-hubs", name="Bolton Family Hubs"))
    new_row = Entry(
        id="x",
        title="Bolton baby room leaflet",
        summary="Safer sleep advice.",
        locality="bolton",
        topics=["safer-sleep"],
        format="pdf",
        publisher="bolton-family-hubs",
    )
    doc_cat.resources = [
        e.model_copy(update={"title": e.title + " (2026 update)"})
        if e.id == "manchester-safer-sleep-video"
        else e
        for e in doc_cat.resources
        if e.id not in hand
    ] + [new_row]
    doc = tmp_path / "new.docx"
    write_docx(doc_cat, doc)
    out = tmp_path / "merged.yaml"
    args = ["import", str(doc), "--merge", str(curated_path), "-o", str(out), "--drop-missing"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    before = curated_path.read_text(encoding="utf-8").splitlines()
    after = out.read_text(encoding="utf-8").splitlines()
    diff = [
        d
        for d in difflib.unified_diff(before, after, n=0, lineterm="")
        if d[:1] in "+-" and d[:3] not in ("+++", "---")
    ]
    removed = [d[1:] for d in diff if d.startswith("-")]
    added = [d[1:] for d in diff if d.startswith("+")]
    hand_text = "".join(dump_catalogue(load_catalogue(curated_path)).partition("resources:")[2])
    for line in removed:  # the header's source, the old title, the dropped entries: nothing else
        assert line.split(":")[0].strip() in ("source_document", "source_sha256", "modified") or (
            line == "  title: Manchester Safer Sleep Video"
            or line.strip() in hand_text
            or line.strip() == NOTES["wigan-baby-box-leaflet"]
        ), line
    assert "  title: Manchester Safer Sleep Video (2026 update)" in added
    assert "- id: bolton-family-hubs" in added and "  name: Bolton Family Hubs" in added
    assert "  title: Bolton baby room leaflet" in added
    assert "  " + NOTES["manchester-safer-sleep-video"] in after
    assert "could not be kept" not in result.output
    merged = load_catalogue(out)
    assert {e.id for e in merged.resources} & hand == set()


def test_a_file_that_cannot_be_edited_in_place_is_written_afresh() -> None:
    curated = load_catalogue(CATALOGUE)
    merged = curated.model_copy(deep=True)
    merged.resources[0] = merged.resources[0].model_copy(update={"title": "A new title"})
    flow = yaml.safe_dump(curated.model_dump(exclude_none=True), default_flow_style=True)
    assert merged_text(flow, curated, merged, terms()) is None  # one line: no lines to edit
    text, kept = merged_file(flow, curated, merged, terms())
    assert not kept and parse_catalogue(text).resources == merged.resources
