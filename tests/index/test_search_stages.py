"""Issue 22, item 3: a search's stages, each tested on its own with typed inputs: retrieve and
fuse (:func:`score`) -> judge (:func:`judge`, :func:`tiers`) -> rank (:func:`ranking`) ->
present (:func:`present`), as :meth:`Searcher.search` composes them. :func:`tiers` and
:func:`ranking` on arrays: tests/index/test_practitioner.py."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from cradle.index.judge import Judged, judge, tiers
from cradle.index.present import num, present
from cradle.index.rank import Scored, score
from cradle.index.search import Asked, Searcher, ranking

QUESTION = "where should my newborn sleep at night"
TODAY = date(2026, 12, 7)


def _retrieve(
    searcher: Searcher, q: str, eligible: np.ndarray | None = None
) -> tuple[Asked, np.ndarray, Scored]:
    asked = searcher.read(q)
    if eligible is None:
        eligible = searcher.reader.eligible({}, True)
    qvec = searcher.embed_query(asked.text)
    return asked, qvec, score(searcher.index, qvec, asked.tokens, asked.u, eligible,
                              searcher.weights)  # fmt: skip


def _judge(searcher: Searcher, asked: Asked, s: Scored) -> Judged:
    named = searcher.titles.named(asked.tokens, s.idx, asked.u.place_tokens())
    return judge(searcher.index, s.idx, s.dense, asked.text, asked.u, named)


def test_score_keeps_to_the_eligible_resources(searcher: Searcher) -> None:
    eligible = np.zeros(searcher.index.size, dtype=bool)
    eligible[::3] = True
    _, _, s = _retrieve(searcher, QUESTION, eligible)
    assert len(s.idx) > 0 and eligible[s.idx].all()
    parts = (s.total, s.dense, s.keyword, s.topic, s.place, s.form, s.audience)
    assert all(len(a) == len(s.idx) for a in parts)
    assert np.isfinite(s.total).all()
    assert len(set(s.idx.tolist())) == len(s.idx)


def test_score_of_nothing_eligible_is_no_candidate(searcher: Searcher) -> None:
    _, _, s = _retrieve(searcher, QUESTION, np.zeros(searcher.index.size, dtype=bool))
    assert len(s.idx) == 0


def test_judge_reads_usability_from_the_status_and_tiers_from_it(searcher: Searcher) -> None:
    asked, _, s = _retrieve(searcher, QUESTION)
    judged = _judge(searcher, asked, s)
    statuses = [searcher.index.resources[i].status for i in s.idx.tolist()]
    assert judged.usable.tolist() == [st == "available" for st in statuses]
    assert judged.close.any() and not judged.close.all()
    assert (judged.tier == tiers(judged.close, judged.usable, judged.named)).all()
    assert all(len(a) == len(s.idx) for a in (judged.value, judged.word_share, judged.about))


def test_judge_takes_an_intervention_as_close_only_when_named(searcher: Searcher) -> None:
    """An intervention programme is close only when the question names it or the harm it
    addresses; a question about where a baby sleeps names neither."""
    asked, _, s = _retrieve(searcher, QUESTION)
    for_ = np.array([searcher.index.resources[i].intended_for for i in s.idx.tolist()])
    if not (for_ == "intervention").any():
        pytest.skip("no intervention among the candidates")
    none = np.zeros(len(s.idx), dtype=bool)
    every = np.ones(len(s.idx), dtype=bool)
    unnamed = judge(searcher.index, s.idx, s.dense, asked.text, asked.u, none)
    named = judge(searcher.index, s.idx, s.dense, asked.text, asked.u, every)
    assert not unnamed.close[for_ == "intervention"].any()
    others = for_ != "intervention"
    assert (unnamed.close[others] == named.close[others]).all()
    assert (named.tier[named.close] == 1).all()  # named: tier 1 whatever its status


def test_present_gives_the_hits_shown_in_that_order_with_their_judgement(
    searcher: Searcher,
) -> None:
    asked, qvec, s = _retrieve(searcher, QUESTION)
    judged = _judge(searcher, asked, s)
    shown = ranking(s.total, judged.tier, s.idx)[:6][::-1]  # any order is kept as given
    hits = present(searcher.index, s, judged, shown, asked.text, asked.u, qvec, asked.tokens,
                   TODAY)  # fmt: skip
    resources = [searcher.index.resources[i] for i in s.idx[shown].tolist()]
    assert [h.id for h in hits] == [r.id for r in resources]
    assert [h.status for h in hits] == [r.status for r in resources]
    assert [h.tier for h in hits] == judged.tier[shown].tolist()
    assert [h.close for h in hits] == judged.close[shown].tolist()
    assert [h.score for h in hits] == [num(t) for t in s.total[shown].tolist()]
    for h in hits:
        assert h.why.text
        if not h.close:
            assert "close in meaning" not in h.why.text
        for a, b in h.snippet_marks:
            assert h.snippet is not None and 0 <= a < b <= len(h.snippet)


def test_present_of_no_position_is_no_hit(searcher: Searcher) -> None:
    asked, qvec, s = _retrieve(searcher, QUESTION)
    judged = _judge(searcher, asked, s)
    none = np.zeros(0, dtype=np.int64)
    assert present(searcher.index, s, judged, none, asked.text, asked.u, qvec, asked.tokens,
                   TODAY) == ()  # fmt: skip
