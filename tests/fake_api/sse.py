"""Server-sent events as the Messages API writes them, and chunked transfer encoding."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

CHUNK_SIZES: tuple[int, ...] = (1, 7, 13, 64, 3, 251)
"""Default chunk sizes, cycled, so lines and UTF-8 sequences are split across reads."""


def dumps(data: Any) -> str:
    """Compact JSON, non-ASCII kept as UTF-8 (as the API sends it)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def event(name: str, data: dict[str, Any]) -> bytes:
    """One `event:` / `data:` / blank-line record."""
    return f"event: {name}\ndata: {dumps(data)}\n\n".encode()


def message_start(message_id: str, model: str, usage: dict[str, Any] | None) -> bytes:
    message: dict[str, Any] = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "stop_details": None,
    }
    if usage is not None:
        message["usage"] = usage
    return event("message_start", {"type": "message_start", "message": message})


def block_start(index: int, block: dict[str, Any]) -> bytes:
    data = {"type": "content_block_start", "index": index, "content_block": block}
    return event("content_block_start", data)


def block_stop(index: int) -> bytes:
    return event("content_block_stop", {"type": "content_block_stop", "index": index})


_TEXT_DELTA = (
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":%d,'
    '"delta":{"type":"text_delta","text":%s}}\n\n'
)


def text_delta(index: int, text: str) -> bytes:
    """A `text_delta` event, built from a template (the hot path for long answers)."""
    return (_TEXT_DELTA % (index, dumps(text))).encode()


def delta(index: int, payload: dict[str, Any]) -> bytes:
    data = {"type": "content_block_delta", "index": index, "delta": payload}
    return event("content_block_delta", data)


def message_delta(
    stop_reason: str | None, stop_details: dict[str, Any] | None, usage: dict[str, Any]
) -> bytes:
    body = {"stop_reason": stop_reason, "stop_sequence": None, "stop_details": stop_details}
    data = {"type": "message_delta", "delta": body, "usage": usage}
    return event("message_delta", data)


def message_stop() -> bytes:
    return event("message_stop", {"type": "message_stop"})


def ping() -> bytes:
    return event("ping", {"type": "ping"})


def error_event(error_type: str, message: str, request_id: str) -> bytes:
    data = {
        "type": "error",
        "error": {"type": error_type, "message": message, "details": None},
        "request_id": request_id,
    }
    return event("error", data)


def split(text: str, size: int) -> list[str]:
    """`text` in pieces of `size` characters (at least one piece, maybe empty)."""
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class ChunkEncoder:
    """Chunked transfer encoding with a cycle of odd chunk sizes kept across calls."""

    def __init__(self, sizes: Iterable[int] = CHUNK_SIZES) -> None:
        self._sizes: Iterator[int] = itertools.cycle(tuple(sizes) or CHUNK_SIZES)

    def encode(self, body: bytes) -> bytes:
        """`body` as one or more chunks (no terminating chunk)."""
        parts: list[bytes | memoryview] = []
        view = memoryview(body)
        offset, total = 0, len(body)
        while offset < total:
            size = next(self._sizes)
            piece = view[offset : offset + size]
            parts += (b"%x\r\n" % len(piece), piece, b"\r\n")
            offset += size
        return b"".join(parts)

    @staticmethod
    def end() -> bytes:
        """The terminating zero-length chunk."""
        return b"0\r\n\r\n"
