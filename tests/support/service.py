"""Helpers the service tests share: one build of the catalogue (graph + index made with the fake
embedder) per test session, apps over it, and a real server in a subprocess."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from cradle.core.datadir import DataDir
from tests.support import fake_settings, free_port

_BUILDS: dict[str, Path] = {}


def built_dir(tmp_path_factory: pytest.TempPathFactory, with_index: bool = True) -> Path:
    """A data dir holding the curated catalogue's graph (and index, fake embedder), built once
    per session and shared by every service test module. Treat it as read-only."""
    key = "full" if with_index else "graph-only"
    if key not in _BUILDS:
        from cradle.commands import run_build as build

        out = tmp_path_factory.mktemp(f"service-{key}")
        build(fake_settings(out), with_index=with_index)
        _BUILDS[key] = out
    return _BUILDS[key]


def copy_build(src: Path, dest: Path) -> Path:
    """A private copy of a data dir (its versions, and its links to them; not its cache), for
    tests that damage it."""
    cache = DataDir(src).cache_dir

    def ignore(folder: str, _names: list[str]) -> list[str]:
        return [cache.name] if Path(folder) == cache.parent else []

    shutil.copytree(src, dest, symlinks=True, ignore=ignore)
    return dest


def raw_get(app: Any, path: str, query: bytes, headers: list[tuple[bytes, bytes]] | None = None):
    """GET through the ASGI app without an HTTP client (no client-side URL length limit).

    Returns:
        (status, headers dict, body bytes).
    """
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "state": {},
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def stop(proc: subprocess.Popen[Any]) -> None:
    """Stop a server the test started, by its own process: terminate, then kill if it hangs."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running_server(data_dir: Path, log: Path, *extra: str) -> Iterator[str]:
    """``cradle serve`` in a subprocess on a free loopback port; yields its base URL."""
    with serving(data_dir, log, *extra) as (base, _proc):
        yield base


@contextmanager
def serving(
    data_dir: Path, log: Path, *extra: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``cradle serve`` in a subprocess on a free loopback port; yields its base URL and it."""
    port = free_port()
    env = os.environ | {"CRADLE_EMBEDDER": "fake", "HF_HUB_OFFLINE": "1"}
    cmd = [
        sys.executable,
        "-m",
        "cradle.cli",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        *extra,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
                try:
                    if httpx.get(base + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
            yield base, proc
        finally:
            stop(proc)


def port_of(base: str) -> int:
    """The port of a server's base URL (``http://127.0.0.1:PORT``)."""
    return int(base.rsplit(":", 1)[1])


def rss_mib(pid: int) -> float:
    """The resident memory of process ``pid`` (MiB), from ``/proc``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")
