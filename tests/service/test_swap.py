"""A published version goes live in a running server without a restart or a failed request
(cradle/service/swap.py, docs/data-dir.md "Serving a new version"), and `cradle rollback`
goes back the same way."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cradle.cli import app as cli
from cradle.commands import run_build
from cradle.core.datadir import KILL_AT_ENV as KILL
from cradle.core.datadir import DataDir
from cradle.core.errors import NotBuilt
from tests.support import CATALOGUE, build_cmd, fake_settings

NEW_ID = "zebrafinch-weaning-workshop"
NEW_WORD = "zebrafinch"
NEW_ENTRY = f"""- id: {NEW_ID}
  title: Zebrafinch weaning workshop for new parents
  publisher: lullaby-trust
  summary: A zebrafinch workshop on weaning and safer sleep for parents of babies under one.
  kind: guidance
  format: web-page
  locality: england
  status: available
  topics:
  - safer-sleep
  audience:
  - parents
"""
NEW_DATE = "2026-12-01"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
INTERVAL = 0.2


def with_new_entry(folder: Path) -> Path:
    """A copy of the curated catalogue with one more entry and a later date."""
    text = CATALOGUE.read_text(encoding="utf-8")
    text = text.replace("modified: '2026-11-25'", f"modified: '{NEW_DATE}'", 1)
    out = folder / "catalogue.yaml"
    out.write_text(text.rstrip("\n") + "\n" + NEW_ENTRY, encoding="utf-8")
    return out


def wait_for(what: Callable[[], bool], timeout: float = 60.0) -> float:
    """Seconds until ``what()`` holds (fails the test after ``timeout``)."""
    start = time.monotonic()
    while not what():
        assert time.monotonic() - start < timeout, "not within the timeout"
        time.sleep(0.05)
    return time.monotonic() - start


def found_new(client: Any) -> bool:
    hits = client.get("/search", params={"q": NEW_WORD}).json()["results"]
    return any(h["id"] == NEW_ID for h in hits)


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """A data dir with one published version of the curated catalogue."""
    out = tmp_path / "data"
    run_build(fake_settings(out))
    return out


@pytest.fixture()
def client(root: Path) -> Iterator[TestClient]:
    """The app over ``root``, looking for new versions every :data:`INTERVAL` seconds."""
    from cradle.service.app import create_app

    with TestClient(create_app(fake_settings(root, reload_interval=INTERVAL))) as c:
        yield c


def test_a_published_version_is_served_without_a_restart(
    root: Path, client: TestClient, tmp_path: Path
) -> None:
    first = DataDir(root).current_id()
    assert client.get("/health").json()["versions"]["served"] == first
    assert not found_new(client)
    run_build(fake_settings(root, catalogue=with_new_entry(tmp_path)))
    second = DataDir(root).current_id()
    wait_for(lambda: found_new(client))
    health = client.get("/health").json()
    assert health["status"] == "ok", health["problems"]
    assert health["graph"]["version"] == health["versions"]["served"] == second != first
    assert health["versions"]["pending"] is None and health["versions"]["refused"] is None
    assert health["graph"]["catalogue_date"] == NEW_DATE
    page = client.get(f"/resource/{NEW_ID}")
    assert page.status_code == 200 and page.headers["x-cradle-version"] == second
    assert "1 December 2026" in page.text  # the catalogue's date at the foot of the page
    changes = client.get("/changes", params={"format": "json"}).json()
    assert NEW_ID in changes[0]["added"]
    sparql = client.get("/sparql", params={"query": f"ASK {{ <{res(NEW_ID)}> ?p ?o }}"})
    assert sparql.json()["boolean"] is True
    # the old version is closed and let go: the next build removes it
    wait_for(lambda: client.app.state.runtime.draining is None)  # type: ignore[attr-defined]
    run_build(fake_settings(root))
    assert not (root / "versions" / first).exists()


def res(resource_id: str) -> str:
    from cradle.core.namespaces import RES

    return f"{RES}{resource_id}"


def test_a_damaged_version_is_refused_and_the_old_one_kept(root: Path, client: TestClient) -> None:
    data = DataDir(root)
    first = data.current_id()
    assert first is not None
    damaged = root / "versions" / f"{first}-damaged"
    shutil.copytree(root / "versions" / first, damaged)
    (damaged / "search" / "resources.json").write_text("{not json", encoding="utf-8")
    data._point("current", damaged)  # published by hand, as a broken copy would be
    wait_for(lambda: client.get("/health").json()["versions"]["refused"] == damaged.name)
    health = client.get("/health").json()
    assert health["status"] == "degraded"
    assert health["versions"]["served"] == first
    assert "search index" in health["versions"]["refused_why"]
    assert not any(str(root) in p for p in health["problems"])  # no paths to clients
    answer = client.get("/search", params={"q": "safer sleep"})
    assert answer.status_code == 200 and answer.headers["x-cradle-version"] == first


def test_rollback_is_followed_the_same_way(root: Path, client: TestClient, tmp_path: Path) -> None:
    first = DataDir(root).current_id()
    run_build(fake_settings(root, catalogue=with_new_entry(tmp_path)))
    wait_for(lambda: found_new(client))
    result = CliRunner().invoke(cli, ["rollback", "--data-dir", str(root)])
    assert result.exit_code == 0, result.output
    assert first is not None and first in result.output
    wait_for(lambda: not found_new(client))
    assert client.get("/health").json()["versions"]["served"] == first
    assert client.get(f"/resource/{NEW_ID}").status_code == 404


def test_rollback_without_a_previous_version_says_so(root: Path) -> None:
    result = CliRunner().invoke(cli, ["rollback", "--data-dir", str(root)])
    assert result.exit_code == 1
    assert "no previous version" in result.output and "nothing changed" in result.output


def test_rollback_refuses_a_damaged_previous_version(root: Path) -> None:
    run_build(fake_settings(root), with_index=False)
    data = DataDir(root)
    current, previous = data.current_id(), data.previous_id()
    assert previous is not None
    shutil.rmtree(root / "versions" / previous / "store")
    with pytest.raises(NotBuilt, match="store"):
        data.rollback()
    assert (data.current_id(), data.previous_id()) == (current, previous)


def test_requests_finish_on_the_version_they_started_on(root: Path, tmp_path: Path) -> None:
    """A request pinned to the old version keeps it open across the switch; the old version
    is closed when that request ends, not before."""
    import asyncio

    from cradle.service import swap
    from cradle.service.runtime import Runtime

    settings = fake_settings(root)
    rt = Runtime(settings, data_dir=DataDir(root))
    rt.served = swap.open_served(settings, rt.data_dir)
    try:
        old = rt.acquire()
        run_build(fake_settings(root, catalogue=with_new_entry(tmp_path)))
        served = asyncio.run(swap.check(rt))
        assert served == DataDir(root).current_id() != old.version.id  # type: ignore[union-attr]
        assert old.retired and old.engine is not None and rt.draining is old
        assert rt.served.graph_data is not None and NEW_ID in rt.served.graph_data.resources
        assert old.graph_data is not None and NEW_ID not in old.graph_data.resources
        assert rt.release(old)  # the last request on it: the caller closes it
        swap.close_later(rt, old)
        wait_for(lambda: rt.draining is None)
        assert old.engine is None
    finally:
        swap.close_served(rt.served)


def test_a_client_loop_sees_no_failure_during_a_publish(
    root: Path, client: TestClient, tmp_path: Path
) -> None:
    """Searches, SPARQL and pages in a loop while a version is published: none fails, and a
    hit's page is answered by the version that found it or a later one."""
    failures: list[str] = []
    seen: set[str] = set()
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            found = client.get("/search", params={"q": f"{NEW_WORD} safer sleep"})
            if found.status_code != 200:
                failures.append(f"search {found.status_code}")
                continue
            version = found.headers["x-cradle-version"]
            seen.add(version)
            for hit in found.json()["results"][:3]:
                page = client.get(f"/resource/{hit['id']}")
                if page.status_code != 200 or page.headers["x-cradle-version"] < version:
                    failures.append(f"page {hit['id']} {page.status_code} after {version}")
            answer = client.get("/sparql", params={"query": COUNT})
            if answer.status_code != 200:
                failures.append(f"sparql {answer.status_code}")

    threads = [threading.Thread(target=loop) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        run_build(fake_settings(root, catalogue=with_new_entry(tmp_path)))
        took = wait_for(lambda: found_new(client))
        wait_for(lambda: len(seen) == 2)  # a loop request answered by the new version too
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == []
    assert len(seen) == 2, seen  # requests were answered by both versions
    assert took < 30


def test_the_interval_is_a_setting() -> None:
    from cradle.core.settings import Settings

    assert Settings().reload_interval > 0
    assert Settings(reload_interval=0).reload_interval == 0  # type: ignore[call-arg]


class Loop:
    """Clients asking searches, SPARQL and pages of a real server until stopped."""

    def __init__(self, base: str) -> None:
        self.base, self.failures, self.crossed = base, [], 0
        self.versions: set[str] = set()
        self.requests = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(3)]

    def __enter__(self) -> Loop:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()

    def _run(self) -> None:
        import httpx

        with httpx.Client(base_url=self.base, timeout=30) as http:
            while not self._stop.is_set():
                self._once(http)

    def _once(self, http: Any) -> None:
        found = http.get("/search", params={"q": f"{NEW_WORD} safer sleep"})
        answer = http.get("/sparql", params={"query": COUNT})
        self.requests += 2
        for name, r in (("search", found), ("sparql", answer)):
            if r.status_code != 200:
                self.failures.append(f"{name} {r.status_code}")
        if found.status_code != 200:
            return
        version = found.headers["x-cradle-version"]
        self.versions.add(version)
        for hit in found.json()["results"][:2]:
            page = http.get(f"/resource/{hit['id']}")
            self.requests += 1
            if page.status_code == 200:
                continue
            if page.status_code == 404 and page.headers["x-cradle-version"] < version:
                self.crossed += 1  # another worker, not yet on the version that found it
            else:
                self.failures.append(f"page {hit['id']} {page.status_code} after {version}")


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_real_server_follows_builds_killed_builds_and_damage(
    root: Path, tmp_path: Path, workers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cradle serve` (also --workers 2) while a client loop runs: a build killed before the
    switch changes nothing, one killed just after it is served whole, the new entry is
    searchable within the interval, a damaged version is refused, and no request fails."""
    import subprocess

    import httpx

    from tests.support.service import serving

    monkeypatch.setenv("CRADLE_RELOAD_INTERVAL", "0.5")
    monkeypatch.setenv("CRADLE_QUERIES_PER_CLIENT", "8")  # the loop's threads are one client
    monkeypatch.setenv("CRADLE_QUERY_WORKERS", "8")  # so its queries never need the last one
    first = DataDir(root).current_id()
    newer = with_new_entry(tmp_path)
    env = os.environ | {"CRADLE_EMBEDDER": "fake"}
    with serving(root, tmp_path / "server.log", "--workers", workers) as (base, _proc):

        def everywhere(check: Callable[[httpx.Response], bool]) -> bool:
            return all(check(httpx.get(base + "/health", timeout=10)) for _ in range(8))

        with Loop(base) as loop:
            for step in ("previous", "switched"):  # just before / just after `current` moves
                subprocess.run(
                    build_cmd(root, newer), env=env | {KILL: step}, capture_output=True, check=False
                )
            second = DataDir(root).current_id()
            assert second != first
            took = wait_for(lambda: everywhere(lambda r: r.json()["versions"]["served"] == second))
            damaged = root / "versions" / f"{second}-damaged"
            shutil.copytree(root / "versions" / str(second), damaged)
            (damaged / "graph.json").write_text("{}", encoding="utf-8")
            DataDir(root)._point("current", damaged)
            wait_for(lambda: everywhere(lambda r: r.json()["versions"]["refused"] == damaged.name))
            time.sleep(1)
        assert loop.failures == [], loop.failures[:5]
        if workers == "1":
            assert loop.crossed == 0  # one process: a hit's page is always its version's
        assert {first, second} <= loop.versions
        assert took < 30
        health = httpx.get(base + "/health").json()
        assert health["versions"]["served"] == second and health["status"] == "degraded"
    print(
        f"workers={workers}: {loop.requests} requests, 0 failed, {loop.crossed} pages asked of "
        f"a worker still on the version before, new version served everywhere in {took:.1f} s"
    )


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_sighup_makes_a_server_look_at_once(
    root: Path, tmp_path: Path, workers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the timer off (interval 0) a server keeps its version until SIGHUP; the
    --workers parent passes SIGHUP on to every worker, and none of them stops."""
    import signal

    import httpx

    from tests.support.service import serving

    monkeypatch.setenv("CRADLE_RELOAD_INTERVAL", "0")
    first = DataDir(root).current_id()
    with serving(root, tmp_path / "server.log", "--workers", workers) as (base, proc):
        run_build(fake_settings(root, catalogue=with_new_entry(tmp_path)))
        second = DataDir(root).current_id()

        def served() -> set[str]:
            return {httpx.get(base + "/health").json()["versions"]["served"] for _ in range(8)}

        time.sleep(1.5)
        assert served() == {first}
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: served() == {second})
        assert proc.poll() is None


def test_with_an_external_store_the_old_pair_is_kept_until_the_store_holds_the_new_graph(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version whose graph the external store does not hold yet (loaded apart from the
    build, say) waits: graph and index switch together once the store holds it."""
    import asyncio

    from cradle.core.datadir import Version
    from cradle.graph.sparql import engine as engines
    from cradle.service import swap
    from cradle.service.runtime import Runtime

    store: dict[str, Any] = {}

    class Store:
        capacity = 1

        def info(self) -> dict[str, Any]:
            return {"engine": "remote-sparql", "triples": store["triples"]}

        def close(self) -> None:
            """Nothing to stop."""

    monkeypatch.setattr(engines, "open_engine", lambda settings, version=None: Store())
    settings = fake_settings(root, store_url="http://127.0.0.1:9/query")
    rt = Runtime(settings, data_dir=DataDir(root))
    rt.served = swap.open_served(settings, rt.data_dir)
    try:
        first = rt.served.version.id  # type: ignore[union-attr]
        run_build(fake_settings(root, catalogue=with_new_entry(tmp_path)))
        second = str(DataDir(root).current_id())
        store["triples"] = Version.at(root / "versions" / first).graph_manifest()["triples"]
        assert asyncio.run(swap.check(rt)) == first
        assert rt.swap.pending == second and "store" in str(rt.swap.pending_why)
        assert rt.swap.refused is None and rt.served.version.id == first  # type: ignore[union-attr]
        store["triples"] = Version.at(root / "versions" / second).graph_manifest()["triples"]
        assert asyncio.run(swap.check(rt)) == second
        assert rt.swap.pending is None and rt.swap.pending_why is None
    finally:
        swap.close_served(rt.served)
