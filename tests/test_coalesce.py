"""Overlapping one-text embeddings are batched, each caller gets its own text's vector, errors
reach every caller of the failed batch, and a lone call runs at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

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
        first = pool.submit(c, texts[0])
        assert emb.entered.wait(10)  # the first call is embedding; the others queue behind it
        rest = [pool.submit(c, t) for t in texts[1:]]
        while len(c._queue) < 8:
            threading.Event().wait(0.01)
        emb.release.set()
        got = [first.result(10), *(f.result(10) for f in rest)]
    for text, vec in zip(texts, got, strict=True):
        np.testing.assert_array_equal(vec, [len(text), ord(text[0])])
    assert emb.calls[0] == ["first"] and sorted(emb.calls[1]) == sorted(texts[1:])
    assert c.batches == 2


def test_batches_are_capped() -> None:
    emb = SlowEmbedder()
    c = Coalescer(emb, max_batch=3)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(c, "x")
        assert emb.entered.wait(10)
        rest = [pool.submit(c, f"t{i}") for i in range(7)]
        while len(c._queue) < 7:
            threading.Event().wait(0.01)
        emb.release.set()
        assert [f.result(10)[0] for f in rest] == [2.0] * 7 and first.result(10)[0] == 1.0
    assert [len(b) for b in emb.calls] == [1, 3, 3, 1]


def test_an_error_reaches_the_callers_of_that_batch_only() -> None:
    emb = SlowEmbedder()
    c = Coalescer(emb, max_batch=2)
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(c, "ok")
        assert emb.entered.wait(10)
        bad = pool.submit(c, "boom")
        while len(c._queue) < 1:
            threading.Event().wait(0.01)
        later = pool.submit(c, "fine")
        while len(c._queue) < 2:
            threading.Event().wait(0.01)
        emb.release.set()
        with pytest.raises(ValueError, match="bad text"):
            bad.result(10)
        assert first.result(10)[0] == 2.0
    # "fine" shared the failed batch (max 2: "boom", "fine") and gets its error too
    with pytest.raises(ValueError):
        later.result(10)
    emb.calls.clear()
    assert c("again")[0] == 5.0  # the coalescer still works after a failed batch
