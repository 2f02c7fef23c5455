"""An MCP tool result as Messages-API content blocks for a `tool_result`, within a size limit."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import mcp_types as types

from desktop.core.local_tools import ToolOutcome

if TYPE_CHECKING:
    from collections.abc import Sequence

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
"""The image types the Messages API takes; others are described in words."""

Block = dict[str, Any]


def tool_outcome(result: types.CallToolResult, max_chars: int) -> ToolOutcome:
    """`result` as content blocks, cut to `max_chars` characters (text and image data)."""
    blocks = [_block(item) for item in result.content]
    if not blocks and result.structured_content is not None:
        blocks = [_text(json.dumps(result.structured_content, ensure_ascii=False, indent=2))]
    if not blocks:
        blocks = [_text("(The tool returned nothing.)")]
    kept, truncated = _within(blocks, max_chars)
    return ToolOutcome(content=tuple(kept), is_error=bool(result.is_error), truncated=truncated)


def _block(item: types.ContentBlock) -> Block:
    if isinstance(item, types.TextContent):
        return _text(item.text)
    if isinstance(item, types.ImageContent) and item.mime_type in IMAGE_TYPES:
        source = {"type": "base64", "media_type": item.mime_type, "data": item.data}
        return {"type": "image", "source": source}
    if isinstance(item, types.ImageContent | types.AudioContent):
        kind = "image" if isinstance(item, types.ImageContent) else "audio"
        return _text(f"[{kind} of type {item.mime_type}, {_size(item.data)}: not shown]")
    if isinstance(item, types.EmbeddedResource):
        resource = item.resource
        if isinstance(resource, types.TextResourceContents):
            return _text(f"Resource {resource.uri}:\n{resource.text}")
        kind = resource.mime_type or "binary data"
        return _text(f"[Resource {resource.uri} ({kind}, {_size(resource.blob)}): not shown]")
    if isinstance(item, types.ResourceLink):
        return _text(f"Resource link: {item.name} <{item.uri}>")
    return _text(f"[{getattr(item, 'type', 'unknown')} content: not shown]")


def _text(text: str) -> Block:
    return {"type": "text", "text": text}


def _size(data: str) -> str:
    return f"{len(data) * 3 // 4:,} bytes"


def _length(block: Block) -> int:
    return len(block["text"]) if block["type"] == "text" else len(block["source"]["data"])


def _within(blocks: Sequence[Block], max_chars: int) -> tuple[list[Block], bool]:
    """Blocks up to `max_chars` characters in all, the last text cut, with a note appended."""
    total = sum(_length(b) for b in blocks)
    if total <= max_chars:
        return list(blocks), False
    kept: list[Block] = []
    budget = max_chars
    for block in blocks:
        size = _length(block)
        if size <= budget:
            kept.append(block)
            budget -= size
        elif block["type"] == "text" and budget > 0:
            kept.append(_text(block["text"][:budget]))
            budget = 0
    shown = max_chars - budget
    note = f"[Result truncated: {shown:,} of {total:,} characters shown]"
    if kept and kept[-1]["type"] == "text":
        kept[-1] = _text(f"{kept[-1]['text']}\n\n{note}")
    else:
        kept.append(_text(note))
    return kept, True
