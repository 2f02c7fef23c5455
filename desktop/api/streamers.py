"""Two ways to stream an answer, one interface: in this process through the SDK
(`SdkStreamer`), or through the streaming child (`desktop.api.stream_process.StreamProcess`).
`AnthropicBackend.stream_message` picks one per answer."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from desktop.api.errors import mid_stream_error, to_desk_error
from desktop.api.relay import ON_BYTES, Relay

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

    from desktop.core.ports import StreamEvent


class AnswerStreamer(Protocol):
    def stream(
        self, key: str, params: dict[str, Any], alive_every: float
    ) -> AsyncGenerator[StreamEvent, None]:
        """The answer's events as dicts; raises only `core.errors` kinds. Closing the
        iterator ends the request at once. A `{"type": "ping"}` event comes when bytes arrived
        but no event for `alive_every` seconds (the SDK drops the API's own pings)."""
        ...


class SdkStreamer:
    """Streams in this process with the SDK client for the current key."""

    def __init__(self, client: Callable[[], Awaitable[AsyncAnthropic]]) -> None:
        self._client = client

    async def stream(
        self, key: str, params: dict[str, Any], alive_every: float
    ) -> AsyncGenerator[StreamEvent, None]:
        client = await self._client()  # built for the backend's key (`key` is that key)
        model = params.get("model")
        relay = Relay(alive_every)
        timed = ON_BYTES.set(relay.on_bytes)  # the body of this request's response is timed
        try:
            stream = await client.messages.create(**params, stream=True)
        except Exception as error:
            raise to_desk_error(error, model) from error
        finally:
            ON_BYTES.reset(timed)
        reader = asyncio.ensure_future(relay.read(stream, event_dict))
        events, text_arrived = relay.events, False
        try:
            while True:
                while events:
                    data = events.popleft()
                    text_arrived = text_arrived or data["type"] == "content_block_delta"
                    yield data
                if relay.done:
                    break
                await relay.wait()
            if (failure := relay.error) is not None:
                await stream.close()
                _release_body_iterators(failure)
                raise mid_stream_error(failure, model, text_arrived) from failure
        finally:
            relay.close()
            reader.cancel()  # at once on Stop (GeneratorExit / CancelledError) too
            await asyncio.wait([reader])
            await stream.close()


def event_dict(event: Any) -> StreamEvent:
    """An SDK stream event as a plain dict; text and thinking deltas built by hand (hot path)."""
    if event.type == "content_block_delta":
        delta = event.delta
        if delta.type == "text_delta":
            payload = {"type": "text_delta", "text": delta.text}
            return {"type": "content_block_delta", "index": event.index, "delta": payload}
        if delta.type == "thinking_delta":
            payload = {"type": "thinking_delta", "thinking": delta.thinking}
            return {"type": "content_block_delta", "index": event.index, "delta": payload}
    if isinstance(event, dict):
        return event
    result: StreamEvent = event.to_dict(mode="json")
    return result


def _release_body_iterators(error: BaseException) -> None:
    """Close the SDK's HTTP body iterators that `error`'s traceback keeps suspended.

    On an `error` event mid-stream the SDK raises out of its SSE loop without closing its
    iterators (down to httpcore2's); the traceback's frames hold them. The response is closed
    already, so clearing the frames closes them now, in the loop; left to the garbage collector
    they would be closed outside it (qasync installs no async generator hooks), where httpcore2
    fails with `sniffio.AsyncLibraryNotFoundError`.
    """
    traceback.clear_frames(error.__traceback__)
