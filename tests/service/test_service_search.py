"""GET /search: the same JSON as ``cradle search --json``, facet counts, filters, the thread pool,
non-finite scores, and search answering 503 when the server has no index."""

from __future__ import annotations

import asyncio
import io
import json
import math
import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cradle.index.hit import Hit, HowToGet, SearchResponse, Why
from cradle.service.app import create_app
from cradle.service.search import answer_search
from tests.support import fake_settings
from tests.support.service import built_dir


def test_search_json_is_cradle_search_json_plus_facets(client: TestClient, data_dir: Path) -> None:
    from cradle.index.commands import run_search as cli_search

    out = io.StringIO()
    filters = {
        "locality": "manchester",
        "topic": None,
        "format": None,
        "audience": None,
        "status": None,
    }
    cli_search(fake_settings(data_dir), "safe sleeping", filters, k=5, as_json=True, out=out)
    expected = json.loads(out.getvalue())
    r = client.get("/search", params={"q": "safe sleeping", "k": 5, "locality": "manchester"})
    assert r.status_code == 200
    body = r.json()
    facets = body.pop("facets")
    assert body == expected
    assert len(body["results"]) == 5
    assert set(facets) >= {"locality", "topic", "format", "audience", "status"}


def test_facet_counts_count_the_close_matches(client: TestClient) -> None:
    body = client.get("/search", params={"q": "support for parents", "k": 20}).json()
    hits = [h for h in body["results"] if h["close"]]
    assert hits and len(hits) < len(body["results"])
    topics = Counter(t for h in hits for t in h["topics"])
    places = Counter(p for h in hits for p in h["localities"])
    assert body["facets"]["topic"] == dict(topics)
    assert body["facets"]["locality"] == dict(places)
    assert body["facets"]["format"] == dict(Counter(h["format"] for h in hits))
    assert body["facets"]["status"] == dict(Counter(h["status"] for h in hits))
    assert sum(body["facets"]["format"].values()) == len(hits)


def test_filters_restrict_results(client: TestClient) -> None:
    everything = client.get("/search", params={"q": "baby", "k": 100}).json()["results"]
    bolton = client.get(
        "/search", params={"q": "baby", "k": 100, "locality": "bolton", "national": "false"}
    ).json()["results"]
    assert bolton and len(bolton) < len(everything)
    assert all("bolton" in h["localities"] for h in bolton)
    videos = client.get("/search", params={"q": "baby", "format": "youtube-video"}).json()
    assert videos["results"]
    assert {h["format"] for h in videos["results"]} == {"youtube-video"}
    close = sum(h["close"] for h in videos["results"])
    assert videos["facets"]["format"] == ({"youtube-video": close} if close else {})


def test_search_runs_on_the_search_pool_not_the_event_loop() -> None:
    seen: list[str] = []
    release = threading.Event()

    class Blocking:
        def search_filtered(self, query: str, k: int, *args: Any, **kwargs: Any) -> Any:
            seen.append(threading.current_thread().name)
            # only the event loop sets this: were the search run on the loop, it would wait
            # in vain and fail
            assert release.wait(10), "the event loop was blocked by the search"
            return SearchResponse(query)

    async def main() -> None:
        pool = ThreadPoolExecutor(1, thread_name_prefix="cradle-search")
        task = asyncio.create_task(answer_search(Blocking(), pool, "cots", 3))
        await asyncio.sleep(0.05)  # the loop keeps running while the search waits
        release.set()
        await task
        pool.shutdown()

    asyncio.run(main())
    assert seen and seen[0].startswith("cradle-search")


def test_a_server_process_runs_one_search_at_a_time(client: TestClient) -> None:
    from cradle.service.runtime import runtime_of

    pool = runtime_of(client.app).search_pool  # type: ignore[arg-type]
    assert pool is not None and pool._max_workers == 1


def _hit(uri: str, score: float, dense: float = 0.5, keyword: float = 0.5) -> Hit:
    why = Why("x", dense, keyword, (), (), (), None, None, None, None, (), (), 0.5, 0.5, False)
    return Hit(uri, uri, "t", "s", score, (), (), "pdf", "p", "available", (), None, None, None,
               None, None, HowToGet("none", "No link yet", None), "practitioners",
               "For practitioners", None, False, None, None, None, None,
               True, 1, why, "", ())  # fmt: skip  # a table: Hit's fields in order, packed as one


