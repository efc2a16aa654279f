"""``cradle linkcheck``: does each entry's ``url`` still open? Safely, and honestly.

Each address is asked for with HEAD; when HEAD gets an error status (some servers refuse HEAD
outright) it is asked again with GET, reading at most :data:`MAX_BODY` bytes. The rules, which
every redirect target is checked against again (at most :data:`MAX_REDIRECTS` of them):

- only ``http`` and ``https`` addresses are asked for;
- the host name is resolved once and every address it has must be public: loopback, private,
  link-local (which holds the cloud metadata address), multicast and reserved addresses are
  refused, unless ``CRADLE_LINKCHECK_ALLOW_PRIVATE`` is set (for tests on loopback); the
  connection goes to the address that was checked, so a second lookup cannot point it inward;
- one deadline covers the whole check of an address (every hop, the headers and the body): a
  watchdog shuts the socket when it passes, however slowly the site sends;
- any error for one address is that address's result; the run always finishes.

Each result is ``ok``, ``broken`` (the site answered, with an error status or an answer that
is not valid HTTP), ``unreachable`` (no answer: DNS, refused, timed out; "could not check")
or ``refused`` (not an address this tool may check). An address that was refused is never
recorded, so ``cradle review`` and ``/review`` never show internal addresses. Proxies
(``http_proxy``) are not used: the address connected to must be the one checked. Results are
recorded beside the catalogue (:func:`cradle.graph.build.datafiles.links_beside`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from cradle.core import __version__
from cradle.graph.build.catalogue import Catalogue

USER_AGENT = f"Cradle-linkcheck/{__version__} (catalogue link check; +https://w3id.org/cradle)"
MAX_REDIRECTS = 5
MAX_BODY = 64 * 1024  # a GET reads this much of a page at most: enough to know it answers
REDIRECTS = frozenset({301, 302, 303, 307, 308})
RESULTS = ("ok", "broken", "unreachable", "refused")


@dataclass
class LinkResult:
    """What checking one entry's address found.

    Attributes:
        id: the entry.
        url: the address checked.
        status: the final HTTP status, or None when no answer came (see ``error``).
        ok: the address answered 2xx (after any redirects).
        final_url: where the redirects ended (``url`` itself when none; never a refused one).
        redirects: each address redirected to that was allowed, in order.
        method: HEAD, or GET when HEAD was refused.
        checked: when (UTC, ISO 8601).
        error: why there was no good answer, in plain words, else None.
        result: ``ok``, ``broken``, ``unreachable`` or ``refused`` (see the module docstring).
    """

    id: str
    url: str
    status: int | None
    ok: bool
    final_url: str
    redirects: list[str] = field(default_factory=list)
    method: str = "HEAD"
    checked: str = ""
    error: str | None = None
    result: str = "ok"


class _Outcome(Exception):
    """Ends one check early with its result (``unreachable``, ``refused`` or ``broken``)."""

    def __init__(self, result: str, error: str) -> None:
        super().__init__(error)
        self.result = result
        self.error = error


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int, allow_private: bool, deadline: float) -> str:
    """One address of ``host`` that may be connected to (every address it has must pass)."""
    if time.monotonic() >= deadline:
        raise _Outcome("unreachable", "timed out")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _Outcome("unreachable", "the site's name could not be looked up (DNS)") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise _Outcome("unreachable", "the site's name has no address")
    if not allow_private and not all(_public(a) for a in addresses):
        raise _Outcome("refused", "the address is on a private or local network: not checked")
    return addresses[0]


class _Pinned(http.client.HTTPSConnection):
    """A connection to an address already checked, speaking TLS (or not) for ``host``."""

    def __init__(self, host: str, port: int, address: str, tls: bool, timeout: float) -> None:
        self._tls_context = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls_context)
        self._address = address
        self._tls = tls

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = (
            self._tls_context.wrap_socket(sock, server_hostname=self.host) if self._tls else sock
        )


def _hop(url: str, method: str, allow_private: bool, deadline: float) -> tuple[int, str | None]:
    """Ask for ``url`` once: its status and, for a redirect, the next address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Outcome("refused", "not an http or https address: not checked")
    tls = parts.scheme == "https"
    try:
        port = parts.port or (443 if tls else 80)
    except ValueError:
        raise _Outcome("broken", "the address has an invalid port") from None
    address = _resolve(parts.hostname, port, allow_private, deadline)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = _Pinned(parts.hostname, port, address, tls, max(deadline - time.monotonic(), 0.01))
    fired = threading.Event()
    watchdog = threading.Timer(max(deadline - time.monotonic(), 0), _shut, (conn, fired))
    watchdog.start()
    try:
        conn.request(method, path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = conn.getresponse()
        location = response.getheader("Location") if response.status in REDIRECTS else None
        read = 0
        while not location and method == "GET" and read < MAX_BODY:
            part = response.read1(MAX_BODY)
            if not part:
                break
            read += len(part)
    finally:
        watchdog.cancel()
        conn.close()
    if fired.is_set():  # what came before the socket was shut is not an answer
        raise _Outcome("unreachable", "timed out")
    return response.status, urljoin(url, location) if location else None


def _shut(conn: http.client.HTTPConnection, fired: threading.Event) -> None:
    """The deadline passed: stop whatever the connection is waiting for."""
    fired.set()
    if conn.sock is not None:
        with contextlib.suppress(OSError):
            conn.sock.shutdown(socket.SHUT_RDWR)


def _ask(
    url: str, method: str, allow_private: bool, deadline: float
) -> tuple[int | None, str, list[str], str | None, str]:
    """Follow ``url`` through its redirects: (status, final url, redirects, error, result)."""
    current, seen = url, list[str]()
    try:
        for _ in range(MAX_REDIRECTS + 1):
            status, location = _guarded_hop(current, method, allow_private, deadline)
            if location is None:
                result = "ok" if 200 <= status < 300 else "broken"
                return status, current, seen, None if result == "ok" else f"HTTP {status}", result
            _allowed(location, allow_private, deadline)  # refused targets are never recorded
            current = location
            seen.append(current)
        return None, current, seen, f"more than {MAX_REDIRECTS} redirects", "broken"
    except _Outcome as stop:
        return None, current, seen, stop.error, stop.result


def _allowed(url: str, allow_private: bool, deadline: float) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Outcome("refused", "redirected to an address that is not http or https")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _Outcome("broken", "redirected to an address with an invalid port") from None
    try:
        _resolve(parts.hostname, port, allow_private, deadline)
    except _Outcome as stop:
        if stop.result == "refused":
            raise _Outcome("refused", "redirected to a private or local network address") from None
        raise


def _guarded_hop(
    url: str, method: str, allow_private: bool, deadline: float
) -> tuple[int, str | None]:
    """:func:`_hop` with every failure turned into that address's outcome."""
    try:
        return _hop(url, method, allow_private, deadline)
    except _Outcome:
        raise
    except ssl.SSLError:
        raise _Outcome(
            "broken", "the site's secure connection (certificate) is not valid"
        ) from None
    except (http.client.HTTPException, ValueError):
        if time.monotonic() >= deadline:
            raise _Outcome("unreachable", "timed out") from None
        raise _Outcome("broken", "the site's answer is not valid HTTP") from None
    except ConnectionRefusedError:
        raise _Outcome("unreachable", "the site refused the connection") from None
    except OSError:
        reason = "timed out" if time.monotonic() >= deadline else "the connection failed"
        raise _Outcome("unreachable", reason) from None


def check_url(
    entry_id: str, url: str, timeout: float = 10.0, allow_private: bool = False
) -> LinkResult:
    """Check one address: HEAD, then GET when HEAD gets an error status.

    Args:
        entry_id: the entry the address belongs to.
        url: the address.
        timeout: seconds for the whole check (both methods, every redirect, the body).
        allow_private: also check loopback, private and link-local addresses (tests only).
    """
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    deadline = time.monotonic() + timeout
    status, final, seen, error, result = _ask(url, "HEAD", allow_private, deadline)
    method = "HEAD"
    if result == "broken" and status is not None:
        method = "GET"
        status, final, seen, error, result = _ask(url, "GET", allow_private, deadline)
    return LinkResult(
        entry_id, url, status, result == "ok", final, seen, method, now, error, result
    )


def check_links(
    cat: Catalogue, timeout: float = 10.0, concurrency: int = 4, allow_private: bool = False
) -> list[LinkResult]:
    """Check the ``url`` of every entry that has one, ``concurrency`` at a time, in catalogue
    order (see :func:`check_url`)."""
    todo = [(e.id, e.url.strip()) for e in cat.resources if e.url]
    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="linkcheck") as pool:
        return list(pool.map(lambda job: check_url(job[0], job[1], timeout, allow_private), todo))


def save_results(path: Path, results: list[LinkResult]) -> None:
    """Record ``results`` at ``path``, keeping earlier results of entries not checked now."""
    kept = {r["id"]: r for r in read_results(path).values()}
    kept.update({r.id: asdict(r) for r in results})
    body = {"user_agent": USER_AGENT, "results": sorted(kept.values(), key=lambda r: r["id"])}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_results(path: Path) -> dict[str, dict[str, Any]]:
    """The recorded results by entry id (empty when there are none or the file is damaged)."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        return {r["id"]: r for r in body.get("results", []) if isinstance(r, dict) and "id" in r}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}
