"""Bytes as well as events: the SDK drops the API's `ping` events, so a long silence with pings
would look like a stall to someone counting events.

`Relay` reads the SDK's events in a task of its own and hands them to the answer's generator
through a queue. The HTTP client (`desktop.api.http_client`) calls `Relay.on_bytes` for every
chunk of the response body (a clock read and a store). When a chunk came after the last event
and no event followed for `alive_every` seconds, the relay hands over a `{"type": "ping"}`
event of its own (checked by one loop timer, armed at most once per `alive_every`): the
reducer ignores it, the answer's stall watch hears it. Chunks that make events add nothing.

Standard library only (the SDK is imported lazily elsewhere): the streamers import this before
the window's first paint.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.core.ports import StreamEvent

ALIVE_EVERY = 1.0
"""Seconds after bytes that made no event before a ping event says the stream is alive (so at
most one per this many seconds). Far below the 30 s the answer waits before it says so."""
SLICE = 0.0025
"""Seconds of the SDK's parsing before the reading task gives the event loop a turn: the SDK
parses a whole network read (up to 64 KiB) without yielding."""

ON_BYTES: ContextVar[Callable[[], None] | None] = ContextVar("on_bytes", default=None)
"""Set while a request is sent: the HTTP client calls it for every chunk of that response."""


def ping() -> StreamEvent:
    """The event a relay yields when bytes came without events."""
    return {"type": "ping"}


class Relay:
    """The events of one SDK stream, read in a task of its own, plus pings while bytes come."""

    def __init__(self, alive_every: float) -> None:
        self._alive_every = alive_every
        self.events: deque[StreamEvent] = deque()  # taken from the left by the answer
        self.done = False  # the reading task has ended: no more events will come
        self._waiter: asyncio.Future[None] | None = None
        self.error: Exception | None = None  # how the SDK's stream failed, if it did
        self._heard = time.perf_counter()  # the last event or ping handed over
        self._bytes_at = 0.0  # the last chunk of the body
        self._timer: asyncio.TimerHandle | None = None

    def on_bytes(self) -> None:
        """A chunk of the body arrived (called by the HTTP client for every chunk: tiny)."""
        self._bytes_at = time.perf_counter()
        if self._timer is None and not self.done:
            self._timer = asyncio.get_running_loop().call_later(self._alive_every, self._check)

    def _check(self) -> None:
        """Ping if bytes came after the last event and no event came for `alive_every`."""
        self._timer = None
        if self._bytes_at <= self._heard or self.done:
            return  # every chunk so far made events (or the stream has ended)
        wait = self._heard + self._alive_every - time.perf_counter()
        if wait > 0:
            self._timer = asyncio.get_running_loop().call_later(wait, self._check)
            return
        self._heard = time.perf_counter()
        self.events.append(ping())
        self._wake()

    def close(self) -> None:
        """No more pings (the answer's generator has ended)."""
        self.done = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def read(self, stream: AsyncIterator[Any], convert: Callable[[Any], StreamEvent]) -> None:
        """In its own task: every event of `stream`, converted, into the queue; the error that
        ended it, if any, into `error`. Cancelling the task ends the reading."""
        clock, events = time.perf_counter, self.events
        start = clock()
        try:
            async for item in stream:
                events.append(convert(item))
                if self._waiter is not None:
                    self._wake()
                now = self._heard = clock()
                if now - start >= SLICE:
                    await asyncio.sleep(0)
                    start = clock()
        except Exception as error:
            self.error = error
        finally:
            self.done = True
            self._wake()

    async def wait(self) -> None:
        """Until an event is queued or the reading task has ended (`done`)."""
        if not self.events and not self.done:
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
