"""Scripted calls of the app's own (client) tools, streamed as the API streams them, and the
API's rule that each `tool_use` is answered by a `tool_result` in the very next user turn.

A `ToolUseReply` is one round of a tool loop: optional text, then `tool_use` blocks whose input
arrives as `input_json_delta` pieces, `stop_reason` "tool_use" (shapes from the claude-api
reference's "Tool Use Patterns" and the SDK's `sdk_tool_use*.sse` fixtures).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.fake_api import sse
from tests.fake_api.estimate import input_tokens, output_tokens


@dataclass
class LocalCall:
    """Claude calls the app's tool `name` (as declared in the request) with `input`."""

    name: str
    input: dict[str, Any] = field(default_factory=dict)
    id: str = ""


@dataclass
class ToolUseReply:
    calls: list[LocalCall]
    text_before: str = ""
    delay: float = 0.0
    usage: dict[str, Any] | None = None  # entries override the computed ones


def _use_events(index: int, call: LocalCall, tool_id: str) -> list[bytes]:
    call.id = call.id or tool_id
    start = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
    raw = json.dumps(call.input)
    pieces = [""] + [raw[i : i + 7] for i in range(0, len(raw), 7)]
    deltas = [sse.delta(index, {"type": "input_json_delta", "partial_json": p}) for p in pieces]
    return [sse.block_start(index, start), *deltas, sse.block_stop(index)]


def stream_tool_use(reply: ToolUseReply, body: dict[str, Any], message_id: str) -> list[bytes]:
    model = body.get("model") or "claude-opus-4-8"
    usage = {"input_tokens": input_tokens(body), "output_tokens": 1}
    events = [sse.message_start(message_id, model, usage)]
    index = 0
    if reply.text_before:
        events.append(sse.block_start(0, {"type": "text", "text": ""}))
        events += [sse.text_delta(0, part) for part in sse.split(reply.text_before, 9)]
        events.append(sse.block_stop(0))
        index = 1
    for number, call in enumerate(reply.calls, start=1):
        events += _use_events(index, call, f"toolu_{message_id[-6:]}_{number:02d}")
        index += 1
    written = reply.text_before + "".join(json.dumps(c.input) for c in reply.calls)
    final = {**usage, "output_tokens": output_tokens(written) + 30 * len(reply.calls)}
    final.update(reply.usage or {})
    events.append(sse.message_delta("tool_use", None, final))
    events.append(sse.message_stop())
    return events


class UnansweredToolUse(ValueError):
    """The request breaks the API's pairing rule (the API answers 400)."""


def check_tool_pairs(body: dict[str, Any]) -> None:
    """Every `tool_use` must be answered by `tool_result`s (first in the next user turn), and
    every `tool_result` must answer a `tool_use` of the assistant turn just before it."""
    messages = body.get("messages") or []
    for number, message in enumerate(messages):
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        if message.get("role") == "assistant":
            wanted = {b.get("id") for b in blocks if b.get("type") == "tool_use"}
            if not wanted:
                continue
            after = messages[number + 1] if number + 1 < len(messages) else None
            answered = _results(after)
            if after is None or not wanted <= answered:
                missing = ", ".join(sorted(str(i) for i in wanted - answered))
                raise UnansweredToolUse(
                    f"messages.{number}: `tool_use` ids were found without `tool_result` "
                    f"blocks immediately after: {missing}"
                )
        elif _results(message):
            before = messages[number - 1] if number else {}
            ids = {b.get("id") for b in before.get("content") or [] if isinstance(b, dict)}
            if not _results(message) <= ids:
                raise UnansweredToolUse(
                    f"messages.{number}: unexpected `tool_use_id` found in `tool_result` blocks"
                )


def _results(message: dict[str, Any] | None) -> set[Any]:
    content = (message or {}).get("content")
    blocks = content if isinstance(content, list) else []
    ids = set()
    for block in blocks:
        if block.get("type") != "tool_result":
            break  # tool results come first in their turn
        ids.add(block.get("tool_use_id"))
    return ids


TOOL_HELP = "Tools: /tool <name as declared> {json input}, e.g. /tool time__get_current_time {}"


def tool_command(text: str, body: dict[str, Any]) -> ToolUseReply | None:
    """`/tool <name> {json}` typed by hand: Claude calls that declared tool (None: unknown)."""
    name, _, raw = text.strip().removeprefix("/tool").strip().partition(" ")
    names = {t.get("name") for t in body.get("tools") or () if isinstance(t, dict)}
    if name not in names:
        return None
    try:
        arguments = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return None
    return ToolUseReply([LocalCall(name, arguments if isinstance(arguments, dict) else {})],
                        f"Calling {name}.")  # fmt: skip


def results_reply_text(body: dict[str, Any]) -> str | None:
    """After the app's tool results: what Claude says of them (None: the last turn has none)."""
    messages = body.get("messages") or []
    content = messages[-1].get("content") if messages else None
    results = [b for b in content or [] if isinstance(b, dict) and b.get("type") == "tool_result"]
    if not results:
        return None
    parts = []
    for result in results:
        inner = result.get("content")
        text = (
            inner
            if isinstance(inner, str)
            else " ".join(str(b.get("text", "")) for b in inner or [] if isinstance(b, dict))
        )
        mark = "The tool failed" if result.get("is_error") else "The tool answered"
        parts.append(f"{mark}:\n\n```\n{text[:600]}\n```")
    return "\n\n".join(parts)
