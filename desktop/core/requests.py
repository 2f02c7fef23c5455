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
from desktop.core.documents import api_block, is_stored_document, stored_tokens
from desktop.core.images import estimate_image_tokens, facts_from_block
from desktop.core.server_tools import tool_params

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


def _api_content(content: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Content to send back: blocks the API accepts, empty text blocks dropped.

    Tool blocks go back as they came; a `server_tool_use` or `tool_use` without its result (an
    answer stopped mid-call) is left out, since the API pairs them.
    """
    answered = {b.get("tool_use_id") for b in content if b.get("tool_use_id")}
    blocks = []
    for block in content:
        kind = block.get("type")
        if kind == "text" and not block.get("text"):
            continue
        if kind == "thinking" and not block.get("signature"):
            continue  # an unsigned (cut off) thinking block would be rejected
        if kind in ("server_tool_use", "tool_use") and block.get("id") not in answered:
            continue
        blocks.append(block)
    return blocks


def answer_turns(content: list[dict[str, Any]], paused: bool = False) -> list[dict[str, Any]]:
    """An answer's content as API turns: a tool loop keeps every round in one answer, its
    `tool_result` blocks (the app's replies to Claude's tool calls) going back as user turns
    between the assistant turns.

    `paused`: the last round ended with `stop_reason: "pause_turn"` and goes back as it came
    (a server tool call still without its result included) so Claude can go on with it.
    """
    cut = len(content)
    if paused:
        results = [i for i, b in enumerate(content) if b.get("type") == "tool_result"]
        cut = results[-1] + 1 if results else 0
    tail = [b for b in content[cut:] if b.get("type") != "text" or b.get("text")]
    turns: list[dict[str, Any]] = []
    for block in [*_api_content(content[:cut]), *tail]:
        role = Role.USER.value if block.get("type") == "tool_result" else Role.ASSISTANT.value
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].append(block)
        else:
            turns.append({"role": role, "content": [block]})
    return turns


def api_messages(history: list[Message]) -> list[dict[str, Any]]:
    """The history as API messages: failed or empty turns left out, roles alternating."""
    out: list[dict[str, Any]] = []
    for message in history:
        if message.status in (MessageStatus.FAILED, MessageStatus.STREAMING):
            continue
        if message.role is Role.ASSISTANT and message.stop_reason == "refusal":
            continue  # a refused answer's partial text must not be sent back
        if message.role is Role.ASSISTANT:
            turns = answer_turns(message.content)
        else:
            content = _api_content(message.content)
            turns = [{"role": message.role.value, "content": content}] if content else []
        for turn in turns:
            if out and out[-1]["role"] == turn["role"]:
                out[-1]["content"] = [*out[-1]["content"], *turn["content"]]
            else:
                out.append(turn)
    while out and out[-1]["role"] == Role.ASSISTANT.value:
        out.pop()  # no assistant prefill on current models
    return out


def build_params(
    settings: ConversationSettings,
    spec: ModelSpec,
    history: list[Message],
    documents: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Parameters for `messages.create(stream=True)`; history ends with the user's turn.

    `documents` (stored document blocks, in the conversation's order) open the first user
    turn, so the prefix tools → system → documents is the same on every turn.
    """
    max_tokens = settings.max_tokens
    if spec.max_output:
        max_tokens = min(max_tokens, spec.max_output)
    messages = api_messages(history)
    if documents and messages and messages[0]["role"] == Role.USER.value:
        messages[0] = {**messages[0], "content": [*documents, *messages[0]["content"]]}
    elif documents and not messages:
        messages = [{"role": Role.USER.value, "content": list(documents)}]
    params: dict[str, Any] = {
        "model": spec.id,
        "max_tokens": max_tokens,
        "messages": messages,
    }
    if settings.system_prompt.strip():
        params["system"] = settings.system_prompt
    params.update(_thinking_params(settings, spec))
    if tools := tool_params(settings.tools, spec.id):
        params["tools"] = tools
    return params


def inline_blobs(params: dict[str, Any], read: Callable[[str], bytes]) -> dict[str, Any]:
    """`params` with every stored (blob) image and document block made sendable.

    Images become base64 image blocks; PDFs base64 document blocks; text documents text
    document blocks. Cache markers and titles stay where they were. `read(sha256)` returns a
    blob's bytes (blocking file I/O: call this off the UI thread).
    """
    messages = []
    for message in params.get("messages", []):
        content = [_inlined(block, read) for block in message["content"]]
        messages.append({**message, "content": content})
    return {**params, "messages": messages}


def _inlined(block: dict[str, Any], read: Callable[[str], bytes]) -> dict[str, Any]:
    if is_stored_document(block):
        return api_block(block, read(block["source"]["sha256"]))
    facts = facts_from_block(block)
    if facts is None:
        return block
    data = base64.b64encode(read(facts.sha256)).decode("ascii")
    inlined: dict[str, Any] = {
        "type": "image",
        "source": {"type": "base64", "media_type": facts.media_type, "data": data},
    }
    if "cache_control" in block:
        inlined["cache_control"] = block["cache_control"]
    return inlined


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


def without_documents(params: dict[str, Any]) -> tuple[dict[str, Any], int, bool]:
    """`params` without stored document blocks, their tokens, and whether all were counted.

    Each document's tokens were counted once when it was added (or guessed offline), so the
    estimate before sending does not upload every PDF again after each pause in typing.
    """
    tokens = 0
    exact = True
    messages = []
    for message in params.get("messages", []):
        content = []
        for block in message["content"]:
            if is_stored_document(block):
                count, counted = stored_tokens(block)
                tokens += count
                exact = exact and counted
            else:
                content.append(block)
        if content:
            messages.append({**message, "content": content})
    return {**params, "messages": messages}, tokens, exact


def local_token_estimate(params: dict[str, Any]) -> int:
    """A rough count when the count endpoint cannot be reached: about four characters a token."""
    chars = len(str(params.get("system", "")))
    for message in params.get("messages", []):
        for block in message["content"]:
            chars += len(str(block.get("text") or block.get("thinking") or ""))
    return max(1, chars // 4)
