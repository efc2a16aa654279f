"""A header timeout for uvicorn's HTTP/1.1 protocol: a connection that does not complete a
request's headers within the timeout is closed.

uvicorn's own ``timeout_keep_alive`` only runs between requests and stops at the first byte
received, so a client that connects and sends nothing, or sends headers a byte at a time,
would hold its connection for ever. nginx's equivalent is ``client_header_timeout``
(docs/deployment.md).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("cradle.service")


def header_timeout_protocol(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing connections that take over ``seconds`` to send the
    headers of a request (counted from the connection or from the end of the last answer)."""

    class HeaderTimeout(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._header_timer is None and self._between_requests():
                self._arm()
            super().data_received(data)
            if not self._between_requests():
                self._disarm()  # a request's headers are in: the app has it now

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._disarm()  # uvicorn's keep-alive timer watches the idle time from here

        def _between_requests(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(seconds, self._expire)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expire(self) -> None:
            self._header_timer = None
            if self._between_requests() and not self.transport.is_closing():
                log.info("a connection sent no complete request in %g s: closed", seconds)
                self.transport.close()

    return HeaderTimeout
