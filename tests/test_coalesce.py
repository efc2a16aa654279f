"""Overlapping one-text embeddings are batched, each caller gets its own text's vector, errors
reach every caller of the failed batch, and a lone call runs at once."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pytest

from cradle.index.coalesce import Coalescer


class SlowEmbedder:
    """Vector = [len(text), first char code]; the first call blocks until released."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.release = threading.Event()
        self.entered = threading.Event()

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        self.entered.set()
        self.release.wait(10)
        if any(t == "boom" for t in texts):
            raise ValueError("bad text")
        return np.array([[len(t), ord(t[0])] for t in texts], dtype=np.float32)


def _queued(c: Coalescer, emb: SlowEmbedder, pool: ThreadPoolExecutor, first: str,
            others: list[str]) -> tuple[Future, list[Future]]:  # fmt: skip
    """Start ``first`` (it blocks in the model), then queue ``others`` behind it in order."""
    lead = pool.submit(c, first)
    assert emb.entered.wait(10)
    queued = []
    for n, text in enumerate(others, 1):
        queued.append(pool.submit(c, text))
        while len(c._queue) < n:
            threading.Event().wait(0.005)
    return lead, queued


def test_a_lone_call_is_a_batch_of_one() -> None:
    emb = SlowEmbedder()
    emb.release.set()
    c = Coalescer(emb)
    np.testing.assert_array_equal(c("abc"), [3, ord("a")])
    assert emb.calls == [["abc"]] and c.batches == 1


def test_calls_waiting_behind_a_batch_go_together_and_get_their_own_vectors() -> None:
    emb = SlowEmbedder()
    c = Coalescer(emb, max_batch=16)
    texts = ["first", *(f"{chr(97 + i)}{'x' * i}" for i in range(8))]
    with ThreadPoolExecutor(9) as pool:
        first, rest = _queued(c, emb, pool, texts[0], texts[1:])
        emb.release.set()
        got = [first.result(10), *(f.result(10) for f in rest)]
    for text, vec in zip(texts, got, strict=True):
        np.testing.assert_array_equal(vec, [len(text), ord(text[0])])
    assert emb.calls == [["first"], texts[1:]] and c.batches == 2


def test_with_two_lanes_two_batches_run_at_once() -> None:
    emb = SlowEmbedder()
    c = Coalescer(emb, lanes=2)
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(c, "a")
        assert emb.entered.wait(10)
        second = pool.submit(c, "bb")  # a lane is free: it runs now, not after "a"
        while len(emb.calls) < 2:
            threading.Event().wait(0.005)
        third = pool.submit(c, "ccc")  # both lanes busy: it queues
        while len(c._queue) < 1:
            threading.Event().wait(0.005)
        emb.release.set()
        assert [f.result(10)[0] for f in (first, second, third)] == [1.0, 2.0, 3.0]
    assert emb.calls[:2] == [["a"], ["bb"]] and emb.calls[2] == ["ccc"]


def test_batches_are_capped() -> None:
    emb = SlowEmbedder()
    c = Coalescer(emb, max_batch=3)
    with ThreadPoolExecutor(8) as pool:
        first, rest = _queued(c, emb, pool, "x", [f"t{i}" for i in range(7)])
        emb.release.set()
        assert [f.result(10)[0] for f in rest] == [2.0] * 7 and first.result(10)[0] == 1.0
    assert [len(b) for b in emb.calls] == [1, 3, 3, 1]


def test_an_error_reaches_the_callers_of_that_batch_only() -> None:
    emb = SlowEmbedder()
    c = Coalescer(emb, max_batch=2)
    with ThreadPoolExecutor(3) as pool:
        first, (bad, later) = _queued(c, emb, pool, "ok", ["boom", "fine"])
        emb.release.set()
        with pytest.raises(ValueError, match="bad text"):
            bad.result(10)
        assert first.result(10)[0] == 2.0
        # "fine" shared the failed batch (max 2: "boom", "fine") and gets its error too
        with pytest.raises(ValueError):
            later.result(10)
    emb.calls.clear()
    assert c("again")[0] == 5.0  # the coalescer still works after a failed batch
