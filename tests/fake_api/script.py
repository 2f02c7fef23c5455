"""Scripted replies for `POST /v1/messages`: queue them with `FakeAnthropic.enqueue`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fake_api.client_tools import ToolUseReply
from tests.fake_api.server_tools import ToolReply


@dataclass
class TextReply:
    """A normal answer: optional thinking, then one text block.

    Streamed as `text_delta` events of `delta_size` characters (or exactly `deltas` when
    given), `delay` seconds between events. `usage` entries override the computed ones.
    Non-streaming requests get the same answer as one Message JSON.
    """

    text: str
    thinking: str | None = None
    stop_reason: str = "end_turn"
    stop_details: dict[str, Any] | None = None
    usage: dict[str, Any] | None = None
    delta_size: int = 5
    delay: float = 0.0
    model: str | None = None
    deltas: list[str] | None = None
    thinking_signature: str = "c2lnbmF0dXJlLWZha2U="

    @classmethod
    def many_deltas(cls, deltas: list[str], **kwargs: Any) -> TextReply:
        """A reply streamed as exactly these text deltas (for benchmarks)."""
        return cls(text="".join(deltas), deltas=list(deltas), **kwargs)

    def text_deltas(self) -> list[str]:
        if self.deltas is not None:
            return self.deltas
        size = max(1, self.delta_size)
        return [self.text[i : i + size] for i in range(0, len(self.text), size)]


@dataclass
class SseFile:
    """Replays a recorded `.sse` body verbatim (chunked in odd sizes)."""

    path: Path | str


@dataclass
class ErrorReply:
    """An HTTP error with the API's JSON error body."""

    status: int
    error_type: str
    message: str
    retry_after: str | None = None
    retry_after_ms: str | None = None
    should_retry: bool | None = None  # sent as `x-should-retry: true|false`


@dataclass
class MidStreamError:
    """HTTP 200 and some text, then an `error` event, then the end of the body."""

    text_before: str = "Partial answer"
    error_type: str = "overloaded_error"
    message: str = "Overloaded"


@dataclass
class DropConnection:
    """Some events, then the socket is closed without the terminating chunk.

    With `reset` the close is abortive (TCP RST) instead of an orderly FIN.
    """

    text_before: str = "Partial answer"
    reset: bool = False


@dataclass
class MalformedEvent:
    """HTTP 200 and some text, then an event whose `data:` is not JSON, then the end."""

    text_before: str = "Partial answer"
    data: str = "{'type': 'content_block_delta', oops"


@dataclass
class Stall:
    """Some text, a silence of `seconds` (cut short by `stop()`), then the rest normally.

    With `ping_every` the silence has only `event: ping` frames, one every `ping_every` seconds
    (as the API sends while the model works): bytes, but no event the SDK passes on.
    """

    text_before: str = "Thinking about it"
    seconds: float = 5.0
    text_after: str = " … and here is the rest of the answer."
    ping_every: float | None = None


Reply = (
    TextReply
    | SseFile
    | ErrorReply
    | MidStreamError
    | DropConnection
    | MalformedEvent
    | Stall
    | ToolReply
    | ToolUseReply
)
