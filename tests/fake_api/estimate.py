"""Deterministic token estimates for count_tokens and usage: text length / 4, fixed per image,
fixed per PDF page (pages found by their `/Type /Page` objects)."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any

IMAGE_TOKENS = 1568
PDF_PAGE_TOKENS = 1500
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def pdf_pages(data: str) -> int:
    """Pages of a base64 PDF (at least one)."""
    try:
        raw = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return 1
    return max(1, len(_PAGE_OBJECT.findall(raw)))


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
        return 0, PDF_PAGE_TOKENS * pdf_pages(str(source.get("data", "")))
    if kind == "thinking":
        return len(block.get("thinking", "")), 0
    if kind == "tool_result":
        return _content_chars(block.get("content", ""))
    return len(json.dumps(block)), 0


block_chars = _block_chars


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
