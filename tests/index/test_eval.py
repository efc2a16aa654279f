"""Evaluation metrics on tiny hand-made rankings, and the queries file format."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from cradle.core.errors import InvalidQueries
from cradle.index.evaluate import load_queries, metrics


def test_metrics_of_a_hand_made_ranking() -> None:
    m = metrics(["A", "B", "C"], {"A": 2, "C": 1, "D": 1})
    dcg = 2 + 1 / math.log2(4)
    idcg = 2 + 1 / math.log2(3) + 1 / math.log2(4)
    assert m["nDCG@10"] == pytest.approx(dcg / idcg)
    assert m["MRR@10"] == 1.0 and m["P@1"] == 1.0
    assert m["Recall@10"] == pytest.approx(2 / 3)


def test_first_hit_late_and_nothing_found() -> None:
    m = metrics(["X", "Y", "B"], {"B": 1})
    assert m["MRR@10"] == pytest.approx(1 / 3) and m["P@1"] == 0.0
    assert m["nDCG@10"] == pytest.approx(1 / math.log2(4))
    none = metrics(["X"] * 10 + ["B"], {"B": 2})
    assert none == {"nDCG@10": 0.0, "MRR@10": 0.0, "Recall@10": 0.0, "P@1": 0.0}


def test_titles_match_after_whitespace_normalisation(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text(json.dumps([{"query": "q", "relevant": {"Safe  sleep\nvideo ": 2}}]))
    (judged,) = load_queries(path)
    assert metrics(["Safe sleep video"], judged.relevant)["nDCG@10"] == 1.0


@pytest.mark.parametrize("content", ["not json", '{"query": "x"}', '[{"query": "x"}]'])
def test_malformed_queries_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "q.json"
    path.write_text(content)
    with pytest.raises(InvalidQueries, match="q.json"):
        load_queries(path)
