"""``cradle serve --workers N``: N forked processes share one port, a dead one is replaced, a
failed start stops the server, and SIGTERM stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.support import free_port
from tests.support.service import serving

SUPERVISOR = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from cradle.service.prefork import supervise

    out = Path(sys.argv[1])

    def work(slot):
        (out / str(os.getpid())).touch()
        if sys.argv[2] == "fail":
            raise RuntimeError("cannot start")
        time.sleep(60)
        return 0

    sys.exit(supervise(2, work))
    """
)


def _wait(check, what: str, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def _supervisor(tmp_path: Path, mode: str) -> subprocess.Popen[bytes]:
    script = tmp_path / "supervisor.py"
    script.write_text(SUPERVISOR)
    return subprocess.Popen([sys.executable, str(script), str(tmp_path / "pids"), mode])


def test_a_dead_worker_is_replaced_and_sigterm_stops_all(tmp_path: Path) -> None:
    (tmp_path / "pids").mkdir()
    proc = _supervisor(tmp_path, "run")
    try:
        first = _wait(
            lambda: (
                sorted((tmp_path / "pids").iterdir())
                if len(list((tmp_path / "pids").iterdir())) == 2
                else None
            ),
            "two workers",
        )
        os.kill(int(first[0].name), signal.SIGKILL)
        _wait(lambda: len(list((tmp_path / "pids").iterdir())) == 3, "a replacement worker")
        assert proc.poll() is None
        workers = [int(p.name) for p in (tmp_path / "pids").iterdir()]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        _wait(lambda: not any(_alive(pid) for pid in workers), "every worker to exit")
    finally:
        proc.kill()


def test_a_worker_failing_to_start_stops_the_server(tmp_path: Path) -> None:
    (tmp_path / "pids").mkdir()
    proc = _supervisor(tmp_path, "fail")
    try:
        assert proc.wait(timeout=20) == 1
        assert len(list((tmp_path / "pids").iterdir())) == 2  # started once each, not looping
    finally:
        proc.kill()


def test_bind_refuses_a_port_in_use() -> None:
    from cradle.service.prefork import bind

    port = free_port()
    sock = bind("127.0.0.1", port)
    try:
        with pytest.raises(OSError):
            bind("127.0.0.1", port)
    finally:
        sock.close()


def test_connections_of_the_bound_socket_send_small_writes_at_once() -> None:
    """asyncio turns Nagle's algorithm off only on connections of a TCP-named socket; with it
    on, an answer's second write (the body after the head) waited 40 ms for the client's
    delayed acknowledgement on every kept-alive request."""
    import asyncio
    import socket

    from cradle.service.prefork import bind

    async def run() -> int:
        nodelay: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            nodelay.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        sock = bind("127.0.0.1", free_port())
        server = await asyncio.start_server(accepted, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname())
            found = await asyncio.wait_for(nodelay, 5)
            writer.close()
        return found

    assert asyncio.run(run()) != 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


@pytest.mark.slow
def test_cradle_serve_with_two_workers(data_dir: Path, tmp_path: Path) -> None:
    import httpx

    with serving(data_dir, tmp_path / "server.log", "--workers", "2") as (base, proc):
        parent = proc.pid
        workers = _children(parent)
        assert len(workers) == 2
        with httpx.Client() as client:
            for _ in range(6):  # a new connection each time: either worker may answer
                r = httpx.get(base + "/search", params={"q": "safe sleep"})
                assert r.status_code == 200 and r.json()["results"]
            assert client.get(base + "/health").json()["graph_index_match"] is True
        os.kill(workers[0], signal.SIGKILL)
        replaced = _wait(lambda: len(set(_children(parent)) - {workers[0]}) == 2, "replacement")
        assert replaced
        _wait(lambda: httpx.get(base + "/health").status_code == 200, "the server to answer")


def test_connection_share_is_the_rounded_up_mean() -> None:
    from cradle.service.prefork import ConnectionShare

    share = ConnectionShare(2)
    assert share.over(0, 9)  # 9 and (so far) 0: share 5
    assert not share.over(1, 7)  # 9 + 7 = 16: share 8
    assert share.over(0, 9)
    assert not share.over(0, 8)
    assert not share.over(1, 1) and not ConnectionShare(1).over(0, 50)


def _respond(app_held: int, other_held: int) -> list[tuple[bytes, bytes]]:
    import asyncio

    from cradle.service.prefork import ConnectionShare, FairShare

    async def inner(scope, receive, send):  # type: ignore[no-untyped-def]
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"connection", b"keep-alive"), (b"x-a", b"1")],
            }
        )
        await send({"type": "http.response.body", "body": b"ok"})

    share = ConnectionShare(2)
    share.over(1, other_held)
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request"}

    app = FairShare(inner, share=share, slot=0, held=lambda: app_held)
    asyncio.run(app({"type": "http", "client": ("127.0.0.1", 1)}, receive, send))
    assert sent[1]["body"] == b"ok"
    return list(sent[0]["headers"])


def test_a_worker_over_its_share_closes_the_connection_after_the_response() -> None:
    assert _respond(9, 7) == [(b"x-a", b"1"), (b"connection", b"close")]
    assert _respond(8, 8) == [(b"connection", b"keep-alive"), (b"x-a", b"1")]
    assert _respond(3, 9) == [(b"connection", b"keep-alive"), (b"x-a", b"1")]
