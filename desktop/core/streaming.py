"""A pure reducer over Messages-API stream events: `state = apply(event, state)`.

Events are plain dicts shaped like the wire JSON (the SDK's `to_dict()` output). `apply`
mutates the state in place and returns it (no copying; one dict lookup per event), so the
UI controller can call it for every delta and look at `event["type"]` itself to decide
what to paint. Streamed text is kept as a list of parts per block: appending is O(1) and
the parts are joined only when asked (`state.text`, `state.content()`).

Tolerated on purpose: `message_start` without `usage`, `None` for any optional field,
unknown event and delta types (ignored), deltas for a block that never started (ignored),
and a block cut off by `max_tokens` without `content_block_stop` (its partial JSON stays
unparsed; that is not an error).

Refusals (api-facts §9): a mid-stream refusal bills what streamed, and its partial text
must not be sent back. `content()` always returns everything that streamed — the record
to store and to show (marked as refused). `discard_refused_text(state)` returns the
content with the refused text left out; a caller that sends the turn back uses that (or
leaves the refused turn out entirely, as `requests.api_messages` does).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desktop.core.conversation import Block, Usage

__all__ = [
    "BlockState",
    "StreamState",
    "apply",
    "discard_refused_text",
    "is_refusal",
]

Event = dict[str, Any]

TOOL_INPUT_TYPES = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
_USAGE_COUNTERS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)


@dataclass(slots=True)
class BlockState:
    """One content block as it streams in.

    Attributes:
        type: The block's `type` (`text`, `thinking`, `tool_use`, ...).
        start: The `content_block` dict of `content_block_start`, as received. Blocks that
            arrive whole (`redacted_thinking`, `web_search_tool_result`, ...) are just this.
        text_parts: `text_delta` pieces (and a non-empty starting `text`).
        thinking_parts: `thinking_delta` pieces (and a non-empty starting `thinking`).
        json_parts: `input_json_delta` pieces of a tool-use block's input.
        signature: The thinking block's signature (`signature_delta` overwrites it).
        citations: Citations of a text block, `citations_delta` appends one each.
        input: A tool-use block's input, parsed at `content_block_stop`; `None` until then
            (or if the JSON did not parse).
        stopped: `content_block_stop` was seen.
    """

    type: str
    start: Block
    text_parts: list[str] = field(default_factory=list)
    thinking_parts: list[str] = field(default_factory=list)
    json_parts: list[str] = field(default_factory=list)
    signature: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)
    input: dict[str, Any] | None = None
    stopped: bool = False

    @classmethod
    def from_start(cls, start: Block) -> BlockState:
        block = cls(type=str(start.get("type") or ""), start=start)
        if text := start.get("text"):
            block.text_parts.append(text)
        if thinking := start.get("thinking"):
            block.thinking_parts.append(thinking)
        block.signature = start.get("signature") or ""
        block.citations.extend(start.get("citations") or ())
        return block

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    @property
    def thinking(self) -> str:
        return "".join(self.thinking_parts)

    @property
    def partial_json(self) -> str:
        return "".join(self.json_parts)

    def to_block(self) -> Block:
        """The block in API shape, ready to store and to send back."""
        if self.type == "text":
            block: Block = {"type": "text", "text": self.text}
            if self.citations:
                block["citations"] = copy.deepcopy(self.citations)
            return block
        if self.type == "thinking":
            return {"type": "thinking", "thinking": self.thinking, "signature": self.signature}
        block = copy.deepcopy(self.start)
        if self.type in TOOL_INPUT_TYPES:
            block["input"] = self._final_input()
        return block

    def _final_input(self) -> dict[str, Any]:
        if self.input is not None:
            return copy.deepcopy(self.input)
        started = self.start.get("input")
        return copy.deepcopy(started) if isinstance(started, dict) else {}

    def finish(self) -> None:
        """Close the block: parse a tool-use block's input JSON."""
        self.stopped = True
        if self.type not in TOOL_INPUT_TYPES:
            return
        raw = self.partial_json
        if not raw.strip():
            self.input = self._final_input()
            return
        try:
            parsed = json.loads(raw)
        except ValueError:
            return  # left unparsed in json_parts; not the reducer's error to raise
        if isinstance(parsed, dict):
            self.input = parsed


