"""Shared documents of a Message Batch: one cached prefix for every request (standard library).

Every request of a batch starts the same way: the shared system prompt, then the documents at
the start of the first user turn, with cache breakpoints from `desktop.core.caching` on the
system prompt and on the last document (1-hour TTL: a batch may take longer than 5 minutes to
get through its requests; most finish within an hour, api-facts.md §7). Each request's own
prompt is not marked: it is read once, so caching it would only add the write premium.

Requests are stored with the documents as blob references (``source.type == "blob"``), so a
retry or an opened conversation finds them again; `batches.sendable` inlines the bytes just before
sending, one shared block per document, and checks the 256 MB limit counting the documents in
every request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop.core.caching import Ttl, below_minimum_message
from desktop.core.catalog import ModelSpec
from desktop.core.conversation import Usage
from desktop.core.documents import api_block, is_stored_document
from desktop.core.pricing import cost

BATCH_TTL: Ttl = "1h"
Request = dict[str, Any]


def with_documents(
    messages: Sequence[dict[str, Any]], documents: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`messages` with `documents` opening the first turn (a user turn of their own if the
    conversation starts with the assistant)."""
    out = [dict(m) for m in messages]
    if not documents:
        return out
    if out and out[0].get("role") == "user":
        content = out[0]["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        out[0]["content"] = [*documents, *blocks]
    else:
        out.insert(0, {"role": "user", "content": list(documents)})
    return out


def inline_documents(
    requests: list[Request], read: Callable[[str], bytes]
) -> tuple[list[Request], int]:
    """`requests` with stored documents inlined (each document read and encoded once, its
    block shared by every request), and the bytes that inlining adds to each request."""
    made: dict[str, dict[str, Any]] = {}

    def inline(block: dict[str, Any]) -> dict[str, Any]:
        if not is_stored_document(block):
            return block
        key = json.dumps(block, sort_keys=True)
        if key not in made:
            made[key] = api_block(block, read(block["source"]["sha256"]))
        return made[key]

    out = [_map_blocks(request, inline) for request in requests]
    extra = _added_bytes(requests[0], out[0]) if made and requests else 0
    return out, extra


def _map_blocks(request: Request, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Request:
    params = request["params"]
    messages = []
    for message in params.get("messages", []):
        content = message.get("content")
        if isinstance(content, list):
            message = {**message, "content": [change(block) for block in content]}
        messages.append(message)
    return {**request, "params": {**params, "messages": messages}}


def _added_bytes(stored: Request, inlined: Request) -> int:
    """What inlining adds to one request (the same for every request of the batch)."""

    def size(value: Any) -> int:
        return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))

    return size(inlined) - size(stored)


def stored_documents_of(params: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored document blocks a request carries, in order."""
    return [
        block
        for message in params.get("messages", [])
        if isinstance(message.get("content"), list)
        for block in message["content"]
        if is_stored_document(block)
    ]


@dataclass(frozen=True, slots=True)
class CachedInput:
    """The input price of a batch whose requests share a cached prefix of documents.

    `best`: the first request writes the cache and every other one reads it. `worst`: no
    request reads it (each writes it). The Batch API runs requests in parallel and in any
    order, so the real figure lies between the two; `note` explains when caching cannot apply.
    """

    prefix_tokens: int
    best: Decimal | None = None
    worst: Decimal | None = None
    note: str = ""


def cached_input(
    requests: int, input_tokens: int, prefix_tokens: int, spec: ModelSpec, ttl: Ttl = BATCH_TTL
) -> CachedInput:
    """Price `input_tokens` over `requests`, each opening with `prefix_tokens` of documents."""
    note = below_minimum_message(prefix_tokens, spec)
    if note or requests == 0 or prefix_tokens == 0:
        return CachedInput(prefix_tokens, note=note or "")
    plain = max(0, input_tokens - requests * prefix_tokens)

    def price(writes: int, reads: int) -> Decimal | None:
        split = {"cache_write_1h_tokens": writes} if ttl == "1h" else {}
        usage = Usage(
            input_tokens=plain,
            cache_creation_input_tokens=writes,
            cache_read_input_tokens=reads,
            **split,
        )
        priced = cost(usage, spec, batch=True)
        return None if priced is None else priced.input + priced.cache_write + priced.cache_read

    best = price(prefix_tokens, (requests - 1) * prefix_tokens)
    worst = price(requests * prefix_tokens, 0)
    return CachedInput(prefix_tokens, best, worst)
