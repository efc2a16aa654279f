"""The analyst API: typed DataFrames from SPARQL, coverage, adoption, resources, topics."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cradle import Catalogue
from cradle.core.errors import (
    InvalidCoverage,
    InvalidSearch,
    NotBuilt,
    QuerySyntaxError,
    UnknownArea,
)
from cradle.core.settings import QUERIES_DIR
from tests.support import fake_settings, indexed_copy

BOROUGHS = {"Bolton", "Bury", "Manchester", "Oldham", "Rochdale", "Salford", "Stockport"}
BOROUGHS |= {"Tameside", "Trafford", "Wigan"}
SEARCH_COLUMNS = ["rank", "id", "title", "score", "dense", "keyword", "why", "thesaurus"]
SEARCH_COLUMNS += ["localities", "topics", "format", "audience", "status", "kind", "publisher"]
SEARCH_COLUMNS += ["summary", "uri", "close", "tier"]


@pytest.fixture(scope="module")
def kg(graph_dir: Path) -> Catalogue:
    return Catalogue.open(graph_dir)


def test_import_cradle_stays_light_and_graph_work_never_imports_torch(graph_dir: Path) -> None:
    code = (
        "import sys, cradle\n"
        "assert 'pandas' not in sys.modules, 'import cradle pulled in pandas'\n"
        "from cradle import Catalogue\n"
        f"kg = Catalogue.open({str(graph_dir)!r})\n"
        "kg.coverage(); kg.resources(); kg.sparql('ASK { ?s ?p ?o }')\n"
        "heavy = {'torch', 'faiss', 'sentence_transformers'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("sub", ["", "missing"])
def test_open_an_unbuilt_dir_says_to_run_cradle_build(tmp_path: Path, sub: str) -> None:
    with pytest.raises(NotBuilt, match="cradle build"):
        Catalogue.open(tmp_path / sub)


def test_sparql_keeps_the_endpoints_rules(graph_dir: Path) -> None:
    from cradle.core.errors import QueryRefused, QueryTimeout
    from cradle.core.settings import Settings

    kg = Catalogue.open(graph_dir, Settings(data_dir=graph_dir, query_timeout=1))
    try:
        with pytest.raises(QueryRefused, match="SERVICE"):
            kg.sparql("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            kg.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        assert time.monotonic() - started < 30
        assert kg.sparql("ASK { ?s ?p ?o }") is True  # a new worker after the stopped one
        kg.close()
        kg.close()  # twice is fine
        assert kg.sparql("ASK { ?s ?p ?o }") is True  # and the next call starts one again
    finally:
        kg.close()


def test_select_columns_are_typed(kg: Catalogue) -> None:
    df = kg.sparql(
        """SELECT ?r ?title ?order ?reviewed ?issued ?ratio ?missing WHERE {
             ?r dcat:theme ?t ; dct:title ?title ; cradle:sourceOrder ?order ;
                cradle:topicsReviewed ?reviewed .
             OPTIONAL { ?r dct:issued ?issued }
             OPTIONAL { ?r dct:nothing ?missing }
             BIND(?order / 2.0 AS ?ratio)
           } GROUP BY ?r ?title ?order ?reviewed ?issued ?ratio ?missing ORDER BY ?order"""
    )
    assert isinstance(df, pd.DataFrame)
    assert str(df["r"].dtype) == "string" and str(df["title"].dtype) == "string"
    assert str(df["order"].dtype) == "Int64"
    assert str(df["reviewed"].dtype) == "boolean"
    assert pd.api.types.is_datetime64_any_dtype(df["issued"])
    assert df["ratio"].dtype == float
    assert df["missing"].isna().all()
    assert len(df) == 39 and df["order"].tolist() == list(range(1, 40))
    myth = df.set_index("r").loc["res:myth-of-invisible-men"]
    assert myth["issued"] == pd.Timestamp("2021-09-01")  # gYearMonth 2021-09
    assert myth["ratio"] == pytest.approx(myth["order"] / 2)


def test_counts_are_integers_and_iris_can_stay_full(kg: Catalogue) -> None:
    df = kg.sparql("SELECT (COUNT(?r) AS ?n) WHERE { ?r a dcat:Resource }")
    assert str(df["n"].dtype) == "Int64" and df["n"].iloc[0] == 39
    full = kg.sparql("SELECT ?r WHERE { ?r dct:identifier 'lullaby-trust-safer-sleep' }", False)
    assert full["r"].tolist() == ["https://w3id.org/cradle/resource/lullaby-trust-safer-sleep"]


def test_a_column_mixing_iris_and_literals_is_text(kg: Catalogue) -> None:
    df = kg.sparql("SELECT ?o WHERE { res:icon-babies-cry-you-can-cope ?p ?o }")
    assert str(df["o"].dtype) == "string"
    assert {"loc:wigan", "ICON Babies cry, you can cope Programme", "2"} <= set(df["o"])


def test_ask_gives_a_bool_and_construct_gives_triples(kg: Catalogue) -> None:
    assert kg.sparql("ASK { res:family-nurse-partnership cradle:adoptedIn loc:oldham }") is True
    assert kg.sparql("ASK { res:family-nurse-partnership cradle:adoptedIn loc:bury }") is False
    triples = kg.sparql(
        "CONSTRUCT { ?r cradle:adoptedIn ?b } WHERE { res:family-nurse-partnership "
        "cradle:adoptedIn ?b . BIND(res:family-nurse-partnership AS ?r) }"
    )
    assert isinstance(triples, pd.DataFrame) and list(triples.columns) == ["s", "p", "o"]
    assert sorted(triples["o"]) == ["loc:oldham", "loc:salford", "loc:stockport"]


def test_a_bad_query_raises_a_syntax_error(kg: Catalogue) -> None:
    with pytest.raises(QuerySyntaxError):
        kg.sparql("SELECT ?x WHERE { ?x")


@pytest.mark.parametrize("path", sorted(QUERIES_DIR.glob("*.rq")), ids=lambda p: p.stem)
def test_every_analyst_query_gives_a_frame(kg: Catalogue, path: Path) -> None:
    df = kg.sparql(path.read_text(encoding="utf-8"))
    assert isinstance(df, pd.DataFrame) and len(df) > 0


def test_resources_one_row_each_with_lists(kg: Catalogue) -> None:
    res = kg.resources()
    assert len(res) == 39 and res.index.is_unique
    icon = res.loc["icon-babies-cry-you-can-cope"]
    assert len(icon["adopted_in"]) == 8 and "Wigan" in icon["adopted_in"]
    assert "Infant crying" in icon["topics"]
    assert all(len(t) > 0 for t in res["topics"])
    assert set(res["status"]) == {"Available", "Awaiting information", "In development"}
    rochdale = res.loc["rochdale-coping-with-infant-crying-guidance"]
    assert rochdale["expected"] == pd.Timestamp("2021-12-01")


def test_topics_carry_hierarchy_and_synonyms(kg: Catalogue) -> None:
    topics = kg.topics()
    assert topics.at["co-sleeping", "broader_id"] == "safer-sleep"
    assert topics.at["co-sleeping", "branch"] == "Infant safety"
    assert topics.at["co-sleeping", "depth"] == 2
    assert "bed sharing" in topics.at["co-sleeping", "synonyms"]
    assert "SIDS" in topics.at["sudden-infant-death", "hidden"]
    assert (topics["synonyms"].map(len) > 0).sum() >= 15
    assert str(topics["resources"].dtype) == "Int64"


def test_coverage_keeps_zeros_for_boroughs_without_entries(kg: Catalogue) -> None:
    own = kg.coverage(include_adopted=False)
    assert set(own.index) == BOROUGHS
    assert set(own.columns) == set(kg.topics()["label"])
    assert all(dtype == "int64" for dtype in own.dtypes)
    for borough in ("Bury", "Trafford", "Wigan"):
        assert own.loc[borough].sum() == 0
    assert own.loc["Manchester"].sum() > 0


def test_coverage_counts_adopted_programmes(kg: Catalogue) -> None:
    own = kg.coverage(status="all", include_adopted=False, include_narrower=False)
    both = kg.coverage(status="all", include_narrower=False)
    assert both.loc["Bury"].sum() == 0  # adopts nothing either
    for borough in ("Trafford", "Wigan"):  # ICON adopters
        assert both.at[borough, "Infant crying"] == 1
    res = kg.resources()
    for borough in BOROUGHS:  # cross-check against the per-resource lists
        mine = res[(res["section"] == borough) | res["adopted_in"].map(lambda a, b=borough: b in a)]
        expected = pd.Series([t for ts in mine["topics"] for t in ts]).value_counts()
        row = both.loc[borough]
        assert row[row > 0].sort_index().to_dict() == expected.sort_index().to_dict()
        assert (own.loc[borough] <= row).all()


def test_coverage_rolls_up_narrower_topics_and_adds_national(kg: Catalogue) -> None:
    direct = kg.coverage(include_narrower=False)
    rolled = kg.coverage()
    assert (rolled >= direct).all().all()
    assert rolled.at["Trafford", "Supporting parents"] >= direct.at["Trafford", "Infant crying"]
    national = kg.coverage(include_national=True)
    res = kg.resources()
    wide = res[res["section"].isin(["England", "Greater Manchester"])]
    safer = int(wide["topics"].map(lambda ts: "Safer sleep" in ts).sum())
    assert national.at["Bury", "Safer sleep"] == safer > 0


def test_coverage_counts_available_resources_unless_asked(kg: Catalogue) -> None:
    available = kg.coverage(include_narrower=False)
    every = kg.coverage(status="all", include_narrower=False)
    assert (available <= every).all().all() and available.to_numpy().sum() < every.to_numpy().sum()
    res = kg.resources()
    pending = res[(res["section"] == "Salford") & (res["status"] != "Available")]
    assert len(pending) > 0  # Salford's training in development counts under "all" only
    assert kg.coverage(status="in-development").to_numpy().sum() > 0


def test_coverage_within_an_area(kg: Catalogue) -> None:
    gm = kg.coverage()
    assert kg.coverage(within="greater-manchester").equals(gm)
    north_west = kg.coverage(within="north-west")  # every North West authority is a row
    assert len(north_west) == 24 and north_west.loc[gm.index].equals(gm)
    assert len(kg.coverage(within="england")) == 153
    assert list(kg.coverage(within="bolton").index) == ["Bolton"]
    with pytest.raises(UnknownArea, match="no area"):
        kg.coverage(within="atlantis")
    with pytest.raises(InvalidCoverage, match="unknown status"):
        kg.coverage(status="lost")


def test_adoption_table(kg: Catalogue) -> None:
    table = kg.adoption()
    assert set(table.index) == BOROUGHS
    assert table.sum().sort_values().tolist() == [3, 8]
    fnp = table[[c for c in table.columns if "Family Nurse" in c][0]]
    assert set(fnp[fnp].index) == {"Oldham", "Salford", "Stockport"}


@pytest.fixture(scope="module")
def indexed(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """A catalogue whose data dir also holds a search index (fake embedder: no model)."""
    out = tmp_path_factory.mktemp("api-search")
    fake = fake_settings(out)
    indexed_copy(graph_dir, out, fake)
    return Catalogue.open(settings=fake)


def test_search_gives_a_typed_ranked_frame(indexed: Catalogue) -> None:
    hits = indexed.search("safe sleep for babies", k=5)
    assert list(hits.columns) == SEARCH_COLUMNS
    assert hits["rank"].tolist() == [1, 2, 3, 4, 5]
    assert hits["score"].is_monotonic_decreasing and hits["score"].dtype == float
    assert str(hits["title"].dtype) == "string" and str(hits["rank"].dtype) == "Int64"
    assert all(isinstance(v, list) for v in hits["topics"])
    assert str(hits["tier"].dtype) == "Int64" and hits["tier"].is_monotonic_increasing
    assert (hits["close"] == (hits["tier"] < 3)).all()
    assert hits["why"].str.len().min() > 0
    assert hits.attrs == {"query": "safe sleep for babies", "truncated": False}


def test_a_search_with_no_hits_gives_the_same_column_types(indexed: Catalogue) -> None:
    some = indexed.search("babies", k=5)
    none = indexed.search("babies", k=100, locality="bury", national=False)
    assert none.empty and list(none.columns) == list(some.columns)
    assert none.dtypes.astype(str).to_dict() == some.dtypes.astype(str).to_dict()


def test_search_filters_are_exact(indexed: Catalogue) -> None:
    res = indexed.resources()
    own = indexed.search("babies", k=100, locality="bolton", national=False)
    assert set(own["id"]) == set(res.index[res["section"] == "Bolton"])
    assert indexed.search("babies", k=100, locality="bury", national=False).empty
    pdf = indexed.search("babies", k=100, format="pdf")
    assert set(pdf["format"]) == {"pdf"} and len(pdf) == (res["format"] == "PDF").sum()


def test_search_place_filter_follows_the_hierarchy(indexed: Catalogue) -> None:
    model = indexed.model
    inside = set(model.below("locality", "north-west"))
    assert {"greater-manchester", "bolton"} <= inside and "england" not in inside
    expected = {
        r.id
        for r in model.resources.values()
        if r.locality in inside or inside.intersection(r.adopted_in)
    }
    found = indexed.search("babies", k=100, locality="north-west", national=False)
    assert set(found["id"]) == expected
    wider = indexed.search("babies", k=100, locality="bolton")  # its areas' resources too
    areas = {
        r.id for r in model.resources.values() if r.locality in model.above("locality", "bolton")
    }
    assert areas <= set(wider["id"])


def test_search_rejects_a_blank_query(indexed: Catalogue) -> None:
    with pytest.raises(InvalidSearch):
        indexed.search("   ")


def test_search_without_an_index_says_to_build(kg: Catalogue) -> None:
    with pytest.raises(NotBuilt, match="cradle build"):
        kg.search("safe sleep")


def test_embeddings_one_unit_row_per_resource(indexed: Catalogue) -> None:
    vectors = indexed.embeddings()
    assert set(vectors.index) == set(indexed.resources().index)
    norms = (vectors.to_numpy() ** 2).sum(axis=1) ** 0.5
    assert norms == pytest.approx([1.0] * len(vectors), abs=1e-5)
