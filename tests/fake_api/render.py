"""Turn a scripted reply into what the server writes: a JSON body or a plan of SSE steps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fake_api import sse
from tests.fake_api.client_tools import ToolUseReply, stream_tool_use
from tests.fake_api.estimate import input_tokens, output_tokens
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
from tests.fake_api.server_tools import ToolReply, stream_tools

DEFAULT_MODEL = "claude-opus-4-8"


@dataclass(frozen=True)
class Pause:
    """Flush what came before, then wait `seconds` (cut short when the server stops)."""

    seconds: float


@dataclass(frozen=True)
class Drop:
    """Close the socket at once, without the terminating chunk."""

    reset: bool = False


Step = bytes | Pause | Drop


@dataclass
class Rendered:
    """One HTTP response: a JSON `body`, or a chunked SSE stream of `steps`, or a drop."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    steps: list[Step] = field(default_factory=list)
    wait_first: float = 0.0
    drop: bool = False


@dataclass(frozen=True)
class Context:
    """What a reply needs to know about its request."""

    body: dict[str, Any]
    request_id: str
    message_id: str
    cache: dict[str, Any] | None = None  # usage from the simulated prompt cache

    @property
    def streaming(self) -> bool:
        return bool(self.body.get("stream"))


def json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def error_body(error_type: str, message: str, request_id: str) -> dict[str, Any]:
    error = {"type": error_type, "message": message, "details": None}
    return {"type": "error", "error": error, "request_id": request_id}


def error_response(status: int, error_type: str, message: str, request_id: str) -> Rendered:
    return Rendered(status, body=json_bytes(error_body(error_type, message, request_id)))


_SCRIPTED_INPUT = {
    "input_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "cache_creation",
}


