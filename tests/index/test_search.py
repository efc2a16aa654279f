"""Search behaviour with the fake embedder: exact filters, hierarchies, explanations, bad input."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from cradle.core.datadir import Version
from cradle.core.errors import InvalidSearch
from cradle.index import rank
from cradle.index.search import Searcher, open_searcher
from tests.support import CATALOGUE, FAKE, GM_BOROUGHS, HIT_KEYS, indexed_copy


@pytest.fixture(scope="module")
def data_dir(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("search")
    indexed_copy(graph_dir, out)
    return out


@pytest.fixture(scope="module")
def searcher(data_dir: Path) -> Searcher:
    return open_searcher(data_dir, FAKE)


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["resources"]


def ids(searcher: Searcher, query: str = "babies", **filters: object) -> set[str]:
    return {h.id for h in searcher.search(query, k=100, **filters).results}  # type: ignore[arg-type]


def test_response_shape_and_json_safety(searcher: Searcher) -> None:
    out = searcher.search("safe sleep video", k=5).to_dict()
    assert out["query"] == "safe sleep video" and out["truncated"] is False
    assert len(out["results"]) == 5
    for hit in out["results"]:
        assert set(hit) >= HIT_KEYS
        assert {"dense", "keyword", "terms", "thesaurus", "topics", "text"} <= set(hit["why"])
    json.dumps(out, allow_nan=False)
    scores = [h["score"] for h in out["results"]]
    assert scores == sorted(scores, reverse=True)


def test_thesaurus_synonym_finds_the_concept(searcher: Searcher) -> None:
    hits = searcher.search("shaken baby", k=3).results
    assert any("abusive-head-trauma" in h.topics for h in hits[:2])
    assert any("shaken baby -> Abusive head trauma" in t for t in hits[0].why.thesaurus)


def test_format_word_boosts_that_format(searcher: Searcher, entries: list[dict]) -> None:
    videos = {e["id"] for e in entries if e["format"] == "youtube-video"}
    top = [h.id for h in searcher.search("safe sleep video", k=len(videos)).results]
    assert set(top) == videos
    assert searcher.search("safe sleep video", k=1).results[0].why.format


def test_place_named_in_query_boosts_its_resources(searcher: Searcher, entries: list[dict]) -> None:
    bolton = {e["id"] for e in entries if e["locality"] == "bolton"}
    top = searcher.search("safe sleep in Bolton", k=3).results
    assert top[0].id in bolton and top[0].why.locality == "Bolton"


def test_filters_are_exact(searcher: Searcher, entries: list[dict]) -> None:
    for facet, field in (("format", "format"), ("status", "status")):
        for value in {e[field] for e in entries}:
            want = {e["id"] for e in entries if e[field] == value}
            assert ids(searcher, **{facet: value}) == want
    want = {e["id"] for e in entries if "parents" in e.get("audience", [])}
    assert ids(searcher, audience="parents") == want


FILTER_CASES = [
    ("lullaby trust guidance", {"status": "in-development"}, True),
    ("safe sleep video in Bolton", {}, True),
    ("fathers", {"locality": "oldham"}, False),
    ("crying baby", {"format": "word"}, True),
]


def _scored(searcher: Searcher, q: str, filters: dict, national: bool, k: int) -> rank.Scored:
    asked = searcher.read(q)
    eligible = searcher.reader.eligible(filters, national)
    qvec = searcher.embed_query(asked.text)
    return rank.score(searcher.index, qvec, asked.tokens, asked.u, eligible, searcher.weights, k)


def _best(s: rank.Scored, n: int) -> list[int]:
    return [
        int(s.idx[j]) for j in sorted(range(len(s.idx)), key=lambda j: (-s.total[j], s.idx[j]))
    ][:n]


def test_candidates_above_the_exact_limit(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above EXACT_LIMIT, a flat index's candidates are the CANDIDATES best totals of a full
    scan; an approximate (HNSW) index's windows and bound keep the best k of a full scan."""
    full = [_scored(searcher, q, f, national, 5) for q, f, national in FILTER_CASES]
    monkeypatch.setattr(rank, "EXACT_LIMIT", 0)
    monkeypatch.setattr(rank, "CANDIDATES", 8)
    for (q, f, national), whole in zip(FILTER_CASES, full, strict=True):
        flat = _scored(searcher, q, f, national, 5)
        want = _best(whole, 8)
        assert set(want) <= set(flat.idx.tolist()) <= set(whole.idx.tolist())
        assert _best(flat, 5) == want[:5]
    monkeypatch.setitem(searcher.index.manifest, "dense_index", "hnsw")
    monkeypatch.setattr(rank, "WINDOW", 2)
    for sampled in (False, True):
        if sampled:  # the keyword window's cut-off from a sample
            monkeypatch.setattr(rank, "SAMPLED_FROM", 0)
            monkeypatch.setattr(rank, "SAMPLE", 4)
        for (q, f, national), whole in zip(FILTER_CASES, full, strict=True):
            assert _best(_scored(searcher, q, f, national, 5), 5) == _best(whole, 5)


