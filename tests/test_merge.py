"""``cradle diff`` and ``cradle import NEWDOC --merge``: a new version of the document brought
into the curated catalogue without losing what staff curated."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from cradle.cli import app
from cradle.graph.build.catalogue import Entry, dump_catalogue, load_catalogue
from cradle.graph.sources.merge import diff_catalogues

from .conftest import CATALOGUE
from .test_docx import write_docx


def test_diff_names_added_removed_and_changed_fields(tmp_path: Path) -> None:
    old = load_catalogue(CATALOGUE)
    new = old.model_copy(deep=True)
    new.resources[0] = new.resources[0].model_copy(update={"summary": "New words."})
    removed = new.resources.pop(1)
    new.resources.append(new.resources[2].model_copy(update={"id": "brand-new"}))
    assert diff_catalogues(old, new) == {
        "added": ["brand-new"],
        "removed": [removed.id],
        "changed": {old.resources[0].id: ["summary"]},
    }
    (tmp_path / "new.yaml").write_text(dump_catalogue(new), encoding="utf-8")
    result = CliRunner().invoke(app, ["diff", str(CATALOGUE), str(tmp_path / "new.yaml"),
                                      "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["added"] == ["brand-new"]


def test_merge_keeps_curation_of_unchanged_entries(tmp_path: Path) -> None:
    curated = load_catalogue(CATALOGUE)
    day = dt.date(2026, 10, 1)
    keep, edit, gone = curated.resources[0], curated.resources[1], curated.resources[2]
    curated.resources[0] = keep.model_copy(
        update={"url": "https://www.lullabytrust.org.uk/", "reviewed": day, "review_every": 6}
    )
    curated.resources[1] = edit.model_copy(update={"url": "https://iconcope.org/", "reviewed": day})
    curated_path = tmp_path / "catalogue.yaml"
    curated_path.write_text(dump_catalogue(curated), encoding="utf-8")
    # the partnership's new version: one summary reworded, one row gone, one row added
    doc = curated.model_copy(deep=True)
    doc.resources[1] = doc.resources[1].model_copy(update={"summary": "A reworded summary."})
    doc.resources.pop(2)
    doc.resources.append(
        Entry(id="x", title="Bolton baby room leaflet", summary="Safer sleep advice.",
              locality="bolton", topics=["safer-sleep"], format="pdf")
    )  # fmt: skip
    newdoc = tmp_path / "new.docx"
    write_docx(doc, newdoc)
    out = tmp_path / "merged.yaml"
    result = CliRunner().invoke(
        app, ["import", str(newdoc), "--merge", str(curated_path), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "1 added, 1 removed, 1 changed" in result.output
    merged = {e.id: e for e in load_catalogue(out).resources}
    assert merged[keep.id] == curated.resources[0]  # kept whole: id, topics, url, review dates
    changed = merged[edit.id]
    assert changed.summary == "A reworded summary."
    assert changed.url == "https://iconcope.org/" and changed.topics == edit.topics
    assert changed.topics_suggested and changed.reviewed is None
    assert gone.id not in merged
    (new,) = [e for e in merged.values() if e.title == "Bolton baby room leaflet"]
    assert new.topics_suggested