def _usage(reply: TextReply, ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
    """(usage in message_start, cumulative usage in message_delta)."""
    extra = dict(reply.usage or {})
    final: dict[str, Any] = {
        "input_tokens": input_tokens(ctx.body),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output_tokens(reply.text + (reply.thinking or "")),
    }
    scripted = _SCRIPTED_INPUT & extra.keys()
    cached = {} if scripted else dict(ctx.cache or {})  # a script's usage wins outright
    creation = cached.pop("cache_creation", None)
    final.update(cached)
    final.update({k: v for k, v in extra.items() if k != "cache_creation"})
    creation = (
        extra.get("cache_creation")
        or creation
        or {
            "ephemeral_5m_input_tokens": final["cache_creation_input_tokens"],
            "ephemeral_1h_input_tokens": 0,
        }
    )
    start = {**final, "cache_creation": creation, "output_tokens": 1, "service_tier": "standard"}
    return start, final


def _thinking_events(reply: TextReply) -> list[bytes]:
    block = {"type": "thinking", "thinking": "", "signature": ""}
    events = [sse.block_start(0, block)]
    if reply.thinking:
        for piece in sse.split(reply.thinking, 20):
            events.append(sse.delta(0, {"type": "thinking_delta", "thinking": piece}))
    signature = {"type": "signature_delta", "signature": reply.thinking_signature}
    events += [sse.delta(0, signature), sse.block_stop(0)]
    return events


def _head(reply: TextReply, ctx: Context, start_usage: dict[str, Any]) -> tuple[list[bytes], int]:
    """message_start, the thinking block if any, and the text block's start; the text index."""
    model = reply.model or ctx.body.get("model") or DEFAULT_MODEL
    events = [sse.message_start(ctx.message_id, model, start_usage)]
    index = 0
    if reply.thinking is not None:
        events += _thinking_events(reply)
        index = 1
    events.append(sse.block_start(index, {"type": "text", "text": ""}))
    return events, index


def _deltas(index: int, pieces: list[str]) -> list[bytes]:
    return [sse.text_delta(index, piece) for piece in pieces]


def _tail(reply: TextReply, index: int, final_usage: dict[str, Any]) -> list[bytes]:
    return [
        sse.block_stop(index),
        sse.message_delta(reply.stop_reason, reply.stop_details, final_usage),
        sse.message_stop(),
    ]


def _paced(events: list[bytes], delay: float) -> list[Step]:
    """One joined step at full speed, or the events with a pause after each one."""
    if delay <= 0:
        return [b"".join(events)]
    steps: list[Step] = []
    for item in events:
        steps += (item, Pause(delay))
    return steps[:-1]


def stream_text(reply: TextReply, ctx: Context) -> list[Step]:
    start_usage, final_usage = _usage(reply, ctx)
    head, index = _head(reply, ctx, start_usage)
    events = head + _deltas(index, reply.text_deltas()) + _tail(reply, index, final_usage)
    return _paced(events, reply.delay)


def message_json(reply: TextReply, ctx: Context) -> dict[str, Any]:
    """The non-streaming Message for `reply` (batch results hold these too). Its usage is the
    final one, with the `cache_creation` breakdown and `service_tier` a Message carries."""
    start, final = _usage(reply, ctx)
    content: list[dict[str, Any]] = []
    if reply.thinking is not None:
        signature = reply.thinking_signature
        content.append({"type": "thinking", "thinking": reply.thinking, "signature": signature})
    content.append({"type": "text", "text": reply.text})
    return {
        "id": ctx.message_id,
        "type": "message",
        "role": "assistant",
        "model": reply.model or ctx.body.get("model") or DEFAULT_MODEL,
        "content": content,
        "stop_reason": reply.stop_reason,
        "stop_sequence": None,
        "stop_details": reply.stop_details,
        "usage": {**start, **final},
    }


def _partial(text_before: str, ctx: Context) -> list[bytes]:
    """message_start, a text block's start and `text_before` as deltas."""
    reply = TextReply(text_before)
    head, index = _head(reply, ctx, _usage(reply, ctx)[0])
    return head + _deltas(index, reply.text_deltas())


def _error_headers(reply: ErrorReply) -> dict[str, str]:
    headers = {}
    if reply.retry_after is not None:
        headers["retry-after"] = reply.retry_after
    if reply.retry_after_ms is not None:
        headers["retry-after-ms"] = reply.retry_after_ms
    if reply.should_retry is not None:
        headers["x-should-retry"] = "true" if reply.should_retry else "false"
    return headers


def refused(reply: Reply, streaming: bool) -> bool:
    """True when `reply` is an HTTP error: the request never reached the model."""
    if isinstance(reply, ErrorReply):
        return True
    return not streaming and isinstance(reply, MidStreamError | SseFile)


def render(reply: Reply, ctx: Context) -> Rendered:
    """The response for `reply` to the request in `ctx` (streaming or not)."""
    if isinstance(reply, ErrorReply):
        rendered = error_response(reply.status, reply.error_type, reply.message, ctx.request_id)
        rendered.headers.update(_error_headers(reply))
        return rendered
    if isinstance(reply, TextReply):
        if ctx.streaming:
            return Rendered(steps=stream_text(reply, ctx))
        return Rendered(body=json_bytes(message_json(reply, ctx)), wait_first=reply.delay)
    if isinstance(reply, ToolReply):
        if not ctx.streaming:
            return error_response(400, "invalid_request_error", "ToolReply streams", ctx.request_id)
        return Rendered(steps=_paced(stream_tools(reply, ctx.body, ctx.message_id), reply.delay))
    if isinstance(reply, ToolUseReply):
        if not ctx.streaming:
            return error_response(
                400, "invalid_request_error", "ToolUseReply streams", ctx.request_id
            )
        events = stream_tool_use(reply, ctx.body, ctx.message_id)
        return Rendered(steps=_paced(events, reply.delay))
    return _render_fault(reply, ctx)


def _render_fault(reply: Reply, ctx: Context) -> Rendered:
    if isinstance(reply, SseFile):
        if not ctx.streaming:
            return error_response(
                400, "invalid_request_error", "SseFile needs stream", ctx.request_id
            )
        return Rendered(steps=[Path(reply.path).read_bytes()])
    if isinstance(reply, MidStreamError):
        if not ctx.streaming:
            status = 529 if reply.error_type == "overloaded_error" else 500
            return error_response(status, reply.error_type, reply.message, ctx.request_id)
        error = sse.error_event(reply.error_type, reply.message, ctx.request_id)
        return Rendered(steps=[b"".join([*_partial(reply.text_before, ctx), error])])
    if isinstance(reply, MalformedEvent):
        if not ctx.streaming:
            return Rendered(body=reply.data.encode())
        broken = f"event: content_block_delta\ndata: {reply.data}\n\n".encode()
        return Rendered(steps=[b"".join([*_partial(reply.text_before, ctx), broken])])
    if isinstance(reply, DropConnection):
        if not ctx.streaming:
            return Rendered(drop=True)
        return Rendered(steps=[b"".join(_partial(reply.text_before, ctx)), Drop(reply.reset)])
    assert isinstance(reply, Stall)
    whole = TextReply(reply.text_before + reply.text_after)
    if not ctx.streaming:
        return Rendered(body=json_bytes(message_json(whole, ctx)), wait_first=reply.seconds)
    start_usage, final_usage = _usage(whole, ctx)
    head, index = _head(whole, ctx, start_usage)
    before = _deltas(index, TextReply(reply.text_before).text_deltas())
    after = _deltas(index, TextReply(reply.text_after).text_deltas())
    rest = after + _tail(whole, index, final_usage)
    silence = _silence(reply.seconds, reply.ping_every)
    return Rendered(steps=[b"".join(head + before), *silence, b"".join(rest)])


def _silence(seconds: float, ping_every: float | None) -> list[Step]:
    """A pause of `seconds`, or pings every `ping_every` seconds for as long."""
    if not ping_every or ping_every <= 0:
        return [Pause(seconds)]
    steps: list[Step] = []
    count, left = divmod(seconds, ping_every)
    for _ in range(int(count)):
        steps += (Pause(ping_every), sse.ping())
    if left > 0:
        steps.append(Pause(left))
    return steps
