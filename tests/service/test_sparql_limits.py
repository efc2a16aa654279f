"""Bounded answers, bounded workers, fair sharing: the byte cap, answers written within a write
timeout, worker recycling, per-client concurrency, cancellation when a client goes away, and a
header timeout for silent connections."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cradle.core.settings import Settings
from cradle.graph.sparql.embedded import EmbeddedEngine
from cradle.graph.sparql.engine import open_engine
from cradle.graph.sparql.worker import Job, evaluate
from cradle.service.runtime import Runtime
from cradle.service.sparql import router
from tests.support.service import port_of, rss_mib, serving
from tests.support.sparql import sparql_client, w3c_graphs, write_chain

#: The issue's 532-byte query: CONCAT nested nine times over VALUES (a 268 MB answer unbounded).
BOMB = (
    "SELECT ?a9 { VALUES ?v { "
    + " ".join(f'"{c * 100}"' for c in "abcdefghij")
    + " } BIND(CONCAT(?v,?v,?v,?v) AS ?a1) "
    + " ".join(f"BIND(CONCAT(?a{i},?a{i},?a{i},?a{i}) AS ?a{i + 1})" for i in range(1, 9))
    + " }"
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CHEAP = "ASK { ?s ?p ?o }"
ALL = "SELECT * { GRAPH ?g { ?s ?p ?o } }"


def test_the_bomb_is_the_issues_query() -> None:
    assert len(BOMB.encode()) < 1400  # a short query (the VALUES strings make up most of it)
    assert BOMB.count("CONCAT") == 9


def chain(tmp_path: Path) -> dict[str, Path]:
    return {"http://example.org/chain": write_chain(tmp_path / "chain.nt", 500)}


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_byte_cap_cuts_whole_rows_and_says_so(fmt: str, tmp_path: Path) -> None:
    settings = Settings(named_graphs=chain(tmp_path), max_result_bytes=1500, row_cap=10_000)
    with sparql_client(settings) as client:
        response = client.get("/sparql", params={"query": ALL, "format": fmt})
    assert response.status_code == 200
    assert len(response.content) <= 1500
    assert response.headers["x-cradle-truncated"] == "true"
    assert response.headers["x-cradle-byte-cap"] == "1500"
    assert "byte cap" in response.headers["warning"]
    rows = int(response.headers["x-cradle-rows"])
    assert rows > 0
    if fmt == "json":
        assert len(response.json()["results"]["bindings"]) == rows  # still a whole document


def test_byte_cap_applies_to_graphs_too(tmp_path: Path) -> None:
    settings = Settings(named_graphs=chain(tmp_path), max_result_bytes=800)
    with sparql_client(settings) as client:
        response = client.get(
            "/sparql",
            params={"query": "CONSTRUCT { ?s ?p ?o } { GRAPH ?g { ?s ?p ?o } }", "format": "nt"},
        )
    assert response.status_code == 200 and len(response.content) <= 800
    assert response.headers["x-cradle-byte-cap"] == "800"
    assert all(line.endswith(" .") for line in response.text.splitlines())  # whole triples


def test_the_bomb_is_cut_not_built() -> None:
    settings = Settings(named_graphs=w3c_graphs(), max_result_bytes=100_000, query_timeout=20)
    with sparql_client(settings) as client:
        response = client.get("/sparql", params={"query": BOMB})
    assert response.status_code == 200, response.text
    assert len(response.content) <= 100_000
    assert response.headers["x-cradle-truncated"] == "true"


def test_workers_are_recycled_for_memory_and_query_count() -> None:
    common: dict[str, Any] = {
        "store_dir": None,
        "named": w3c_graphs(),
        "workers": 1,
        "timeout": 10,
        "row_cap": 100,
        "queue_size": 2,
        "graph_sha256": "x",
    }
    heavy = EmbeddedEngine(**common, max_memory=1)  # any worker is over one byte
    try:
        before = heavy.worker_pids()
        heavy.execute(CHEAP, default_graphs=[], named_graphs=[], accept=None)
        assert heavy.recycled == 1
        _wait_for(lambda: heavy.worker_pids() and heavy.worker_pids() != before)
    finally:
        heavy.close()
    counted = EmbeddedEngine(**common, max_queries=2)
    try:
        first = counted.worker_pids()
        counted.execute(CHEAP, default_graphs=[], named_graphs=[], accept=None)
        assert counted.worker_pids() == first and counted.recycled == 0
        counted.execute(CHEAP, default_graphs=[], named_graphs=[], accept=None)
        assert counted.recycled == 1
        _wait_for(lambda: counted.worker_pids() and counted.worker_pids() != first)
    finally:
        counted.close()


def _wait_for(condition: Any, seconds: float = 30) -> None:
    give_up = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < give_up, "condition not met in time"
        time.sleep(0.05)


def test_engine_errors_on_the_query_are_the_clients_fault() -> None:
    store = ox.Store()
    kind, message = evaluate(
        store, Job("SELECT (<http://example.com/fn>(1) AS ?x) {}", "json", [], [], 10)
    )
    assert kind == "syntax" and "http://example.com/fn" in message
    with sparql_client(Settings(named_graphs=w3c_graphs())) as client:
        huge = client.post(
            "/sparql",
            content="SELECT ?" + "v" * 200_000 + " { ?s ?p ?o } LIMIT 1",
            headers={"content-type": "application/sparql-query"},
        )
    assert huge.status_code < 500, huge.text


# --- fair sharing ---------------------------------------------------------------------------


def _fair(graph_dir: Path, workers: int) -> Settings:
    """A share of two queries a client, clients named by X-Forwarded-For, a 4 s deadline."""
    return Settings(
        data_dir=graph_dir,
        query_timeout=4,
        query_workers=workers,
        query_queue=6,
        queries_per_client=2,
        trusted_proxies=["testclient"],
    )


@pytest.fixture(scope="module")
def shared_app(graph_dir: Path) -> Iterator[FastAPI]:
    settings = _fair(graph_dir, 3)
    app = FastAPI()
    app.include_router(router)
    app.state.runtime = Runtime(settings, engine=open_engine(settings))
    yield app
    app.state.runtime.engine.close()


def _from(client: TestClient, address: str, query: str) -> Any:
    return client.get("/sparql", params={"query": query}, headers={"x-forwarded-for": address})


def test_one_client_cannot_take_every_worker(shared_app: FastAPI) -> None:
    with TestClient(shared_app) as client, ThreadPoolExecutor(4) as pool:
        runaways = [pool.submit(_from, client, "192.0.2.1", RUNAWAY) for _ in range(4)]
        time.sleep(0.5)
        started = time.monotonic()
        cheap = _from(client, "192.0.2.2", CHEAP)
        took = time.monotonic() - started
        still_running = sum(not f.done() for f in runaways)
        statuses = sorted(f.result().status_code for f in runaways)
    assert cheap.status_code == 200 and cheap.json()["boolean"] is True
    assert still_running >= 1  # it answered while the runaways ran
    assert took < 3  # generous: well under the runaways' deadline
    assert statuses == [429, 429, 503, 503]
    refused = [f.result() for f in runaways if f.result().status_code == 429]
    assert all(r.headers["retry-after"] for r in refused)
    assert all("at once" in r.text for r in refused)


def test_a_bare_get_runs_no_query_and_is_not_in_the_clients_share(shared_app: FastAPI) -> None:
    """Hostile round 8, F9: a client at its share could not have the endpoint describe itself
    (or, for a browser, show its form)."""
    with TestClient(shared_app) as client:
        clients = shared_app.state.runtime.sparql_clients
        clients["192.0.2.9"] = shared_app.state.runtime.settings.queries_per_client
        try:
            bare = client.get("/sparql", headers={"x-forwarded-for": "192.0.2.9"})
            query = _from(client, "192.0.2.9", CHEAP)
        finally:
            clients.pop("192.0.2.9")
    assert bare.status_code == 200 and query.status_code == 429


def test_two_clients_at_their_share_leave_a_worker_for_a_third(graph_dir: Path) -> None:
    with sparql_client(_fair(graph_dir, 4)) as client, ThreadPoolExecutor(4) as pool:
        first = [pool.submit(_from, client, "192.0.2.1", RUNAWAY) for _ in range(2)]
        time.sleep(0.5)
        second = [pool.submit(_from, client, "192.0.2.2", RUNAWAY) for _ in range(2)]
        time.sleep(0.5)
        started = time.monotonic()
        cheap = _from(client, "192.0.2.3", CHEAP)
        took = time.monotonic() - started
        answers = [f.result() for f in first + second]
        refused = [r for r in answers if r.status_code == 429]
    assert cheap.status_code == 200 and took < 2  # not queued behind the runaways' deadline
    assert len(refused) == 1 and "nearly full" in refused[0].text


def test_forwarded_for_counts_only_from_a_trusted_proxy(graph_dir: Path) -> None:
    settings = Settings(data_dir=graph_dir, query_timeout=3, query_workers=3, queries_per_client=1)
    with sparql_client(settings) as client, ThreadPoolExecutor(2) as pool:
        first = pool.submit(_from, client, "192.0.2.1", RUNAWAY)
        time.sleep(0.5)
        second = _from(client, "192.0.2.2", CHEAP)  # the peer is not a trusted proxy
        first.result()
    assert second.status_code == 429


# --- on a real server -----------------------------------------------------------------------


@pytest.fixture()
def server(
    graph_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Any]]:
    monkeypatch.setenv("CRADLE_WRITE_TIMEOUT", "1")
    monkeypatch.setenv("CRADLE_HEADER_TIMEOUT", "1")
    monkeypatch.setenv("CRADLE_QUERY_TIMEOUT", "30")
    monkeypatch.setenv("CRADLE_MAX_RESULT_BYTES", str(32 * 1024 * 1024))
    with serving(graph_dir, tmp_path / "server.log") as (base, proc):
        yield base, proc


@pytest.mark.slow
def test_bomb_barely_moves_the_servers_memory(server: tuple[str, Any]) -> None:
    base, proc = server
    httpx.get(base + "/sparql", params={"query": CHEAP}, timeout=30)
    before = rss_mib(proc.pid)
    for _ in range(3):
        response = httpx.get(base + "/sparql", params={"query": BOMB}, timeout=60)
        assert response.status_code == 200
        assert response.headers["x-cradle-truncated"] == "true"
    grown = rss_mib(proc.pid) - before
    assert grown < 100, f"the server grew by {grown:.0f} MB"  # the cap is 32 MB here


@pytest.mark.slow
def test_a_client_that_does_not_read_is_dropped(server: tuple[str, Any]) -> None:
    base, _ = server
    query = httpx.QueryParams({"query": BOMB})
    with socket.create_connection(("127.0.0.1", port_of(base))) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(f"GET /sparql?{query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        time.sleep(8)  # evaluation, then the write timeout (1 s) passes with nothing read
        sock.settimeout(10)
        received, reset = b"", False
        try:
            while chunk := sock.recv(1 << 20):
                received += chunk
        except ConnectionResetError:
            reset = True  # dropped with a reset: what was still unread may be lost with it
    if reset and b"\r\n\r\n" not in received:
        return
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    assert len(body) < length  # the server closed the connection before the end


@pytest.mark.slow
def test_a_silent_connection_is_closed(server: tuple[str, Any]) -> None:
    base, _ = server
    with socket.create_connection(("127.0.0.1", port_of(base))) as sock:
        sock.settimeout(10)
        sock.sendall(b"GET /health HTTP/1.1\r\nHo")  # never finishes its headers
        started = time.monotonic()
        assert sock.recv(100) == b""  # closed by the server
        assert time.monotonic() - started < 9


@pytest.mark.slow
def test_an_aborted_request_logs_one_line(server: tuple[str, Any], tmp_path: Path) -> None:
    base, _ = server
    with socket.create_connection(("127.0.0.1", port_of(base))) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 1000\r\n\r\nSELECT * {"
        )
        time.sleep(0.5)
    time.sleep(1.5)
    log = (tmp_path / "server.log").read_text()
    assert "Traceback" not in log
    assert len([line for line in log.splitlines() if "went away" in line]) == 1


@pytest.mark.slow
def test_a_query_whose_client_went_away_is_stopped(server: tuple[str, Any]) -> None:
    base, _ = server
    query = httpx.QueryParams({"query": RUNAWAY})
    with socket.create_connection(("127.0.0.1", port_of(base))) as sock:
        sock.sendall(f"GET /sparql?{query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        time.sleep(1)
    # the deadline is 30 s: only cancellation frees the worker this soon; a fresh one replaces it
    give_up = time.monotonic() + 10
    while True:
        after = httpx.get(base + "/sparql", params={"query": CHEAP}, timeout=10)
        if _cancelled(base):
            break
        assert time.monotonic() < give_up, "the abandoned query kept its worker"
        time.sleep(0.2)
    assert after.status_code == 200


@pytest.mark.slow
def test_bodies_still_arriving_are_in_the_clients_share(server: tuple[str, Any]) -> None:
    base, _ = server
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
        b"query=ASK"
    )
    with contextlib.ExitStack() as stack:
        for _ in range(2):  # the share (CRADLE_QUERIES_PER_CLIENT, 2): bodies not yet sent
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", port_of(base))))
            sock.sendall(head)
        time.sleep(0.5)
        third = httpx.get(base + "/sparql", params={"query": CHEAP}, timeout=10)
    assert third.status_code == 429 and "at once" in third.text
    time.sleep(0.5)  # both went away: the share is free again
    assert httpx.get(base + "/sparql", params={"query": CHEAP}, timeout=10).status_code == 200


def test_a_bare_percent_in_a_form_body_is_refused_before_decoding(graph_dir: Path) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    with sparql_client(Settings(data_dir=graph_dir)) as client:
        answer = client.post("/sparql", content="query=" + "%" * 100_000, headers=form)
        escaped = client.post("/sparql", content="query=ASK%20%7B%7D", headers=form)
        in_url = client.get("/sparql?query=ASK%zz")
    assert answer.status_code == 400
    assert "'%' not followed by two hexadecimal digits at byte 6" in answer.text
    assert escaped.status_code == 200
    assert in_url.status_code == 400 and "URL query string" in in_url.text


def _cancelled(base: str) -> bool:
    return bool(httpx.get(base + "/health", timeout=10).json()["sparql"]["queries_cancelled"])
