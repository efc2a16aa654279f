"""The built graph: what analysts rely on, provenance, determinism and atomic writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cradle.commands import run_build as build
from cradle.core.datadir import DataDir, Version
from cradle.core.errors import ValidationFailed
from cradle.core.namespaces import sparql_prologue
from cradle.core.settings import Settings
from cradle.graph.build import pipeline as build_mod
from cradle.graph.build.pipeline import build_graph
from cradle.graph.build.store import open_store
from cradle.graph.sources.document import import_file
from cradle.graph.sparql.run import run_query
from tests.support import CATALOGUE

BOROUGHS = {
    "Bolton": "E08000001",
    "Bury": "E08000002",
    "Manchester": "E08000003",
    "Oldham": "E08000004",
    "Rochdale": "E08000005",
    "Salford": "E08000006",
    "Stockport": "E08000007",
    "Tameside": "E08000008",
    "Trafford": "E08000009",
    "Wigan": "E08000010",
}


def select(graph_dir: Path, query: str) -> list[dict[str, str]]:
    result = run_query(open_store(graph_dir), sparql_prologue() + query)
    names = [v.value for v in result.variables]
    return [{n: (sol[n].value if sol[n] is not None else None) for n in names} for sol in result]


def test_39_resources_carry_the_documents_titles(graph_dir: Path, source_document: Path) -> None:
    rows = select(graph_dir, "SELECT ?t WHERE { ?r a dcat:Resource ; dct:title ?t }")
    doc_titles = {e.title for e in import_file(source_document).catalogue.resources}
    assert len(rows) == 39
    assert {r["t"] for r in rows} == doc_titles
    text = re.sub(r"\s+", " ", source_document.read_text(encoding="utf-8"))
    assert all(r["t"] in text for r in rows)


def test_boroughs_have_their_gss_codes(graph_dir: Path) -> None:
    rows = select(
        graph_dir,
        """SELECT ?name ?code WHERE {
        ?b skos:broader loc:greater-manchester ; skos:prefLabel ?name ; skos:notation ?code ;
           owl:sameAs ?stat ; schema:containedInPlace loc:greater-manchester .
        FILTER(STRENDS(STR(?stat), ?code)) }""",
    )
    assert {r["name"]: r["code"] for r in rows} == BOROUGHS


@pytest.mark.parametrize(("title", "count"), [("ICON%", 8), ("Family Nurse%", 3)])
def test_programmes_link_to_adopting_boroughs(graph_dir: Path, title: str, count: int) -> None:
    rows = select(
        graph_dir,
        f"""SELECT ?b WHERE {{
        ?r dct:title ?t ; cradle:adoptedIn ?b . ?b skos:notation ?code .
        FILTER(STRSTARTS(?t, "{title.rstrip("%")}")) FILTER(STRSTARTS(?code, "E08")) }}""",
    )
    assert len(rows) == count


def test_every_resource_has_topic_publisher_locality(graph_dir: Path) -> None:
    rows = select(
        graph_dir,
        """SELECT ?r WHERE { ?r a dcat:Resource .
        FILTER NOT EXISTS { ?r dcat:theme/skos:inScheme topic:scheme ; dct:publisher ?p ;
                            dct:spatial/skos:notation ?n ; dct:description ?d } }""",
    )
    assert rows == []


def test_at_least_15_concepts_carry_synonyms(graph_dir: Path) -> None:
    rows = select(
        graph_dir,
        """SELECT DISTINCT ?c WHERE { ?c skos:inScheme topic:scheme ;
        skos:altLabel|skos:hiddenLabel ?s }""",
    )
    assert len(rows) >= 15


def test_provenance_names_catalogue_version_and_time(graph_dir: Path) -> None:
    rows = select(
        graph_dir,
        """SELECT ?when ?agent ?sha WHERE { ?c a dcat:Catalog ;
        prov:generatedAtTime ?when ; prov:wasDerivedFrom ?f ; prov:wasGeneratedBy ?a .
        ?f cradle:sha256 ?sha ; prov:wasDerivedFrom ?doc . ?a prov:wasAssociatedWith ?agent }""",
    )
    (row,) = rows
    assert row["when"].startswith("2026-") and "cradle" in row["agent"] and len(row["sha"]) == 64


def test_no_url_is_invented(graph_dir: Path) -> None:
    rows = select(graph_dir, "SELECT ?u WHERE { ?s dcat:accessURL|dcat:downloadURL ?u }")
    assert rows == []


def test_same_input_gives_byte_identical_graph(tmp_path: Path, graph_dir: Path) -> None:
    again = Version.at(tmp_path / "again")
    build_graph(CATALOGUE, again)
    assert again.graph_file.read_bytes() == Version.at(graph_dir).graph_file.read_bytes()


def test_failed_validation_keeps_previous_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "out"
    build(Settings(), catalogue=CATALOGUE, data_dir=data_dir, with_index=False)
    published = DataDir(data_dir).current_id()
    before = DataDir(data_dir).open().graph_file.read_bytes()
    monkeypatch.setattr(build_mod, "violations", lambda *a, **k: ["entry x: title: broken"])
    with pytest.raises(ValidationFailed):
        build(Settings(), catalogue=CATALOGUE, data_dir=data_dir, with_index=False)
    assert DataDir(data_dir).current_id() == published
    assert DataDir(data_dir).open().graph_file.read_bytes() == before
    assert len(select(data_dir, "SELECT ?r WHERE { ?r a dcat:Resource }")) == 39