def test_searches_are_answered_by_a_process_of_their_own(
    client: TestClient, data_dir: Path
) -> None:
    from cradle.index.hit import plain
    from cradle.index.search import open_searcher
    from cradle.service.runtime import runtime_of

    served = runtime_of(client.app).served  # type: ignore[arg-type]
    assert served.search_process is not None and served.search_process.pid != os.getpid()
    body = client.get("/search", params={"q": "crying baby", "locality": "wigan"}).json()
    here = open_searcher(data_dir, fake_settings(data_dir))
    expected = plain(here.search("crying baby", k=10, locality="wigan"))
    assert {key: body[key] for key in expected} == expected
    assert client.get("/health").json()["index"]["queries"] == "hashing"


def test_a_search_past_its_deadline_answers_503_and_the_next_one_is_answered(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    from cradle.index import process

    with TestClient(create_app(fake_settings(data_dir))) as c:
        old = c.app.state.runtime.served.search_process.pid  # type: ignore[attr-defined]
        monkeypatch.setattr(process, "DEADLINE", 0.5)
        os.kill(old, signal.SIGSTOP)  # a search process that never answers
        stopped = c.get("/search", params={"q": "safe sleep"})
        monkeypatch.undo()
        again = c.get("/search", params={"q": "safe sleep"})
        new = c.app.state.runtime.served.search_process.pid  # type: ignore[attr-defined]
    assert stopped.status_code == 503
    assert stopped.json() == {"detail": "Search took too long and was stopped: retry in a moment."}
    assert again.status_code == 200 and again.json()["results"]
    assert new not in (None, old)
    assert not Path(f"/proc/{old}/status").exists()


def test_the_search_process_ends_with_the_app(data_dir: Path) -> None:
    with TestClient(create_app(fake_settings(data_dir))) as c:
        pid = c.app.state.runtime.served.search_process.pid  # type: ignore[attr-defined]
        assert c.get("/search", params={"q": "cots"}).status_code == 200
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}/status").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}/status").exists()


def test_non_finite_numbers_never_reach_json(data_dir: Path) -> None:
    hits = (_hit("u1", float("nan")), _hit("u2", 0.5, float("inf"), float("-inf")))

    class Broken:
        def search_filtered(self, query: str, k: int, *args: Any, **kwargs: Any) -> Any:
            return SearchResponse(query, close_matches=2, results=hits)

    app = create_app(fake_settings(data_dir))
    with TestClient(app) as c:
        app.state.runtime.searcher = Broken()
        r = c.get("/search", params={"q": "anything"})
    assert r.status_code == 200
    body = json.loads(r.text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert [h["uri"] for h in body["results"]] == ["u2"]
    assert body["results"][0]["why"]["dense"] is None
    assert all(math.isfinite(h["score"]) for h in body["results"])


def test_search_without_an_index_answers_503_with_the_reason(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    graph_only = built_dir(tmp_path_factory, with_index=False)
    with TestClient(create_app(fake_settings(graph_only))) as c:
        r = c.get("/search", params={"q": "safe sleep"})
        health = c.get("/health").json()
        page = c.get("/", params={"q": "safe sleep"}, headers={"accept": "text/html"})
        resource = c.get("/resource/gm-safer-sleep-policy", headers={"accept": "text/html"})
    assert r.status_code == 503
    assert "cradle build" in r.json()["detail"]
    assert str(graph_only) not in r.text
    assert health["status"] == "degraded" and health["index"] is None
    assert any("search index" in p for p in health["problems"])
    assert page.status_code == 503 and "cradle build" in page.text
    assert resource.status_code == 200 and "no search index" in resource.text


@pytest.mark.slow
def test_real_model_ranks_safer_sleep_first(tmp_path: Path) -> None:
    """The one service test on the real embedding model."""
    from cradle.commands import run_build as build
    from cradle.core.settings import Settings

    settings = Settings(data_dir=tmp_path, catalogue=fake_settings(tmp_path).catalogue)
    build(settings)
    with TestClient(create_app(settings)) as c:
        body = c.get("/search", params={"q": "where should my newborn sleep at night"}).json()
        health = c.get("/health").json()
    assert "safer-sleep" in body["results"][0]["topics"]
    assert health["index"]["model"] == settings.model and health["graph_index_match"] is True


def test_the_api_reference_documents_a_hit_as_it_is_answered(client: TestClient) -> None:
    """The OpenAPI answer and hit are made from their dataclasses: the same JSON names, nested
    alike."""
    spec = client.get("/openapi.json").json()["components"]["schemas"]
    body = client.get("/search", params={"q": "safe sleep"}).json()
    assert list(spec["SearchResult"]["properties"]) == list(body)
    hit = body["results"][0]
    assert list(spec["Hit"]["properties"]) == list(hit)
    assert list(spec["Why"]["properties"]) == list(hit["why"])
    assert list(spec["HowToGet"]["properties"]) == list(hit["how_to_get"])
