"""Where prompt-cache breakpoints go, and when caching applies at all (standard library only).

A request's prefix is tools → system → messages; a conversation's documents sit at the start
of its first user turn. `place_breakpoints` marks, with `cache_control`, at most four blocks:

1. the last tool definition (when there are tools),
2. the last system block (so tools + system stay cached when the documents change),
3. the last document block of the first user turn, with the conversation's TTL,
4. the last block of the last user message, so each turn reads what the previous one wrote.

Everything else is left byte for byte as it came: nothing is reordered, no text is touched,
stale markers from stored history are removed, and a string `system` or message `content` is
always turned into the same one-text-block list, so the same input gives the same bytes.
Marker 4 moves every turn; the API reads a cached prefix regardless of where the markers
were when it was written, so only the content before it has to stay identical.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from desktop.core.catalog import ModelSpec
from desktop.core.conversation import Usage
from desktop.core.pricing import (
    CACHE_READ_MULTIPLIER,
    CACHE_WRITE_1H_MULTIPLIER,
    CACHE_WRITE_5M_MULTIPLIER,
)

Ttl = Literal["5m", "1h"]

DEFAULT_TTL: Ttl = "5m"
MAX_BREAKPOINTS = 4  # the API rejects a request with more
TTL_SECONDS: dict[Ttl, int] = {"5m": 5 * 60, "1h": 60 * 60}
# Requests within the TTL after which caching a prefix costs less than sending it plainly:
# 5 m: 1.25 + 0.1 = 1.35 < 2;  1 h: 2 + 0.1 + 0.1 = 2.2 < 3  (api-facts.md §3).
BREAK_EVEN_REQUESTS: dict[Ttl, int] = {"5m": 2, "1h": 3}

_UNMARKABLE = frozenset({"thinking", "redacted_thinking"})


def cache_control(ttl: Ttl = DEFAULT_TTL) -> dict[str, str]:
    """The marker for `ttl`; 5 minutes is the API default and is left implicit."""
    return {"type": "ephemeral", "ttl": "1h"} if ttl == "1h" else {"type": "ephemeral"}


def place_breakpoints(
    params: Mapping[str, Any], ttl: Ttl = DEFAULT_TTL, history_ttl: Ttl | None = DEFAULT_TTL
) -> dict[str, Any]:
    """A copy of Messages-API `params` with cache breakpoints placed (see the module doc).

    `ttl` applies to tools, system and documents; `history_ttl` to the latest turn. The API
    wants longer TTLs before shorter ones, so `history_ttl` is lowered to `ttl` if longer.
    `history_ttl=None` leaves the latest turn unmarked (a batch: each request's own prompt is
    read once, so caching it would only add the write premium). `params` is never modified.
    """
    context = cache_control(ttl)
    history = None
    if history_ttl is not None:
        history = cache_control(ttl if _longer(history_ttl, ttl) else history_ttl)
    out = {key: value for key, value in params.items() if key != "cache_control"}
    if params.get("tools"):
        out["tools"] = [_unmarked(tool) for tool in params["tools"]]
        out["tools"][-1]["cache_control"] = dict(context)
    if params.get("system"):
        out["system"] = _blocks(params["system"])
        out["system"][-1]["cache_control"] = dict(context)
    if "messages" in params:
        out["messages"] = [_copy_message(m) for m in params["messages"]]
        _mark_messages(out["messages"], context, history)
    return out


def breakpoint_paths(params: Mapping[str, Any]) -> list[str]:
    """Where `params` carries cache_control, in prefix order.

    Paths look like 'tools[2]', 'system[0]', 'messages[0].content[1]'; a top-level marker
    (automatic caching) is reported as 'cache_control'.
    """
    found = ["cache_control"] if "cache_control" in params else []
    for key in ("tools", "system"):
        if isinstance(params.get(key), list):
            found += _marked_paths(params[key], key)
    for index, message in enumerate(params.get("messages") or []):
        if isinstance(message.get("content"), list):
            found += _marked_paths(message["content"], f"messages[{index}].content")
    return found


def cache_applies(prefix_tokens: int, spec: ModelSpec) -> bool:
    """Whether a prefix of `prefix_tokens` is long enough for `spec` to cache it.

    A model whose minimum is not known is assumed to cache (the answer's usage will tell).
    """
    minimum = spec.min_cacheable_tokens
    return minimum is None or prefix_tokens >= minimum


def below_minimum_message(prefix_tokens: int, spec: ModelSpec) -> str | None:
    """The panel's notice when caching will not apply, or None when it will."""
    if cache_applies(prefix_tokens, spec):
        return None
    return (
        f"Caching will not apply: the context is {prefix_tokens:,} tokens and "
        f"{spec.display_name} caches only from {spec.min_cacheable_tokens:,} tokens."
    )


def break_even_requests(ttl: Ttl) -> int:
    """The fewest requests over the same prefix for which caching it costs less than not."""
    write = CACHE_WRITE_1H_MULTIPLIER if ttl == "1h" else CACHE_WRITE_5M_MULTIPLIER
    requests = 1
    while write + (requests - 1) * CACHE_READ_MULTIPLIER >= requests:
        requests += 1
    return requests


def cache_touched(usage: Usage) -> bool:
    """Whether an answer wrote or read the cache (either restarts its TTL)."""
    return usage.cache_creation_input_tokens > 0 or usage.cache_read_input_tokens > 0


def cache_seconds_left(last_use: float | None, now: float, ttl: Ttl = DEFAULT_TTL) -> float:
    """Seconds until the cache expires, counted from its last write or read (0 if expired)."""
    if last_use is None:
        return 0.0
    return max(0.0, last_use + TTL_SECONDS[ttl] - now)


def cache_state_text(seconds_left: float) -> str:
    """'cached — 4 min left' (minutes rounded up), or 'not cached'."""
    if seconds_left <= 0:
        return "not cached"
    return f"cached — {math.ceil(seconds_left / 60)} min left"


def _longer(a: Ttl, b: Ttl) -> bool:
    return TTL_SECONDS[a] > TTL_SECONDS[b]


def _blocks(content: Any) -> list[dict[str, Any]]:
    """Content as a list of unmarked block copies; a string becomes one text block."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [_unmarked(block) for block in content]


def _unmarked(block: Mapping[str, Any]) -> dict[str, Any]:
    """A shallow copy of `block` without cache_control (nested tool_result content too)."""
    copy = {key: value for key, value in block.items() if key != "cache_control"}
    if isinstance(copy.get("content"), list):
        copy["content"] = [_unmarked(b) if isinstance(b, Mapping) else b for b in copy["content"]]
    return copy


def _copy_message(message: Mapping[str, Any]) -> dict[str, Any]:
    copy = dict(message)
    if message.get("content"):
        copy["content"] = _blocks(message["content"])
    return copy


def _mark_messages(
    messages: list[dict[str, Any]], context: dict[str, str], history: dict[str, str] | None
) -> None:
    users = [m for m in messages if m.get("role") == "user" and m.get("content")]
    if not users:
        return
    documents = [b for b in users[0]["content"] if b.get("type") == "document"]
    if documents:
        documents[-1]["cache_control"] = dict(context)
    if history is None:
        return
    latest = _last_markable(users[-1]["content"])
    if latest is not None and "cache_control" not in latest:
        latest["cache_control"] = dict(history)


def _last_markable(blocks: list[dict[str, Any]]) -> dict[str, Any] | None:
    block: dict[str, Any]
    for block in reversed(blocks):
        if block.get("type") in _UNMARKABLE:
            continue
        if block.get("type") == "text" and not block.get("text"):
            continue  # the API rejects cache_control on an empty text block
        return block
    return None


def _marked_paths(blocks: list[Any], where: str) -> list[str]:
    found = []
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping):
            continue
        if "cache_control" in block:
            found.append(f"{where}[{index}]")
        if isinstance(block.get("content"), list):
            found += _marked_paths(block["content"], f"{where}[{index}].content")
    return found
