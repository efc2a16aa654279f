"""One-pass validation of the catalogue, as a partnership's business officer meets it: every
problem at once, each with file, line, entry and field, with "did you mean" for unknown values;
labels accepted; review metadata and web addresses in the graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, XSD
from typer.testing import CliRunner

from cradle.cli import app
from cradle.core.namespaces import CRADLE, RES
from cradle.graph.build.catalogue import load_catalogue
from cradle.graph.build.ontology import load_ontology
from cradle.graph.build.rdf import catalogue_graph
from cradle.graph.commands import run_validate
from tests.support import CATALOGUE
from tests.support import catalogue_problems as problems

HEAD = """catalogue:
  id: t
  title: Test
  modified: '2026-01-01'
organisations:
- id: lullaby-trust
  name: Lullaby Trust
resources:
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def test_every_problem_of_every_entry_in_one_pass(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """- id: one
  title: One
  summary: Where baby sleeps.
  locality: wigan
  topics: [safer-sleep]
  colour: blue
  shape: round
- id: two
  title: Two
  summary: Two.
  publisher: nobody
  locality: Wiganshire
  format: fax
  topics: [safer-sleap]
  date: Sept 2021
""",
    )
    found = problems(path)
    expected = [
        (14, "entry one: colour: unknown field"),
        (15, "entry one: shape: unknown field"),
        (19, "entry two: publisher: unknown organisation 'nobody'"),
        (20, "entry two: locality: unknown value 'Wiganshire'; did you mean wigan?"),
        (21, "entry two: format: unknown value 'fax'"),
        (22, "entry two: topics: unknown value 'safer-sleap'; did you mean safer-sleep?"),
        (23, "entry two: date: 'Sept 2021' is not YYYY or YYYY-MM"),
    ]
    assert len(found) == len(expected), found
    for (line, text), got in zip(expected, found, strict=True):
        assert got.startswith(f"{path}:{line}: {text}"), (got, line, text)


def test_unknown_publisher_says_to_add_it_under_organisations(tmp_path: Path) -> None:
    path = write(tmp_path, "- {id: a, title: A, summary: S., publisher: nobody, locality: wigan,"
                 " topics: [safer-sleep]}\n")  # fmt: skip
    (line,) = problems(path)
    assert "under `organisations:`" in line


def test_unknown_value_suggests_not_lists(tmp_path: Path) -> None:
    entry = "- {id: a, title: A, summary: S., locality: wigan, topics: [safe-sleep]}\n"
    path = write(tmp_path, entry)
    (line,) = problems(path)
    assert "did you mean safer-sleep" in line
    assert "bereavement-support" not in line  # not the whole list of 31 topics


def test_labels_in_any_case_become_ids(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """- id: a
  title: A
  summary: S.
  publisher: lullaby trust
  format: PDF
  locality: WIGAN
  topics: [Safer sleep]
  audience: Parents
  status: Awaiting information
""",
    )
    entry = load_catalogue(path).resources[0]
    assert (entry.publisher, entry.format, entry.locality) == ("lullaby-trust", "pdf", "wigan")
    assert entry.topics == ["safer-sleep"] and entry.audience == ["parents"]
    assert entry.status == "awaiting-information"


def test_duplicate_key_is_an_error_with_both_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- id: a\n  title: A\n  summary: S.\n  locality: wigan\n"
        "  topics: [safer-sleep]\n  topics: [neglect]\n",
    )
    (line,) = problems(path)
    assert line.startswith(f"{path}:14: entry a: topics: appears twice (first on line 13)")


def test_an_entry_that_lost_its_dash_is_named_as_one_not_as_repeated_keys(
    tmp_path: Path,
) -> None:
    """Two entries read as one (the second's "- " lost): one line, at its id, that says so, not
    "merge their values" for every field."""
    path = write(
        tmp_path,
        "- id: a\n  title: A\n  summary: S.\n  locality: wigan\n  topics: [safer-sleep]\n"
        "  id: b\n  title: B\n  summary: T.\n  locality: bolton\n  topics: [neglect]\n",
    )
    (line,) = problems(path)
    assert line.startswith(f"{path}:14: entry b: id: looks like the start of a new entry")
    assert "'- id: ...'" in line and "(line 9)" in line and "merge" not in line


def test_colon_in_summary_names_entry_and_suggests_quotes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- id: a\n  title: A\n  summary: ok\n  locality: wigan\n  topics: [safer-sleep]\n"
        "- id: b\n  title: B\n  summary: Safer sleep: what to do\n",
    )
    (line,) = problems(path)
    assert line.startswith(f"{path}:16: entry b: summary: malformed YAML")
    assert "double quotes" in line


def test_summary_needed_unless_awaiting_information(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- {id: a, title: A, locality: wigan, topics: [safer-sleep]}\n"
        "- {id: b, title: B, summary: '  ', locality: wigan, topics: [safer-sleep]}\n"
        "- {id: c, title: C, locality: wigan, topics: [safer-sleep], "
        "status: awaiting-information}\n",
    )
    found = problems(path)
    assert [p.split(": ")[1] for p in found] == ["entry a", "entry b"], found
    assert all("summary: missing or empty" in p for p in found)


