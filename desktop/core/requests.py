"""Messages-API request parameters from a conversation's settings and history.

Obeys each model's rules: adaptive thinking only (no `budget_tokens`) on 4.6+, no sampling
parameters at all, no explicit `disabled` thinking on always-thinking models (Fable 5).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from desktop.core.catalog import ModelSpec
from desktop.core.conversation import ConversationSettings, Message, MessageStatus, Role
from desktop.core.images import estimate_image_tokens, facts_from_block

MIN_THINKING_BUDGET = 1024


def _thinking_params(settings: ConversationSettings, spec: ModelSpec) -> dict[str, Any]:
    display = "summarized" if settings.thinking.show_summaries else "omitted"
    params: dict[str, Any] = {}
    if spec.thinking == "always" or (settings.thinking.enabled and spec.thinking == "adaptive"):
        params["thinking"] = {"type": "adaptive", "display": display}
    elif settings.thinking.enabled and spec.thinking == "budget":
        budget = max(MIN_THINKING_BUDGET, settings.max_tokens // 2)
        if budget < settings.max_tokens:
            params["thinking"] = {"type": "enabled", "budget_tokens": budget, "display": display}
    elif spec.thinking in ("adaptive", "budget"):
        params["thinking"] = {"type": "disabled"}
    effort = settings.thinking.effort
    thinking_on = "thinking" in params and params["thinking"]["type"] != "disabled"
    if thinking_on and effort and effort in spec.efforts:
        params["output_config"] = {"effort": effort}
    return params


def _api_content(message: Message) -> list[dict[str, Any]]:
    """Content to send back: blocks the API accepts, empty text blocks dropped."""
    blocks = []
    for block in message.content:
        kind = block.get("type")
        if kind == "text" and not block.get("text"):
            continue
        if kind == "thinking" and not block.get("signature"):
            continue  # an unsigned (cut off) thinking block would be rejected
        blocks.append(block)
    return blocks


def api_messages(history: list[Message]) -> list[dict[str, Any]]:
    """The history as API messages: failed or empty turns left out, roles alternating."""
    out: list[dict[str, Any]] = []
    for message in history:
        if message.status in (MessageStatus.FAILED, MessageStatus.STREAMING):
            continue
        if message.role is Role.ASSISTANT and message.stop_reason == "refusal":
            continue  # a refused answer's partial text must not be sent back
        content = _api_content(message)
        if not content:
            continue
        if out and out[-1]["role"] == message.role.value:
            out[-1]["content"] = [*out[-1]["content"], *content]
        else:
            out.append({"role": message.role.value, "content": content})
    while out and out[-1]["role"] == Role.ASSISTANT.value:
        out.pop()  # no assistant prefill on current models
    return out


def build_params(
    settings: ConversationSettings, spec: ModelSpec, history: list[Message]
) -> dict[str, Any]:
    """Parameters for `messages.create(stream=True)`; history ends with the user's turn."""
    max_tokens = settings.max_tokens
    if spec.max_output:
        max_tokens = min(max_tokens, spec.max_output)
    params: dict[str, Any] = {
        "model": spec.id,
        "max_tokens": max_tokens,
        "messages": api_messages(history),
    }
    if settings.system_prompt.strip():
        params["system"] = settings.system_prompt
    params.update(_thinking_params(settings, spec))
    return params


def inline_images(params: dict[str, Any], read: Callable[[str], bytes]) -> dict[str, Any]:
    """`params` with every stored (blob) image block replaced by a base64 image block.

    `read(sha256)` returns a blob's bytes (blocking file I/O: call this off the UI thread).
    """
    messages = []
    for message in params.get("messages", []):
        content = [_inlined(block, read) for block in message["content"]]
        messages.append({**message, "content": content})
    return {**params, "messages": messages}


def _inlined(block: dict[str, Any], read: Callable[[str], bytes]) -> dict[str, Any]:
    facts = facts_from_block(block)
    if facts is None:
        return block
    data = base64.b64encode(read(facts.sha256)).decode("ascii")
    source = {"type": "base64", "media_type": facts.media_type, "data": data}
    return {"type": "image", "source": source}


def without_images(params: dict[str, Any], spec: ModelSpec) -> tuple[dict[str, Any], int]:
    """`params` with stored image blocks taken out, and their locally estimated tokens.

    Used for counting before sending: the count endpoint gets the text, images are estimated
    from their prepared sizes (sending every image's bytes on each keystroke would be wasteful).
    """
    image_tokens = 0
    messages = []
    for message in params.get("messages", []):
        content = []
        for block in message["content"]:
            facts = facts_from_block(block)
            if facts is None:
                content.append(block)
            else:
                image_tokens += estimate_image_tokens(facts, spec)
        if content:
            messages.append({**message, "content": content})
    return {**params, "messages": messages}, image_tokens


def local_token_estimate(params: dict[str, Any]) -> int:
    """A rough count when the count endpoint cannot be reached: about four characters a token."""
    chars = len(str(params.get("system", "")))
    for message in params.get("messages", []):
        for block in message["content"]:
            chars += len(str(block.get("text") or block.get("thinking") or ""))
    return max(1, chars // 4)