def test_filter_beyond_any_candidate_window(searcher: Searcher, entries: list[dict]) -> None:
    want = {e["id"] for e in entries if e["status"] == "in-development"}
    got = searcher.search("lullaby trust guidance", k=100, status="in-development").results
    assert {h.id for h in got} == want


def test_topic_filter_includes_narrower(searcher: Searcher, entries: list[dict]) -> None:
    narrower = {"safer-sleep", "co-sleeping", "accident-prevention", "infant-safety"}
    want = {e["id"] for e in entries if narrower & set(e.get("topics", []))}
    got = ids(searcher, topic="infant-safety")
    assert got == want
    assert any("infant-safety" not in e.get("topics", []) for e in entries if e["id"] in got)


def test_locality_hierarchy_and_national(searcher: Searcher, entries: list[dict]) -> None:
    gm = {"greater-manchester", *GM_BOROUGHS}

    def place(e: dict) -> set[str]:
        return {e["locality"], *e.get("adopted_in", [])}

    within_gm = {e["id"] for e in entries if place(e) & gm}
    national = {e["id"] for e in entries if e["locality"] == "england"}
    assert ids(searcher, locality="greater-manchester", national=False) == within_gm
    assert ids(searcher, locality="greater-manchester") == within_gm | national
    oldham = {e["id"] for e in entries if "oldham" in place(e)}
    assert ids(searcher, locality="Oldham", national=False) == oldham
    wider = {e["id"] for e in entries if e["locality"] in ("greater-manchester", "england")}
    assert ids(searcher, locality="oldham") == oldham | wider
    assert ids(searcher, national=False) == {e["id"] for e in entries} - national


def test_labels_accepted_and_unknown_values_listed(searcher: Searcher) -> None:
    assert ids(searcher, format="PowerPoint") == ids(searcher, format="powerpoint")
    with pytest.raises(InvalidSearch, match="valid locality values: .*oldham"):
        searcher.search("x", locality="narnia")
    with pytest.raises(InvalidSearch, match="valid topic values"):
        searcher.search("x", topic="astrology")


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_blank_query_is_refused(searcher: Searcher, query: str) -> None:
    with pytest.raises(InvalidSearch, match="empty"):
        searcher.search(query)


@pytest.mark.parametrize("k", [0, -1, 101])
def test_k_out_of_range_is_refused(searcher: Searcher, k: int) -> None:
    with pytest.raises(InvalidSearch, match="k must be between 1 and 100"):
        searcher.search("safe sleep", k=k)


def test_long_query_is_truncated_and_says_so(searcher: Searcher) -> None:
    out = searcher.search("safe sleep " * 200, k=3).to_dict()
    assert out["truncated"] is True and len(out["query"].split()) == 64
    assert out["results"]


def test_concurrent_searches_agree(searcher: Searcher) -> None:
    queries = ["safe sleep", "crying baby", "domestic abuse", "fathers", "lockdown"] * 8
    serial = [searcher.search(q).to_dict() for q in queries]
    with ThreadPoolExecutor(8) as pool:
        parallel = list(pool.map(lambda q: searcher.search(q).to_dict(), queries))
    assert parallel == serial


def test_related_facets_and_info(searcher: Searcher, data_dir: Path) -> None:
    first = searcher.index.resources[0]
    related = searcher.related(first.uri, k=5)
    assert len(related) == 5 and first.uri not in {h.uri for h in related}
    values = searcher.facet_values()
    assert {"id": "oldham", "label": "Oldham"} in values["locality"]
    assert set(values) == {"locality", "topic", "format", "audience", "status"}
    manifest = Version.at(data_dir).index_manifest()
    info = searcher.info()
    assert info["index_sha256"] == manifest["index_sha256"] and info["count"] == 39
    assert info["queries"] == "hashing"
    with pytest.raises(InvalidSearch):
        searcher.related("https://w3id.org/cradle/resource/nope")


def test_places_the_catalogue_has_nothing_for_are_not_read_as_words(searcher: Searcher) -> None:
    # England's other authorities are places of the graph (for coverage); "reading" is a word
    assert not searcher.reader.understand("reading to your baby").localities
    assert not searcher.reader.understand("easy read leaflets for harrow parents").localities
    assert list(searcher.reader.understand("safer sleep in Bury").localities) == ["bury"]
    assert list(searcher.reader.understand("support in London").localities) == ["london"]


def test_place_boost_follows_the_hierarchy(searcher: Searcher, entries: list[dict]) -> None:
    u = searcher.reader.understand("safe sleep in Oldham")
    assert list(u.localities) == ["oldham"]
    _, place, _ = rank.boosts(searcher.index, u)
    by_id = {r.id: float(v) for r, v in zip(searcher.index.resources, place, strict=True)}
    for e in entries:
        where = {e["locality"], *e.get("adopted_in", [])}
        want = 1.0 if "oldham" in where else 0.5 if e["locality"] == "greater-manchester" else 0.0
        assert by_id[e["id"]] == want, e["id"]
    gm = searcher.reader.understand("policies across Greater Manchester")
    _, place, _ = rank.boosts(searcher.index, gm)
    boroughs = {r.id for r, v in zip(searcher.index.resources, place, strict=True) if v == 1.0}
    assert {e["id"] for e in entries if e["locality"] == "bolton"} <= boroughs
