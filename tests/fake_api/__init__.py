"""A fake Anthropic API server for tests and manual runs (standard library only)."""

from tests.fake_api.script import (
    DropConnection,
    ErrorReply,
    MalformedEvent,
    MidStreamError,
    Reply,
    SseFile,
    Stall,
    TextReply,
)
from tests.fake_api.server import FakeAnthropic, RecordedRequest

__all__ = [
    "DropConnection",
    "ErrorReply",
    "FakeAnthropic",
    "MalformedEvent",
    "MidStreamError",
    "RecordedRequest",
    "Reply",
    "SseFile",
    "Stall",
    "TextReply",
]
