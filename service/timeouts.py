"""Connection limits for uvicorn's HTTP/1.1 protocol: a header timeout, a body timeout, a cap on
a request's head, a cap on open connections, at most one pipelined request waiting per
connection, and one log line a minute when the process cannot accept connections.

The protocol is uvicorn's httptools one (llhttp, in C), not the h11 one, which parses in
Python on the event loop every search shares (bench/findings.md, "Search at 10k against round
one", third pass). llhttp sets no limit on a request's head, and uvicorn appends a URL's pieces
as they arrive, so the head is capped here, as h11 capped it; so is a chunked body's framing.

uvicorn's own ``timeout_keep_alive`` only runs between requests and stops at the first byte
received, so a client that connects and sends nothing, or sends headers a byte at a time,
would hold its connection for ever; and nothing times out a body sent a byte at a time. nginx's
equivalents are ``client_header_timeout``, ``client_body_timeout`` and ``limit_conn``
(docs/deployment.md), still the recommended front.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from cradle.service.gone import GONE, Gone

log = logging.getLogger("cradle.service")

ACCEPT_ERROR = "socket.accept() out of system resource"
ACCEPT_LOG_EVERY_S = 60.0


def _raw_answer(status: str, message: str) -> bytes:
    """A whole HTTP/1.1 answer that closes the connection (written without uvicorn's state)."""
    body = (message + "\n").encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\nRetry-After: 2\r\n\r\n"
    )
    return head.encode() + body


BUSY = _raw_answer(
    "503 Service Unavailable", "the server has too many open connections; retry in a few seconds"
)
BUSY_CLIENT = _raw_answer(
    "503 Service Unavailable",
    "your address has too many open connections to this server; close some, then retry",
)
#: How long a connection cut for a slow body stays open, unread, after its 408 and FIN.
LINGER_SECONDS = 1.0
SLOW_BODY = _raw_answer(
    "408 Request Timeout", "the request body did not arrive in time; send it in one go"
)
BODY_TOO_LARGE = _raw_answer(
    "413 Content Too Large", "the request body is larger than this server takes; send less"
)
#: What a request's head (request line and headers) may hold beyond its URL (h11's own limit).
HEADERS_BYTES = 16 * 1024
#: Lines a request's head may have (its request line and headers; Apache's LimitRequestFields
#: is 100): the parser calls back into Python once a header, so a head of 6,400 one-letter
#: headers under the byte cap cost the event loop 6,400 calls (hostile round 9).
HEAD_LINES = 128
#: A chunked body is given to the parser this many bytes at a time: what follows its end in the
#: same piece is parsed as a head before it is counted (a read is up to 256 KiB), so at most
#: about HEAD_LINES one-letter headers (5 bytes a line) escape the count.
CHUNKED_SLICE = 640
HEAD_TOO_LONG = _raw_answer(
    "431 Request Header Fields Too Large",
    "the request line and headers are too long; send a shorter URL or fewer headers",
)


class _GatedFlow(FlowControl):
    """uvicorn's flow control, except that reading is not resumed while the connection holds
    bytes or a request waits: an app's ``receive()`` resumes reading (a search or a query
    listening for its client to go away), and new bytes would then overtake the held ones."""

    def __init__(self, transport: Any, holding: Callable[[], bool]) -> None:
        super().__init__(transport)
        self._holding = holding

    def resume_reading(self) -> None:  # noqa: D102 - uvicorn's
        if not self._holding():
            super().resume_reading()


