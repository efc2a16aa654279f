"""Synthetic national catalogues: reproducible, valid, national in reach, realistic in mix."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cradle.cli import app
from cradle.core.namespaces import sparql_prologue
from cradle.graph.build.catalogue import load_catalogue
from cradle.graph.build.pipeline import build_graph
from cradle.graph.build.store import open_store
from cradle.graph.sources.synth import england, synthesize, write_synthetic
from cradle.graph.sparql.run import run_query
from tests.support import CATALOGUE


@pytest.fixture(scope="module")
def synth_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic(600, tmp_path_factory.mktemp("synth"), seed=7)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, synth_file: Path) -> None:
    again = write_synthetic(600, tmp_path / "a", seed=7)
    other = write_synthetic(600, tmp_path / "b", seed=8)
    assert again.read_bytes() == synth_file.read_bytes()
    assert other.read_bytes() != synth_file.read_bytes()


def test_cli_writes_a_catalogue_that_loads(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synth", "--resources", "50", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    cat = load_catalogue(tmp_path / "catalogue.yaml")
    assert len(cat.resources) == 50
    assert len({e.id for e in cat.resources}) == 50


def test_spreads_entries_over_the_ontologys_regions_and_authorities(synth_file: Path) -> None:
    cat = load_catalogue(synth_file)
    assert not cat.localities  # England's places are the ontology's: one list, not two
    places = england()
    assert list(places.regions) == [
        "north-east",
        "north-west",
        "yorkshire-and-the-humber",
        "east-midlands",
        "west-midlands",
        "east-of-england",
        "london",
        "south-east",
        "south-west",
    ]
    authorities = {a for r in places.authorities.values() for a, _ in r}
    assert len(authorities) + len(places.boroughs) == 153
    assert [b for b, _ in places.boroughs][:2] == ["bolton", "bury"]
    used = {e.locality for e in cat.resources}
    assert {"england", "greater-manchester", "london", "north-west"} <= used
    assert used & {"bolton", "bury", "manchester", "oldham", "wigan"}
    assert len(used & authorities) > 100


def test_programmes_are_adopted_by_several_areas(synth_file: Path) -> None:
    cat = load_catalogue(synth_file)
    adopted = [e for e in cat.resources if e.adopted_in]
    assert adopted
    assert all(e.kind == "programme" and len(e.adopted_in) >= 3 for e in adopted)


def test_proportions_follow_the_curated_catalogue(tmp_path: Path) -> None:
    curated = yaml.safe_load(CATALOGUE.read_text())["resources"]
    big = synthesize(3000, seed=3)

    def shares(items: list[str]) -> dict[str, float]:
        return {k: v / len(items) for k, v in Counter(items).items()}

    want = shares([e.get("status", "available") for e in curated])
    got = shares([e.status for e in big.resources])
    assert set(got) == set(want)
    assert all(abs(got[k] - want[k]) < 0.04 for k in want)
    want_kinds = shares([e["kind"] for e in curated if e.get("kind")])
    got_kinds = shares([e.kind or "" for e in big.resources])
    assert set(got_kinds) == set(want_kinds)
    assert all(abs(got_kinds[k] - want_kinds[k]) < 0.05 for k in want_kinds)
    formats = Counter(e.format for e in big.resources)
    assert set(formats) == {e["format"] for e in curated}
    videos = [e for e in big.resources if e.kind == "video" and e.status != "awaiting-information"]
    assert videos and all(e.format == "youtube-video" for e in videos)


def test_titles_and_summaries_use_the_thesaurus(synth_file: Path) -> None:
    from cradle.graph.build.ontology import terms

    cat = load_catalogue(synth_file)
    vocab = terms()
    for e in cat.resources[:100]:
        text = f"{e.title} {e.summary}".lower()
        assert vocab.topics[e.topics[0]].lower() in text or any(
            s in text for s in vocab.synonyms[e.topics[0]]
        )
    assert len({e.title for e in cat.resources}) > 0.8 * len(cat.resources)


def test_a_small_synthetic_catalogue_builds(tmp_path: Path) -> None:
    path = write_synthetic(200, tmp_path / "cat", seed=1)
    result = build_graph(path, tmp_path / "out")
    assert result.resources == 200
    rows = run_query(
        open_store(tmp_path / "out"),
        sparql_prologue()
        + """SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {
            ?r a dcat:Resource ; dct:spatial ?a . ?a skos:broader+ ?reg .
            ?reg cradle:localityLevel "region" ; skos:broader loc:england }""",
    )
    n = int(next(iter(rows))["n"].value)
    assert 0 < n < 200
