"""Issue 21 item 4: ``cradle linkcheck`` against loopback servers that redirect inward, to other
schemes, answer malformed or trickle bytes: the run finishes, saves every result and reports
each honestly (ok, broken, unreachable, refused), and review never shows internal addresses."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cradle.cli import app
from cradle.graph.build.datafiles import links_beside
from cradle.graph.curation import linkcheck
from cradle.graph.curation.linkcheck import check_url
from tests.support import CATALOGUE

Reply = Callable[[socket.socket], None]


class Raw:
    """A loopback TCP server answering each connection with ``reply``; counts connections."""

    def __init__(self, reply: Reply, host: str = "127.0.0.1") -> None:
        self.reply, self.hits = reply, 0
        self.sock = socket.create_server((host, 0))
        self.url = f"http://{host}:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)
                self.reply(conn)
            except OSError:
                pass

    def close(self) -> None:
        self.sock.close()


def answer(text: str) -> Reply:
    return lambda conn: conn.sendall(text.encode())


def redirect(to: str) -> Reply:
    return answer(f"HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n")


OK = answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


def trickle(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(30):
        conn.sendall(b"X")  # a header a byte a second, never finished
        time.sleep(1)


@pytest.fixture()
def servers() -> Iterator[dict[str, Raw]]:
    made = {
        "ok": Raw(OK),
        "inner": Raw(OK, host="127.0.0.2"),  # the "internal" address
        "ftp": Raw(answer("220 ftp ready\r\n")),
        "malformed": Raw(answer("HTTP/1.1 abc nonsense\r\n\r\n")),
        "headers": Raw(answer("HTTP/1.1 200 OK\r\n" + "X-A: b\r\n" * 150 + "\r\n")),
        "trickle": Raw(trickle),
    }
    made["to-inner"] = Raw(redirect(made["inner"].url + "/admin"))
    made["to-ftp"] = Raw(redirect(made["ftp"].url.replace("http:", "ftp:") + "/x"))
    yield made
    for server in made.values():
        server.close()


@pytest.fixture()
def inner_is_private(monkeypatch: pytest.MonkeyPatch) -> None:
    """127.0.0.1 plays a public site, 127.0.0.2 the internal network."""
    monkeypatch.setattr(linkcheck, "_public", lambda address: address == "127.0.0.1")


def test_loopback_is_refused_unless_allowed(servers: dict[str, Raw]) -> None:
    refused = check_url("a", servers["ok"].url + "/")
    assert refused.result == "refused" and not refused.ok and servers["ok"].hits == 0
    assert check_url("a", servers["ok"].url + "/", allow_private=True).result == "ok"
    for bad in ("http://169.254.169.254/latest/meta-data/", "http://[::1]:9/", "http://10.0.0.1/"):
        assert check_url("a", bad, timeout=2).result == "refused"


@pytest.mark.usefixtures("inner_is_private")
def test_a_redirect_inward_is_refused_and_never_recorded(servers: dict[str, Raw]) -> None:
    found = check_url("a", servers["to-inner"].url + "/start", timeout=5)
    assert found.result == "refused" and servers["inner"].hits == 0
    assert "127.0.0.2" not in json.dumps(found.__dict__)


def test_other_schemes_are_never_asked(servers: dict[str, Raw]) -> None:
    found = check_url("a", servers["to-ftp"].url + "/", timeout=5, allow_private=True)
    assert found.result == "refused" and servers["ftp"].hits == 0
    assert check_url("a", "ftp://127.0.0.1/x", allow_private=True).result == "refused"
    assert check_url("a", "file:///etc/passwd", allow_private=True).result == "refused"


def test_malformed_answers_are_that_links_result(servers: dict[str, Raw]) -> None:
    for name in ("malformed", "headers"):
        found = check_url("a", servers[name].url + "/", timeout=5, allow_private=True)
        assert found.result == "broken", (name, found)
        assert "not valid HTTP" in str(found.error)


def test_one_deadline_covers_a_trickling_site(servers: dict[str, Raw]) -> None:
    started = time.monotonic()
    found = check_url("a", servers["trickle"].url + "/", timeout=2, allow_private=True)
    assert time.monotonic() - started < 4
    assert found.result == "unreachable" and found.error == "timed out" and not found.ok


def test_no_dns_is_could_not_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    found = check_url("a", "https://example.org/")
    assert found.result == "unreachable" and "DNS" in str(found.error)
    assert "Errno" not in str(found.error)


def test_the_run_finishes_saves_everything_and_review_says_could_not_check(
    tmp_path: Path, servers: dict[str, Raw], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRADLE_LINKCHECK_ALLOW_PRIVATE", "1")
    urls = {
        "lullaby-trust-safer-sleep": servers["ok"].url + "/",
        "icon-babies-cry-you-can-cope": servers["malformed"].url + "/",
        "family-nurse-partnership": servers["trickle"].url + "/",
        "rospa-home-safety": servers["to-ftp"].url + "/",
    }
    text = CATALOGUE.read_text(encoding="utf-8")
    head, _, body = text.partition("\nresources:\n")
    for ident, url in urls.items():
        body = body.replace(f"- id: {ident}\n", f"- id: {ident}\n  url: {url}\n", 1)
    path = tmp_path / "catalogue.yaml"
    path.write_text(f"{head}\nresources:\n{body}", encoding="utf-8")
    run = CliRunner().invoke(
        app, ["linkcheck", "--catalogue", str(path), "-f", "json", "--timeout", "2"]
    )
    assert run.exit_code == 1, run.output  # one broken link (the malformed answer)
    got = {r["id"]: r["result"] for r in json.loads(run.output)}
    assert got == {
        "lullaby-trust-safer-sleep": "ok",
        "icon-babies-cry-you-can-cope": "broken",
        "family-nurse-partnership": "unreachable",
        "rospa-home-safety": "refused",
    }
    saved = json.loads(links_beside(path).read_text(encoding="utf-8"))["results"]
    assert {r["id"] for r in saved} == set(urls)
    review = CliRunner().invoke(app, ["review", "--catalogue", str(path), "-f", "json"])
    found = {f["id"]: f["reasons"] for f in json.loads(review.output)}
    assert "broken-link" in found["icon-babies-cry-you-can-cope"]
    assert "link-unchecked" in found["family-nurse-partnership"]
    assert "broken-link" not in found["family-nurse-partnership"]
    table = CliRunner().invoke(app, ["review", "--catalogue", str(path), "-f", "csv"])
    assert "could not check the link (timed out)" in table.output