@dataclass(slots=True)
class StreamState:
    """One assistant message as it streams in; `apply` builds it up."""

    message_id: str | None = None
    model: str | None = None
    blocks: list[BlockState] = field(default_factory=list)
    stop_reason: str | None = None
    stop_sequence: str | None = None
    stop_details: dict[str, Any] | None = None
    container: dict[str, Any] | None = None
    usage: Usage = field(default_factory=Usage)
    started: bool = False
    finished: bool = False  # message_stop seen
    _by_index: dict[int, BlockState] = field(default_factory=dict, repr=False)

    @property
    def text(self) -> str:
        """The text of all text blocks, joined (refused text included)."""
        return "".join(b.text for b in self.blocks if b.type == "text")

    @property
    def thinking_text(self) -> str:
        """The thinking of all thinking blocks, as `Message.thinking_text` shows it."""
        return "\n\n".join(b.thinking for b in self.blocks if b.type == "thinking").strip()

    def block_at(self, index: int) -> BlockState | None:
        """The block the stream calls `index`, or None if it never started."""
        return self._by_index.get(index)

    def content(self) -> list[Block]:
        """Every block in API shape, in stream order, as the record to store and show.

        A tool-use block cut off before `content_block_stop` (by `max_tokens`) carries the
        `input` it started with (`{}`); its partial JSON stays in `BlockState.json_parts`.
        """
        return [b.to_block() for b in self.blocks]


def is_refusal(state: StreamState) -> bool:
    """The model refused; branch on `stop_reason` since `stop_details` may be None."""
    return state.stop_reason == "refusal"


def discard_refused_text(state: StreamState) -> list[Block]:
    """The content to send back: without text blocks if the answer was refused.

    A mid-stream refusal's partial text must not be sent back (api-facts §9). The state is
    not changed, so `state.text` and `state.content()` still hold the text for display.
    Thinking and tool blocks are kept as they are. Without a refusal: `state.content()`.
    """
    blocks = state.content()
    if not is_refusal(state):
        return blocks
    return [b for b in blocks if b.get("type") != "text"]


def apply(event: Event, state: StreamState) -> StreamState:
    """Fold one stream event into `state` (mutated in place) and return it."""
    handler = _HANDLERS.get(event.get("type") or "")
    if handler is not None:
        handler(event, state)
    return state


def merge_usage(usage: Usage, data: dict[str, Any] | None) -> None:
    """Overwrite the counters the API's usage object `data` carries (stream usage is cumulative;
    TTL breakdown, thinking tokens and server tool requests included)."""
    if not data:
        return
    for name in _USAGE_COUNTERS:
        value = data.get(name)
        if value is not None:
            setattr(usage, name, int(value))
    details = data.get("output_tokens_details") or {}
    if (thinking := details.get("thinking_tokens")) is not None:
        usage.thinking_tokens = int(thinking)
    by_ttl = data.get("cache_creation") or {}
    if (five := by_ttl.get("ephemeral_5m_input_tokens")) is not None:
        usage.cache_write_5m_tokens = int(five)
    if (hour := by_ttl.get("ephemeral_1h_input_tokens")) is not None:
        usage.cache_write_1h_tokens = int(hour)
    server = data.get("server_tool_use") or {}
    if (searches := server.get("web_search_requests")) is not None:
        usage.web_search_requests = int(searches)
    if (fetches := server.get("web_fetch_requests")) is not None:
        usage.web_fetch_requests = int(fetches)


def _add_block(state: StreamState, index: int, start: Block) -> BlockState:
    block = BlockState.from_start(start)
    previous = state._by_index.get(index)
    if previous is not None:  # a repeated start replaces the block in place
        state.blocks[state.blocks.index(previous)] = block
    else:
        state.blocks.append(block)
    state._by_index[index] = block
    return block


def _on_message_start(event: Event, state: StreamState) -> None:
    message = event.get("message") or {}
    state.started = True
    state.message_id = message.get("id") or state.message_id
    state.model = message.get("model") or state.model
    _set_stop(state, message)
    merge_usage(state.usage, message.get("usage"))
    for index, start in enumerate(message.get("content") or ()):
        _add_block(state, index, start).stopped = True


