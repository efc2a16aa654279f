"""A request's connection has closed: the signal the protocol (:mod:`cradle.service.timeouts`)
gives the middleware (:mod:`cradle.service.turns`), so that a request waiting for its turn gives
up its place. uvicorn's own (``cycle.disconnected``) is not visible to an app until it reads.
"""

from __future__ import annotations

from collections.abc import Callable

#: The key of a request's :class:`Gone` in its scope's ``extensions``.
GONE = "cradle.gone"


class Gone:
    """Set once, when a request's connection has closed; calls what waits on it."""

    __slots__ = ("_waiting", "is_set")

    def __init__(self) -> None:
        """Not set yet."""
        self.is_set = False
        self._waiting: list[Callable[[], None]] = []

    def set(self) -> None:
        """The connection has closed: call each waiting callback once."""
        if not self.is_set:
            self.is_set = True
            waiting, self._waiting = self._waiting, []
            for call in waiting:
                call()

    def on_set(self, call: Callable[[], None]) -> None:
        """Call ``call`` when set (at once if it already is)."""
        if self.is_set:
            call()
        else:
            self._waiting.append(call)
