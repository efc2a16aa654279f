"""Searches answered by a process of their own (:mod:`cradle.index.process`): the same answers
and errors as the searcher in process, a process that ends is replaced, one past its deadline
is killed, and closing ends it."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cradle.core.datadir import DataDir, Version
from cradle.core.errors import InvalidSearch, ModelNotFound, SearchStopped
from cradle.index import process as process_module
from cradle.index.hit import plain
from cradle.index.process import SearchProcess
from cradle.index.search import open_searcher
from tests.support import fake_settings


def alive(pid: int) -> bool:
    """Whether any thread of process ``pid`` is still running (a killed process with several
    threads shows as a zombie before its last thread has exited and it can be reaped)."""
    states = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            states.append((task / "stat").read_text().split(") ", 1)[1][0])
        except (OSError, IndexError):
            continue
    return any(state not in "ZX" for state in states)


def gone(pid: int, within: float = 10.0) -> bool:
    """Whether process ``pid`` has ended within ``within`` seconds."""
    end = time.monotonic() + within
    while alive(pid) and time.monotonic() < end:
        time.sleep(0.02)
    return not alive(pid)


@contextlib.contextmanager
def stopped(answering: SearchProcess) -> Iterator[None]:
    """The child stopped (SIGSTOP) while the block runs: what is submitted meanwhile waits."""
    pid = answering.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@pytest.fixture(scope="module")
def version(data_dir: Path) -> Version:
    return DataDir(data_dir).open()


@pytest.fixture(scope="module")
def answering(version: Version, data_dir: Path) -> Iterator[SearchProcess]:
    found = SearchProcess(version, fake_settings(data_dir))
    yield found
    found.close()


QUESTIONS = [
    ("safe sleep for twins", {}),
    ("my baby will not stop crying", {"locality": "wigan"}),
    ("something for dads", {"status": "available"}),
    ("cot deth leaflet", {}),  # corrected before searching
    ("baby", {"topic": "safer-sleep", "format": None}),
]


@pytest.mark.parametrize(("query", "filters"), QUESTIONS)
def test_answers_are_those_of_the_searcher_in_process(
    answering: SearchProcess, version: Version, data_dir: Path, query: str, filters: dict
) -> None:
    here = open_searcher(version, fake_settings(data_dir))
    there = answering.submit(query, 10, filters).result(timeout=60)
    assert plain(there) == plain(here.search_filtered(query, 10, filters))
    assert there.results


def test_a_domain_error_reaches_the_caller_as_raised_and_the_process_goes_on(
    answering: SearchProcess,
) -> None:
    pid = answering.pid
    with pytest.raises(InvalidSearch, match="unknown locality 'atlantis'"):
        answering.submit("cots", 5, {"locality": "atlantis"}).result(timeout=60)
    assert answering.submit("cots", 3).result(timeout=60).results
    assert answering.pid == pid


def test_info_is_the_child_searchers(answering: SearchProcess, version: Version) -> None:
    info = answering.info()
    assert info["queries"] == "hashing"
    assert info["graph_sha256"] == version.graph_manifest()["graph_sha256"]


def test_a_process_that_ended_while_idle_is_replaced_before_the_next_search(
    answering: SearchProcess,
) -> None:
    old = answering.pid
    assert old is not None and old != os.getpid()
    os.kill(old, signal.SIGKILL)
    assert gone(old)
    assert answering.submit("crying", 3).result(timeout=60).results
    assert answering.pid not in (None, old)


def test_a_search_past_its_deadline_is_stopped_with_its_process(
    answering: SearchProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = answering.pid
    assert old is not None
    monkeypatch.setattr(process_module, "DEADLINE", 0.5)
    os.kill(old, signal.SIGSTOP)  # a child that never answers
    futures = [answering.submit("safe sleep", 5) for _ in range(process_module.IN_FLIGHT + 1)]
    sent, queued = futures[:-1], futures[-1]
    for future in sent:  # the search it was on, and the one sent behind it
        with pytest.raises(SearchStopped, match="took too long"):
            future.result(timeout=30)
    assert queued.result(timeout=60).results  # not sent yet: answered by the next child
    assert gone(old)
    assert answering.pid not in (None, old)


def test_a_flood_of_long_questions_to_a_stuck_child_never_blocks_the_caller(
    answering: SearchProcess,
) -> None:
    with stopped(answering):
        started = time.monotonic()
        # 4 MB of questions: far more than a pipe holds, were they all written to it
        futures = [answering.submit("cot " * 1000, 3) for _ in range(1000)]
        assert time.monotonic() - started < 5
    assert all(f.result(timeout=120).query for f in futures[-3:])


def test_clients_take_turns_so_one_with_many_questions_never_holds_up_another(
    answering: SearchProcess,
) -> None:
    order: list[str] = []
    with stopped(answering):  # everything waits until all are queued
        many = [answering.submit(f"crying {n}", 3, client="10.0.0.1") for n in range(12)]
        one = answering.submit("safe sleep", 3, client="10.0.0.2")
        for future, who in [*((f, "many") for f in many), (one, "one")]:
            future.add_done_callback(lambda _, who=who: order.append(who))
    assert one.result(timeout=60).query == "safe sleep"
    assert all(f.result(timeout=60) for f in many)
    # two of the first client's were already in the pipe; then it is the other client's turn
    assert order.index("one") <= 3, order


def test_a_dropped_search_is_never_sent_and_one_already_sent_is_dropped_quietly(
    answering: SearchProcess,
) -> None:
    with stopped(answering):
        sent = [answering.submit(f"cots {n}", 3) for n in range(2)]  # in the pipe at once
        waiting = answering.submit("crying", 3)
        answering.drop(waiting, InvalidSearch("gone"))
        answering.drop(sent[0], InvalidSearch("gone"))
    with pytest.raises(InvalidSearch, match="gone"):
        waiting.result(timeout=30)
    with pytest.raises(InvalidSearch, match="gone"):
        sent[0].result(timeout=30)  # its answer came, and was dropped
    assert sent[1].result(timeout=30).query == "cots 1"
    assert answering.submit("sling", 3).result(timeout=30).query == "sling"  # and it goes on


def test_searches_sent_together_are_answered_each_its_own(answering: SearchProcess) -> None:
    questions = ["cots", "crying", "dads", "bath seat", "sling"]
    futures = [answering.submit(q, 3) for q in questions]
    assert [f.result(timeout=30).query for f in futures] == questions


def test_an_index_the_child_cannot_open_raises_what_opening_raised(
    version: Version, data_dir: Path
) -> None:
    settings = fake_settings(data_dir, embedder="sentence-transformers", model="no-such-model")
    with pytest.raises(ModelNotFound):
        SearchProcess(version, settings)


def test_closing_ends_the_process(version: Version, data_dir: Path) -> None:
    found = SearchProcess(version, fake_settings(data_dir))
    pid = found.pid
    assert pid is not None and alive(pid)
    found.close()
    assert gone(pid)
    assert found.pid is None
