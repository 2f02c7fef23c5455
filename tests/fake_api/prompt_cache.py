"""A simulated prompt cache for the fake server: writes, reads and TTLs by prefix hash.

The request's prefix is laid out as the API does, tools → system → messages, one element per
block. Each `cache_control` breakpoint names the prefix up to and including its block (the
SHA-256 of the canonical JSON of every element so far, model included, markers left out).
A request reads the longest cached prefix ending at a breakpoint or up to 20 blocks before
one (so a new turn finds what the previous turn wrote), and writes every prefix up to a later
breakpoint that is at least `min_tokens` long. Tokens per block follow `estimate`.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fake_api.estimate import block_chars

MAX_BREAKPOINTS = 4
LOOKBACK_BLOCKS = 20
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}


class TooManyBreakpoints(ValueError):
    """The API answers 400 when a request carries more than four cache_control markers."""


@dataclass(frozen=True)
class Element:
    key: bytes  # canonical JSON of the block and where it sits, without its marker
    tokens: int
    ttl: str | None  # the breakpoint's TTL, or None when the block carries no marker


def _unmarked(block: Any) -> Any:
    if not isinstance(block, dict):
        return block
    out = {k: v for k, v in block.items() if k != "cache_control"}
    if isinstance(out.get("content"), list):
        out["content"] = [_unmarked(b) for b in out["content"]]
    return out


def _ttl(block: Any) -> str | None:
    marker = block.get("cache_control") if isinstance(block, dict) else None
    if not isinstance(marker, dict):
        return None
    return "1h" if marker.get("ttl") == "1h" else "5m"


def _element(where: str, block: Any, tokens: int | None = None) -> Element:
    if tokens is None:
        chars, fixed = block_chars(block)
        tokens = math.ceil(chars / 4) + fixed
    key = json.dumps(
        {"at": where, "block": _unmarked(block)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    return Element(key, tokens, _ttl(block))


def elements(body: dict[str, Any]) -> list[Element]:
    """The request's blocks in prefix order: tools, system, then each message's content."""
    out = [
        _element("tools", tool, math.ceil(len(json.dumps(tool)) / 4))
        for tool in body.get("tools") or []
    ]
    system = body.get("system") or []
    if isinstance(system, str):
        system = [{"type": "text", "text": system}]
    out += [_element("system", block) for block in system]
    for index, message in enumerate(body.get("messages") or []):
        content = message.get("content", "")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        where = f"messages[{index}].{message.get('role')}"
        out += [_element(where, block) for block in content]
    return out


def count_breakpoints(body: dict[str, Any]) -> int:
    return sum(1 for e in elements(body) if e.ttl is not None) + int("cache_control" in body)


def check_breakpoints(body: dict[str, Any]) -> None:
    """Raise TooManyBreakpoints as the API does (a 400) for more than four markers."""
    found = count_breakpoints(body)
    if found > MAX_BREAKPOINTS:
        raise TooManyBreakpoints(
            f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. "
            f"Found {found}."
        )


class PromptCache:
    """Remembers cached prefixes (by hash) until their TTL runs out; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.min_tokens = 0  # below this a prefix is silently not cached, as the API does
        self._entries: dict[str, tuple[float, str]] = {}  # hash -> (expiry, ttl)
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def usage(self, body: dict[str, Any], total_tokens: int) -> dict[str, Any]:
        """Usage fields for a request of `total_tokens` input tokens, updating the cache."""
        check_breakpoints(body)
        items = elements(body)
        digests, cumulative = _prefix_digests(str(body.get("model", "")), items)
        breakpoints = [i for i, e in enumerate(items) if e.ttl is not None]
        with self._lock:
            now = self.clock()
            read_at = self._longest_hit(digests, breakpoints, now)
            read = cumulative[read_at] if read_at >= 0 else 0
            writes = self._write(digests, cumulative, items, breakpoints, read_at, now)
        written = writes["5m"] + writes["1h"]
        return {
            "input_tokens": max(0, total_tokens - read - written),
            "cache_creation_input_tokens": written,
            "cache_read_input_tokens": read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": writes["5m"],
                "ephemeral_1h_input_tokens": writes["1h"],
            },
        }

    def _longest_hit(self, digests: list[str], breakpoints: list[int], now: float) -> int:
        best = -1
        for point in breakpoints:
            for pos in range(point, max(-1, point - LOOKBACK_BLOCKS), -1):
                entry = self._entries.get(digests[pos])
                if entry is not None and entry[0] > now:
                    best = max(best, pos)
                    break
        if best >= 0:  # a read refreshes the entry's TTL
            ttl = self._entries[digests[best]][1]
            self._entries[digests[best]] = (now + TTL_SECONDS[ttl], ttl)
        return best

    def _write(
        self,
        digests: list[str],
        cumulative: list[int],
        items: list[Element],
        breakpoints: list[int],
        read_at: int,
        now: float,
    ) -> dict[str, int]:
        writes = {"5m": 0, "1h": 0}
        done = read_at
        for point in breakpoints:
            if point <= read_at or cumulative[point] < self.min_tokens:
                continue
            ttl = items[point].ttl or "5m"
            writes[ttl] += cumulative[point] - (cumulative[done] if done >= 0 else 0)
            self._entries[digests[point]] = (now + TTL_SECONDS[ttl], ttl)
            done = point
        return writes


def _prefix_digests(model: str, items: list[Element]) -> tuple[list[str], list[int]]:
    """The hash of the prefix ending at each element, and its tokens so far."""
    running = hashlib.sha256(json.dumps({"model": model}).encode())
    digests, cumulative, total = [], [], 0
    for item in items:
        running.update(len(item.key).to_bytes(8, "big"))
        running.update(item.key)
        digests.append(running.copy().hexdigest())
        total += item.tokens
        cumulative.append(total)
    return digests, cumulative
