"""Places agree with coverage (issue 22): search counts a place's resources by coverage's own
rule (cradle.graph.read.coverage.belongs); the Wigan safer-sleep case; place notes say which kind
they show."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cradle.graph.read.coverage import cell_resources, coverage
from cradle.index.close import NATIONAL, OWN, WIDE, relations
from cradle.index.search import Searcher
from cradle.service.graphdata import GraphData

COUNTED = (OWN, WIDE, NATIONAL)


@pytest.fixture(scope="module")
def data(client: TestClient) -> GraphData:
    found: GraphData = client.app.state.runtime.graph_data  # type: ignore[attr-defined]
    return found


def test_every_place_and_topic_agrees_with_its_coverage_cell(
    searcher: Searcher, data: GraphData
) -> None:
    matrix = coverage(data, None, "available")
    checked = 0
    for place in matrix.localities:
        codes = relations(searcher.index, place.id)
        for topic, _ in matrix.topics:
            cell = cell_resources(data, place.id, topic.id, "available")
            want = {r.id for rs in cell.values() for r in rs}
            found = searcher.search(
                topic.label, k=100, locality=place.id, topic=topic.id, status="available"
            ).results
            counted = {h.id for h in found if codes[_number(searcher, h.id)] in COUNTED}
            assert counted == want, (place.id, topic.id)
            close = {h.id for h in found if h.close}
            assert close <= want, (place.id, topic.id)  # nothing close that coverage leaves out
            answer = searcher.search(topic.label, k=10, locality=place.id)
            none_of_its_own = not (cell["own"] or cell["adopted"])
            said = (
                answer.place_note is not None and "no resource of its own on" in answer.place_note
            )
            assert said == none_of_its_own, (place.id, topic.id, answer.place_note)
            checked += 1
    assert checked >= 100


def _number(searcher: Searcher, rid: str) -> int:
    return next(i for i, r in enumerate(searcher.index.resources) if r.id == rid)


def test_wigan_safer_sleep_counts_the_greater_manchester_policy(
    searcher: Searcher, data: GraphData
) -> None:
    cell = cell_resources(data, "wigan", "safer-sleep", "available")
    assert "gm-safer-sleep-policy" in {r.id for r in cell["shared"]}
    answer = searcher.search("safer sleep", k=20, locality="wigan")
    gm = next(h for h in answer.results if h.id == "gm-safer-sleep-policy")
    assert gm.close and gm.tier == 1
    assert answer.place_note is not None
    assert "Greater Manchester-wide" in answer.place_note
    assert "showing national ones" not in answer.place_note
    place_only = searcher.search("what is available in Wigan", k=40).results
    gm = next(h for h in place_only if h.id == "gm-safer-sleep-policy")
    assert gm.why.word_share == 1.0 and gm.why.about  # Wigan's own, as coverage counts it