class LimitedHTTP(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of the module docstring, read from the
    class attributes that :func:`header_timeout_protocol` sets."""

    header_seconds: float = 10.0
    body_seconds: float | None = None
    max_connections: int | None = None
    per_client: int | None = None
    trusted: frozenset[str] = frozenset()
    max_head_bytes: int = 16_384 + HEADERS_BYTES
    _peer: str | None = None  # the client's address (None: a trusted proxy's, or unknown)
    _header_timer: asyncio.TimerHandle | None = None
    _body_timer: asyncio.TimerHandle | None = None
    _head_bytes: int = 0  # bytes of the head being received
    _head_lines: int = 0  # line ends in it so far
    _gones: tuple[Gone, ...] = ()  # of the last two requests (service/gone.py)
    _input_ended: bool = False  # the client shut its side with requests still to answer
    _pipelined: bool = False  # the request in progress was sent before the last answer ended
    _tail: bytes = b""  # its last bytes (the end of a head may come in two pieces)
    _in_body: bool = False
    _refusing: bool = False  # a head, or a chunked body's framing, went over the cap
    _body_bytes: int = 0  # the body's bytes so far (without a chunked body's framing)
    _framing: int = 0  # a chunked body's chunk sizes and trailers so far
    _heads: int = 0  # heads parsed on this connection
    _held: tuple[bytes, int] | None = None  # a read, and where its unparsed rest starts
    _body_left: int | None = None  # a Content-Length body's bytes still to come (None: chunked)
    _dropping: bool = False  # requests beyond one waiting are parsed, not served
    _resuming: bool = False  # parsing what was held is scheduled
    write_seconds: float | None = None
    max_body_bytes: int | None = None
    _write_timer: asyncio.TimerHandle | None = None
    _write_left: int = 0  # bytes waiting to be sent when the write timer was armed

    def connection_made(self, transport: Any) -> None:  # noqa: D102 - uvicorn's
        super().connection_made(transport)
        self.flow = _GatedFlow(transport, lambda: self._holding() or self._input_ended)
        if self.max_connections is not None and len(self.connections) > self.max_connections:
            transport.write(BUSY)
            transport.close()
            return
        if self.per_client is not None and self._over_client_cap(transport):
            transport.write(BUSY_CLIENT)
            transport.close()
            return
        self._arm()

    def _over_client_cap(self, transport: Any) -> bool:
        """Whether this connection's address now holds more than :attr:`per_client` of this
        process's connections (one pass over them: at most ``max_connections``). The address is
        the peer's, as :func:`cradle.service.deps.client_address` takes it before any header is
        read; a trusted proxy's connections carry many clients and are not counted."""
        peer = transport.get_extra_info("peername")
        host = peer[0] if isinstance(peer, tuple) and peer else None
        if host is None or host in self.trusted:
            return False
        self._peer = host
        same = sum(1 for c in self.connections if getattr(c, "_peer", None) == host)
        return same > (self.per_client or 0)

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: D102 - uvicorn's
        self._disarm()
        self._disarm_body()
        self._disarm_write()
        super().connection_lost(exc)
        # requests still waiting for their turn give it up (service/turns.py): the one in
        # progress and the one pipelined behind it (uvicorn's cycle is the newer)
        for gone in self._gones:
            gone.set()

    def data_received(self, data: bytes) -> None:  # noqa: D102 - uvicorn's
        # Given to the parser a head at a time, so that each head is counted on its own before
        # it is parsed (a read may hold the end of one and the start of the next); each byte is
        # looked at once. A Content-Length body is cut at its end; a chunked one, whose end only
        # the parser finds, is given to it CHUNKED_SLICE bytes at a time, so at most that many
        # bytes after its end start a head uncounted. In a body, what is not body (a chunked
        # body's sizes and trailers) is counted after each piece.
        self._feed(data, 0)

    def _feed(self, data: bytes, at: int) -> None:
        """Parse ``data`` from ``at`` (the loop of :meth:`data_received`)."""
        while at < len(data):
            if self._refusing or self.transport.is_closing():
                return  # a head went over the cap, or the parser refused the request
            if self._header_timer is None and self._between_requests():
                self._arm()
            end = -1 if self._in_body else self._head_end(data, at)
            stop = len(data) if end < 0 else end
            if self._in_body and self._body_left is not None and self._body_left > 0:
                # a Content-Length body ends here: what follows is a head, counted and held
                # like any other (a read handed whole to the parser parses every request in it)
                stop = min(len(data), at + self._body_left)
            elif self._in_body and self._body_left is None:
                stop = min(len(data), at + CHUNKED_SLICE)
            in_body, body, heads = self._in_body, self._body_bytes, self._heads
            if not in_body:
                self._head_bytes += stop - at
                self._head_lines += data.count(b"\n", at, stop)
                if self._head_bytes > self.max_head_bytes or self._head_lines > HEAD_LINES + 1:
                    self._head_too_long()
                    return
            super().data_received(data[at:stop])
            if in_body and self._in_body and self._heads == heads:  # still the same body
                # what was not body: chunk sizes and trailers
                self._framing += stop - at - (self._body_bytes - body)
                if self._framing > self.max_head_bytes + self._body_bytes // 4:
                    self._framing_too_long()
                    return
            # a head still coming keeps its last bytes: its end may be split between two reads
            still = end < 0 and not self._in_body
            self._tail = (self._tail + data[max(at, stop - 3) : stop])[-3:] if still else b""
            at = stop
            if not self._between_requests():
                self._disarm()  # a request's headers are in: the app has it now
                if not self.pipeline:  # a waiting request's body is timed once it starts
                    self._watch_body()
            if self.pipeline and at < len(data):
                # A request waits behind the one being answered (pipelined): the rest of this
                # read is kept as bytes, not parsed into more waiting requests, and reading
                # stays paused (uvicorn paused it) until the waiting request starts. One
                # connection then holds at most one read and one waiting request, however
                # many requests it sends at once (hostile round 7, F1).
                self._held = (data, at)  # not a copy: re-slicing would be quadratic
                return

    def _holding(self) -> bool:
        """Whether bytes are held or a request waits (reading then stays paused)."""
        return self._held is not None or bool(self.pipeline)

    def eof_received(self) -> bool | None:  # type: ignore[override]  # noqa: D102
        # A client that sent its requests and then shut its side of the connection still gets
        # the answers of those held, waiting or pipelined (sent before the answer ahead of them
        # ended; True keeps the transport open to write them), the last one too: reading is not
        # resumed, and the connection closes after the last answer. The server cannot tell a
        # shut side from a hang-up, so a pipelined request whose client hung up runs to its end
        # (a query to its deadline). With only one request in progress, sent on its own, the
        # end of input is taken, as uvicorn takes it, as the client gone: its query or search
        # is stopped.
        if not (self._holding() or (self._pipelined and not self._between_requests())):
            return None
        self._input_ended = True
        return True

    def _head_end(self, data: bytes, at: int) -> int:
        """Just past the blank line ending the head being received, in ``data`` from ``at``
        (its start may be in the last read); -1 when it is not there."""
        if self._tail:
            joined = self._tail + data[at : at + 3]
            found = joined.find(b"\r\n\r\n")
            if found >= 0:
                return at + found + 4 - len(self._tail)
        found = data.find(b"\r\n\r\n", at)
        return -1 if found < 0 else found + 4

    def on_headers_complete(self) -> None:  # noqa: D102 - uvicorn's
        self._head_bytes, self._in_body, self._body_bytes, self._framing = 0, True, 0, 0
        self._head_lines = 0
        self._heads += 1
        self._body_left = _content_length(self.headers)
        if self._dropping:
            return
        if self.pipeline:
            # A second request would wait behind the one being answered: only possible when a
            # read held a body and requests after it, parsed in one go. The requests already
            # in are answered, then the connection closes; the rest are parsed, not served.
            log.info("more than one pipelined request waiting: the connection closes")
            self._dropping = self._refusing = True
            if self.cycle is not None:
                self.cycle.keep_alive = False
            return
        if self.max_body_bytes is not None and (self._body_left or 0) > self.max_body_bytes:
            self._body_too_large()
            return
        gone = Gone()
        self._gones = (*self._gones[-1:], gone)  # at most one in progress, one waiting
        self.scope["extensions"] = {**self.scope.get("extensions", {}), GONE: gone}
        if self._between_requests():
            self._pipelined = False  # (one behind another is marked when it starts)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:  # noqa: D102 - uvicorn's
        self._body_bytes += len(body)
        if self._body_left is not None:
            self._body_left -= len(body)
        if not self._dropping:
            super().on_body(body)

    def on_message_complete(self) -> None:  # noqa: D102 - uvicorn's
        self._in_body = False
        if not self._dropping:
            super().on_message_complete()

    def _body_too_large(self) -> None:
        """A body announced larger than any route takes: 413 before a byte of it is read, and
        the connection closes (behind an answer in progress: closes after it, without 413)."""
        log.info("a request body of %s bytes was refused before it was read", self._body_left)
        self._dropping = self._refusing = True
        if self._between_requests():
            self.transport.write(BODY_TOO_LARGE)
            self._close_gently()
        elif self.cycle is not None:
            self.cycle.keep_alive = False

    def pause_writing(self) -> None:  # noqa: D102 - uvicorn's
        super().pause_writing()
        if self.write_seconds is not None and self._write_timer is None:
            self._write_left = self.transport.get_write_buffer_size()
            self._write_timer = self.loop.call_later(self.write_seconds, self._write_expired)

    def resume_writing(self) -> None:  # noqa: D102 - uvicorn's
        super().resume_writing()
        self._disarm_write()

    def _disarm_write(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def _write_expired(self) -> None:
        """The client has not read: whatever the answer (a page, an error), it took nothing of
        it for ``write_seconds``; its bytes are dropped with the connection. One that reads,
        however slowly, is given another ``write_seconds``."""
        self._write_timer = None
        left = self.transport.get_write_buffer_size()
        if left == 0:
            return  # (a closing transport is dropped too: close() waits for the buffer)
        if left < self._write_left:
            self._write_left = left
            assert self.write_seconds is not None
            self._write_timer = self.loop.call_later(self.write_seconds, self._write_expired)
            return
        log.info("a client read nothing of its answer in %g s: dropped", self.write_seconds)
        sock = self.transport.get_extra_info("socket")
        if sock is not None:  # a reset, not a FIN: the kernel drops what it still holds, too
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()

    def on_response_complete(self) -> None:  # noqa: D102 - uvicorn's
        super().on_response_complete()
        self._pipelined = not self._between_requests()  # uvicorn started a pipelined one
        self._disarm()  # uvicorn's keep-alive timer watches the idle time from here
        self._disarm_body()
        if not self._between_requests():
            self._watch_body()  # a waiting request started now: its body is timed from here
        if self._held is None and not self.pipeline:
            self.flow.resume_reading()  # uvicorn's resume came while the request still waited
        if self._held is not None and not self._resuming:
            # uvicorn resumed reading: held bytes come first, so reading waits for them
            self._resuming = True
            self.flow.pause_reading()
            self.loop.call_soon(self._resume_after_held)
        self._close_if_input_ended()

    def _close_if_input_ended(self) -> None:
        """After the last answer to a client that shut its side: close (nothing more can come)."""
        if self._input_ended and self._between_requests() and not self._holding():
            self.transport.close()

    def _resume_after_held(self) -> None:
        """Parse what was held behind a waiting request, now that it has started; read again
        unless that queued another request. While one still waits (the request started before
        this ran has already finished and the next started), the bytes stay held until then."""
        self._resuming = False
        if self.transport.is_closing():
            self._held = None
            return
        if self.pipeline:
            return
        held, self._held = self._held, None
        if held is not None:
            self._feed(*held)
        if not self.pipeline and self._held is None:
            self.flow.resume_reading()
        self._close_if_input_ended()

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_seconds, self._expire)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _watch_body(self) -> None:
        if self.cycle is None or not self.cycle.more_body:
            self._disarm_body()  # the whole body is in (or there is none)
        elif self.body_seconds is not None and self._body_timer is None:
            self._body_timer = self.loop.call_later(self.body_seconds, self._body_expired)

    def _disarm_body(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _expire(self) -> None:
        self._header_timer = None
        if self._between_requests() and not self.transport.is_closing():
            log.info("a connection sent no complete request in %g s: closed", self.header_seconds)
            self.transport.close()

    def _body_expired(self) -> None:
        self._body_timer = None
        cycle = self.cycle
        if cycle is None or not cycle.more_body or self.transport.is_closing():
            return
        log.info("a request body did not arrive in %g s: closed", self.body_seconds)
        if not cycle.response_started:
            self.transport.write(SLOW_BODY)
        cycle.disconnected = True  # the app's next receive() says the client went away
        cycle.message_event.set()
        self._close_gently()

    def _head_too_long(self) -> None:
        log.info("a request's head went over %d bytes or %d lines: closed", self.max_head_bytes,
                 HEAD_LINES)  # fmt: skip
        self._disarm()
        self._refusing = True
        if self._between_requests():
            self.transport.write(HEAD_TOO_LONG)
            self._close_gently()
        elif self.cycle is not None:
            # requests before it (pipelined) are still answered, then the connection closes
            self.cycle.keep_alive = False

    def _framing_too_long(self) -> None:
        """A chunked body whose chunk sizes and trailers grow past a head's cap (plus a quarter
        of its data, for small chunks): the parser would keep a trailer whole, copying it on
        every read. The request is dropped and the connection closed."""
        log.info("a chunked body's framing went over %d bytes: closed", self.max_head_bytes)
        self._refusing = True
        self._disarm_body()
        self.transport.close()

    def _close_gently(self) -> None:
        """Close after the answer has left. Closing a socket with unread bytes (the client is
        still trickling its body) makes the kernel send a reset that can discard the 408 before
        the client reads it; so the answer goes with a FIN first, reading stops (what else
        arrives stays unread), and the socket is closed a moment later."""
        self.transport.pause_reading()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """A request's Content-Length (0 when it has none), or None when its body is chunked (its
    end is known only by parsing it); llhttp itself refuses a malformed or doubled length."""
    length = 0
    for name, value in headers:
        if name == b"transfer-encoding":
            return None
        if name == b"content-length" and value.strip().isdigit():
            length = int(value)
    return length


def header_timeout_protocol(
    seconds: float,
    body_seconds: float | None = None,
    max_connections: int | None = None,
    max_url_bytes: int = 16_384,
    per_client: int | None = None,
    trusted: frozenset[str] = frozenset(),
    write_seconds: float | None = None,
    max_body_bytes: int | None = None,
) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with the limits of the module docstring.

    Args:
        seconds: a request's headers must arrive within this (counted from the connection or
            from the end of the last answer), else the connection is closed.
        body_seconds: a request's body must arrive within this after its headers, else the
            client gets 408 and the connection is closed (None: no limit).
        max_connections: a connection beyond this many open ones gets 503 at once and is
            closed (None: no limit).
        max_url_bytes: the longest URL the service answers (the app answers 414 above it); a
            head longer than this plus :data:`HEADERS_BYTES` gets 431 and the connection is
            closed.
        per_client: a connection beyond this many open ones from one address gets 503 at
            once and is closed (None: no limit); the addresses in ``trusted`` (reverse
            proxies, whose connections carry many clients) are not counted.
        trusted: the reverse proxies' addresses.
        write_seconds: a client that reads nothing of an answer waiting to be sent (any
            answer, whole pages included) for this long is dropped (None: no limit).
        max_body_bytes: a request announcing a larger body gets 413 before it is read, and
            the connection is closed (None: no limit).
    """
    limits = {
        "header_seconds": seconds,
        "body_seconds": body_seconds,
        "max_connections": max_connections,
        "per_client": per_client,
        "trusted": trusted,
        "max_head_bytes": max_url_bytes + HEADERS_BYTES,
        "write_seconds": write_seconds,
        "max_body_bytes": max_body_bytes,
    }
    return type("HeaderTimeout", (LimitedHTTP,), limits)


class AcceptErrors(logging.Filter):
    """Lets one "cannot accept connections" record through a minute, without its traceback
    (asyncio logs one with a traceback each time accept() fails, e.g. out of file descriptors).
    """

    def __init__(self, every: float = ACCEPT_LOG_EVERY_S) -> None:
        """A filter letting one such record through per ``every`` seconds."""
        super().__init__()
        self.every = every
        self.last = -every
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        """Pass other records; rate-limit and shorten accept errors."""
        if not str(record.msg).startswith(ACCEPT_ERROR):
            return True
        now = time.monotonic()
        if now - self.last < self.every:
            self.dropped += 1
            return False
        error = record.exc_info[1] if record.exc_info else None
        reason = getattr(error, "strerror", None) or "out of system resources"
        record.msg = (
            "cannot accept new connections (%s): %d more such errors in the last minute; "
            "see CRADLE_MAX_CONNECTIONS and the open-files limit (ulimit -n)"
        )
        record.args = (reason, self.dropped)
        record.exc_info = None
        record.exc_text = None
        self.last, self.dropped = now, 0
        return True


def quiet_accept_errors() -> AcceptErrors:
    """Install :class:`AcceptErrors` on asyncio's logger (once); returns it."""
    logger = logging.getLogger("asyncio")
    for existing in logger.filters:
        if isinstance(existing, AcceptErrors):
            return existing
    added = AcceptErrors()
    logger.addFilter(added)
    return added