def test_awaiting_entry_without_summary_has_no_description(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- {id: c, title: Cee, locality: wigan, topics: [safer-sleep], "
        "status: awaiting-information}\n",
    )
    assert run_validate(path, Path("ontology")) == []
    cat = load_catalogue(path)
    g = catalogue_graph(cat, load_ontology(), "2026-01-01T00:00:00Z", "x")
    assert g.value(RES["c"], DCTERMS.description) is None  # never the title in its place


def test_last_reviewed_gets_did_you_mean(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- {id: a, title: A, summary: S., locality: wigan, topics: [safer-sleep], "
        "last_reviewed: 2026-01-01}\n",
    )
    (line,) = problems(path)
    assert "last_reviewed: unknown field 'last_reviewed'; did you mean reviewed?" in line


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("www.example.org", "starting https://"),
        ("ftp://example.org/x", "starting https://"),
        ("https://exa mple.org", "contains a space"),
        ("https://", "no site name"),
    ],
)
def test_bad_url_is_named(tmp_path: Path, url: str, words: str) -> None:
    path = write(
        tmp_path,
        "- {id: a, title: A, summary: S., locality: wigan, topics: [safer-sleep], "
        f"url: '{url}'}}\n",
    )
    (line,) = problems(path)
    assert ": entry a: url: " in line and words in line


def test_review_metadata_and_url_in_the_graph(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """- id: a
  title: A
  summary: S.
  locality: wigan
  topics: [safer-sleep]
  url: https://www.lullabytrust.org.uk/safer-sleep/
  url_checked: 2026-02-01
  reviewed: 2026-01-15
  review_every: 6
""",
    )
    assert run_validate(path, Path("ontology")) == []
    cat = load_catalogue(path)
    g = catalogue_graph(cat, load_ontology(), "2026-01-01T00:00:00Z", "x")
    r = RES["a"]
    assert g.value(r, DCAT.landingPage) == URIRef("https://www.lullabytrust.org.uk/safer-sleep/")
    assert g.value(r, DCTERMS.modified) == Literal("2026-01-15", datatype=XSD.date)
    assert g.value(r, CRADLE.reviewEvery) == Literal(6, datatype=XSD.integer)
    assert g.value(r, CRADLE.urlChecked) == Literal("2026-02-01", datatype=XSD.date)


def test_shipped_catalogue_has_no_invented_url() -> None:
    assert all(e.url is None for e in load_catalogue(CATALOGUE).resources)


def test_validate_command_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(app, ["validate", "--catalogue", str(CATALOGUE)])
    assert good.exit_code == 0 and good.output.strip().endswith("conforms")
    bad = write(tmp_path, "- {id: a, title: A, locality: wigan, topics: [safe-sleep]}\n")
    result = runner.invoke(app, ["validate", "--catalogue", str(bad)])
    assert result.exit_code == 1
    assert "2 problem(s)" in result.output
    missing = runner.invoke(app, ["validate", "--catalogue", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2


def test_review_date_in_the_future_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- {id: a, title: A, summary: S., locality: wigan, topics: [safer-sleep], "
        "reviewed: 2062-01-01}\n",
    )
    (line,) = problems(path)
    assert "entry a: reviewed: 2062-01-01 is in the future" in line


@pytest.mark.parametrize(
    ("bad", "line", "says"),
    [
        ("  summary: S.\n\tlocality: wigan\n", 12, "starts with a tab: indent with spaces only"),
        ("  summary: S.\n\u00a0 locality: wigan\n", 12, "U+00A0, at column 1; pasted from Word"),
        ("  summary: \u201cSafer sleep: what to do\u201d\n  locality: wigan\n", 11, "curly quote"),
    ],
    ids=["tab", "non-breaking-space", "curly-quotes"],
)
def test_what_stops_the_file_being_read_is_named_in_plain_words(
    tmp_path: Path, bad: str, line: int, says: str
) -> None:
    path = write(tmp_path, "- id: a\n  title: A\n" + bad + "  topics: [safer-sleep]\n")
    (found,) = problems(path)
    assert found.startswith(f"{path}:{line}: entry a: ") and says in found, found
    assert "mapping values" not in found


def test_curly_quotes_inside_a_title_are_not_blamed_for_a_layout_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- id: a\n  title: The \u201cABC\u201d guide\n summary: S.\n  locality: wigan\n",
    )
    (found,) = problems(path)
    said = found.removeprefix(str(path))
    assert "curly" not in said and "malformed YAML" in said


def test_curly_quotes_around_a_value_are_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- id: a\n  title: \u201cThe Myth\u201d review\n  summary: S.\n"
        "  locality: \u201cwigan\u201d\n  topics: [safer-sleep]\n",
    )
    found = problems(path)
    assert any(
        p.startswith(f"{path}:12: entry a: locality: has curly quotes (\u201c at character 1)")
        for p in found
    ), found
    assert not any(": title:" in p for p in found)  # in a title they are text


def test_an_id_that_is_not_one_gets_one_to_copy(tmp_path: Path) -> None:
    path = write(
        tmp_path, "- id: Bury safer sleep leaflet\n  title: A\n  summary: S.\n  locality: wigan\n"
        "  topics: [safer-sleep]\n",
    )  # fmt: skip
    (found,) = problems(path)
    assert found.endswith("like 'bury-safer-sleep-leaflet'") and "slug" not in found


def test_an_entry_indented_too_far_is_named_as_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- id: a\n  title: A\n  summary: S.\n  locality: wigan\n  topics: [safer-sleep]\n"
        "  audience:\n  - parents\n  - id: b\n    title: B\n    summary: T.\n",
    )
    found = problems(path)
    assert any("holds what looks like a new entry (id: 'b') indented too far" in p for p in found)
