"""`ChatBackend` over the Anthropic SDK (`AsyncAnthropic`).

The SDK is imported lazily (it costs ~0.9 s and ~94 MB): importing this module must not
import `anthropic`, so the window can paint first. Retries are off (`max_retries=0`): the
app shows waits and retries itself, and the SDK would honour any `retry-after`, even an hour.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from desktop.api import relay
from desktop.api.errors import to_desk_error
from desktop.api.stream_process import StreamProcess, supported
from desktop.api.streamers import AnswerStreamer, SdkStreamer
from desktop.background import BackgroundLoop
from desktop.core.catalog import RemoteModel
from desktop.core.errors import MissingApiKey
from desktop.core.ports import StreamEvent
from desktop.core.sealed import Sealed

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

VERIFY_TIMEOUT = 15.0
CONNECT_TIMEOUT = 10.0


class AnthropicBackend:
    """The Claude API as the app uses it; every method raises only `core.errors` kinds."""

    def __init__(
        self, base_url: str | None = None, timeout: float = 600.0, stream_process: bool = False
    ) -> None:
        """`stream_process`: stream answers through a child process once it is ready (see
        `desktop.api.stream_process`); the child starts when the backend gets a key."""
        self._base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        self._timeout = timeout
        self._process: StreamProcess | None = None
        if stream_process and supported():
            self._process = StreamProcess(self._base_url, timeout)
        self._api_key: str | None = None
        self._client: AsyncAnthropic | None = None
        self._retired: list[AsyncAnthropic] = []
        self._background = BackgroundLoop("api-count")
        self._counter: tuple[str, AsyncAnthropic] | None = None  # lives on the background loop
        self._in_process = SdkStreamer(self._ready_client)

    def set_api_key(self, api_key: str | None) -> None:
        """Use `api_key` from the next request on (None: requests raise MissingApiKey)."""
        api_key = api_key or None
        if api_key == self._api_key:
            return
        self._api_key = api_key
        if self._client is not None:
            self._retired.append(self._client)  # may still serve a running stream
            self._client = None
        if self._process is not None:
            if api_key is None:
                self._process.stop()
            else:
                self._process.start(api_key)

    @property
    def stream_process(self) -> StreamProcess | None:
        """The child process that streams answers, when enabled (tests look at it)."""
        return self._process

    async def stream_message(
        self, params: dict[str, Any], alive_every: float | None = None
    ) -> AsyncIterator[StreamEvent]:
        """Stream one answer; yields raw events as dicts. Closing the iterator ends the request.

        Goes through the child process when it is ready, else in this process (and the child
        is started, or restarted after a crash, for the next answer). A `{"type": "ping"}`
        event says bytes came without events for `alive_every` seconds (`relay.ALIVE_EVERY`).
        """
        key = self._require_key()
        every = relay.ALIVE_EVERY if alive_every is None else alive_every
        streamer: AnswerStreamer = self._in_process
        process = self._process
        if process is not None:
            if process.ready:
                streamer = process
            else:
                process.start(key)
        async with contextlib.aclosing(streamer.stream(key, params, every)) as events:
            async for event in events:
                yield event  # on Stop, closing `events` ends the request at once

    async def count_tokens(self, params: dict[str, Any]) -> int:
        """Input tokens of a request (the count_tokens endpoint); `max_tokens` is ignored.

        Runs on a background loop with its own client: the SDK's work for a count (while the
        user types) stays off the UI thread. Cancelling waits until the request has ended.
        """
        key = self._require_key()
        fields = ("model", "messages", "system", "thinking", "tools", "tool_choice")
        request = {k: v for k, v in params.items() if k in fields}
        return await self._background.run(lambda: self._count_in_background(key, request))

    async def _count_in_background(self, key: str, request: dict[str, Any]) -> int:
        """On the background loop: count with the client kept there for `key`."""
        if self._counter is None or self._counter[0] != key:
            if self._counter is not None:
                await self._counter[1].close()
            self._counter = (key, self._make_client(key, self._timeout))
        try:
            result = await self._counter[1].messages.count_tokens(**request)
        except Exception as error:
            _reraise_if_cancelled()  # a superseded count must end cancelled, not as an error
            raise to_desk_error(error, request.get("model")) from error
        return int(result.input_tokens)

    async def _close_counter(self) -> None:
        counter, self._counter = self._counter, None
        if counter is not None:
            await counter[1].close()

    async def list_models(self) -> list[RemoteModel]:
        """Every model the account may use, as the API lists them."""
        return await _list_models(await self._ready_client())

    async def verify_key(self, api_key: str) -> None:
        """Raise AuthFailed / Offline / ... unless `api_key` can list models."""
        if not api_key:
            raise MissingApiKey("Enter an API key first.")
        import asyncio

        client = await asyncio.to_thread(self._sealed_client, Sealed(api_key), VERIFY_TIMEOUT)
        try:
            await _first_models_page(client)
        finally:
            await client.close()

    async def aclose(self) -> None:
        """Close every HTTP connection pool this backend opened."""
        clients, self._retired = self._retired, []
        if self._client is not None:
            clients.append(self._client)
            self._client = None
        for client in clients:
            await client.close()
        if self._process is not None:
            await self._process.aclose()
        if self._counter is not None:
            await self._background.run(self._close_counter)
        self._background.close()

    async def sdk_client(self) -> AsyncAnthropic:
        """The SDK client (for `desktop.api.batches`); raises MissingApiKey without a key."""
        return await self._ready_client()

    async def _ready_client(self) -> AsyncAnthropic:
        """The client for the current key, built in a worker thread the first time: its TLS
        setup (certificates) takes 30-70 ms, too long for the UI thread."""
        import asyncio

        while self._client is None:
            key = self._require_key()
            client = await asyncio.to_thread(self._sealed_client, Sealed(key), self._timeout)
            if self._client is None and self._api_key == key:
                self._client = client
            else:  # the key changed, or another request built one meanwhile
                self._retired.append(client)
        return self._client

    def _require_key(self) -> str:
        if self._api_key is None:
            raise MissingApiKey(
                "No API key is set. Add your Anthropic API key in Settings "
                "(create one at console.anthropic.com)."
            )
        return self._api_key

    def _sealed_client(self, api_key: Sealed[str], timeout: float) -> AsyncAnthropic:
        """`_make_client` for a worker thread: executors log their calls' arguments at DEBUG,
        so the key travels sealed."""
        return self._make_client(api_key.value, timeout)

    def _make_client(self, api_key: str, timeout: float) -> AsyncAnthropic:
        """The SDK client; its HTTP client times streamed bodies (see `relay`)."""
        import anthropic
        import httpx2

        from desktop.api.http_client import timed_http_client

        timeouts = httpx2.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout))
        return anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=self._base_url,
            timeout=timeouts,
            max_retries=0,
            http_client=timed_http_client(timeouts),
        )


def _reraise_if_cancelled() -> None:
    """The HTTP layer may turn a task's cancellation into a transport error: undo that."""
    import asyncio

    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def _list_models(client: AsyncAnthropic) -> list[RemoteModel]:
    try:
        return [_remote_model(info) async for info in client.models.list()]
    except Exception as error:
        raise to_desk_error(error) from error


async def _first_models_page(client: AsyncAnthropic) -> None:
    try:
        await client.models.list(limit=1)
    except Exception as error:
        raise to_desk_error(error) from error


def _remote_model(info: Any) -> RemoteModel:
    return RemoteModel(
        id=info.id,
        display_name=getattr(info, "display_name", None) or info.id,
        context_window=getattr(info, "max_input_tokens", None),
        max_output=getattr(info, "max_tokens", None),
    )
