"""Deterministic token estimates for count_tokens and usage: text length / 4, fixed per image."""

from __future__ import annotations

import json
import math
from typing import Any

IMAGE_TOKENS = 1568
PDF_TOKENS = 3000


def _block_chars(block: Any) -> tuple[int, int]:
    """(characters of text, fixed tokens) in one content block."""
    if isinstance(block, str):
        return len(block), 0
    if not isinstance(block, dict):
        return 0, 0
    kind = block.get("type")
    if kind == "text":
        return len(block.get("text", "")), 0
    if kind == "image":
        return 0, IMAGE_TOKENS
    if kind == "document":
        source = block.get("source", {})
        if source.get("type") == "text":
            return len(source.get("data", "")), 0
        return 0, PDF_TOKENS
    if kind == "thinking":
        return len(block.get("thinking", "")), 0
    if kind == "tool_result":
        return _content_chars(block.get("content", ""))
    return len(json.dumps(block)), 0


def _content_chars(content: Any) -> tuple[int, int]:
    if isinstance(content, str):
        return len(content), 0
    chars = fixed = 0
    for block in content or []:
        c, f = _block_chars(block)
        chars += c
        fixed += f
    return chars, fixed


def input_tokens(body: dict[str, Any]) -> int:
    """Estimated input tokens of a Messages request (system, messages, tools)."""
    chars, fixed = _content_chars(body.get("system") or "")
    for message in body.get("messages") or []:
        c, f = _content_chars(message.get("content", ""))
        chars += c
        fixed += f
    if body.get("tools"):
        chars += len(json.dumps(body["tools"]))
    return max(1, math.ceil(chars / 4) + fixed)


def output_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))
