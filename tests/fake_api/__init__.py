"""A fake Anthropic API server for tests and manual runs (standard library only)."""

from tests.fake_api.client_tools import LocalCall, ToolUseReply
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
from tests.fake_api.server_tools import Cited, Fetch, RunCode, Search, ToolReply

__all__ = [
    "Cited",
    "DropConnection",
    "ErrorReply",
    "FakeAnthropic",
    "Fetch",
    "LocalCall",
    "MalformedEvent",
    "MidStreamError",
    "RecordedRequest",
    "Reply",
    "RunCode",
    "Search",
    "SseFile",
    "Stall",
    "TextReply",
    "ToolReply",
    "ToolUseReply",
]