def _on_block_start(event: Event, state: StreamState) -> None:
    start = event.get("content_block")
    if start is None:
        return
    index = event.get("index")
    _add_block(state, len(state.blocks) if index is None else int(index), start)


def _on_block_delta(event: Event, state: StreamState) -> None:
    block = state._by_index.get(event.get("index", -1))
    delta = event.get("delta")
    if block is None or delta is None:
        return
    handler = _DELTA_HANDLERS.get(delta.get("type"))
    if handler is not None:
        handler(delta, block)


def _on_text_delta(delta: Event, block: BlockState) -> None:
    block.text_parts.append(delta.get("text") or "")


def _on_thinking_delta(delta: Event, block: BlockState) -> None:
    block.thinking_parts.append(delta.get("thinking") or "")


def _on_signature_delta(delta: Event, block: BlockState) -> None:
    block.signature = delta.get("signature") or ""


def _on_input_json_delta(delta: Event, block: BlockState) -> None:
    block.json_parts.append(delta.get("partial_json") or "")


def _on_citations_delta(delta: Event, block: BlockState) -> None:
    citation = delta.get("citation")
    if citation is not None:
        block.citations.append(citation)


def _on_block_stop(event: Event, state: StreamState) -> None:
    block = state._by_index.get(event.get("index", -1))
    if block is not None:
        block.finish()


def _set_stop(state: StreamState, source: dict[str, Any]) -> None:
    """Take the stop fields from a message or message_delta.

    A non-null `stop_reason` brings its `stop_sequence` and `stop_details` along (null
    included); without one, only non-null values overwrite.
    """
    if source.get("stop_reason") is not None:
        state.stop_reason = source["stop_reason"]
        state.stop_sequence = source.get("stop_sequence")
        state.stop_details = source.get("stop_details")
        return
    if source.get("stop_sequence") is not None:
        state.stop_sequence = source["stop_sequence"]
    if source.get("stop_details") is not None:
        state.stop_details = source["stop_details"]


def _on_message_delta(event: Event, state: StreamState) -> None:
    delta = event.get("delta") or {}
    _set_stop(state, delta)
    if delta.get("container") is not None:
        state.container = delta["container"]
    merge_usage(state.usage, event.get("usage"))


def _on_message_stop(event: Event, state: StreamState) -> None:
    state.finished = True


_HANDLERS: dict[str, Callable[[Event, StreamState], None]] = {
    "message_start": _on_message_start,
    "content_block_start": _on_block_start,
    "content_block_delta": _on_block_delta,
    "content_block_stop": _on_block_stop,
    "message_delta": _on_message_delta,
    "message_stop": _on_message_stop,
}

_DELTA_HANDLERS: dict[str, Callable[[Event, BlockState], None]] = {
    "text_delta": _on_text_delta,
    "thinking_delta": _on_thinking_delta,
    "signature_delta": _on_signature_delta,
    "input_json_delta": _on_input_json_delta,
    "citations_delta": _on_citations_delta,
}


_JOINABLE = {"text_delta": "text", "thinking_delta": "thinking"}


def coalesce(events: list[Event]) -> list[Event]:
    """`events` with each run of text (or thinking) deltas of one block joined into one delta.

    Folding the result with `apply` gives the same state as folding `events`.
    """
    out: list[Event] = []
    run: tuple[Any, str] | None = None
    parts: list[str] = []
    for event in events:
        delta = event.get("delta") if event.get("type") == "content_block_delta" else None
        field = _JOINABLE.get(str(delta.get("type"))) if isinstance(delta, dict) else None
        if delta is None or field is None:
            _close_run(out, run, parts)
            run, parts = None, []
            out.append(event)
            continue
        this = (event.get("index"), delta["type"])
        if this != run:
            _close_run(out, run, parts)
            run, parts = this, []
        parts.append(delta.get(field) or "")
    _close_run(out, run, parts)
    return out


def _close_run(out: list[Event], run: tuple[Any, str] | None, parts: list[str]) -> None:
    if run is None:
        return
    index, kind = run
    delta = {"type": kind, _JOINABLE[kind]: "".join(parts)}
    out.append({"type": "content_block_delta", "index": index, "delta": delta})
