"""The SDK's HTTP client with timed response bodies: the bytes the stall watch must see.

`timed_http_client` is the SDK's own `DefaultAsyncHttpxClient` (its connection limits, TCP
keep-alive, proxies from the environment, redirects), whose `send` wraps each response body
in a `TimedBody` when the request was sent with `relay.ON_BYTES` set. The SDK itself wraps
bodies the same way for tracing (`anthropic._tracing.AsyncSpanEndingStream`).

Imports the SDK: import this module lazily (`AnthropicBackend._make_client` does).
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

import anthropic
import httpx2

from desktop.api.relay import ON_BYTES


class TimedBody(httpx2.AsyncByteStream):
    """A response body that calls `on_bytes` for every chunk read from the network."""

    def __init__(self, body: httpx2.AsyncByteStream, on_bytes: Callable[[], None]) -> None:
        self._body = body
        self._on_bytes = on_bytes

    @property
    def elapsed(self) -> datetime.timedelta | None:
        """The wrapped body's `elapsed` (`httpx2.Response.elapsed` reads it here)."""
        return getattr(self._body, "elapsed", None)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._body.__aiter__()
        on_bytes = self._on_bytes
        try:
            async for chunk in chunks:
                on_bytes()
                yield chunk
        finally:
            # Closed in the task that read it, not later by the loop in a task of its own.
            if isinstance(chunks, AsyncGenerator):
                await chunks.aclose()

    async def aclose(self) -> None:
        await self._body.aclose()


class TimedHttpClient(anthropic.DefaultAsyncHttpxClient):
    """The SDK's default client; a response's body is timed when `ON_BYTES` was set."""

    async def send(
        self, request: httpx2.Request, *, stream: bool = False, **kwargs: Any
    ) -> httpx2.Response:
        response = await super().send(request, stream=stream, **kwargs)
        on_bytes = ON_BYTES.get()
        if stream and on_bytes is not None and isinstance(response.stream, httpx2.AsyncByteStream):
            response.stream = TimedBody(response.stream, on_bytes)
        return response


def timed_http_client(timeout: httpx2.Timeout) -> httpx2.AsyncClient:
    """An HTTP client for `anthropic.AsyncAnthropic(http_client=...)` with the SDK's defaults."""
    return TimedHttpClient(timeout=timeout)
