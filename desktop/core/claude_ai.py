"""A claude.ai data export (its ``conversations.json``) as conversations to import.

The file is a list of conversations: ``uuid``, ``name``, ``created_at``, ``updated_at`` (ISO
8601) and ``chat_messages``, each with ``uuid``, ``sender`` ("human" / "assistant"), ``text``,
``content`` (blocks: ``text`` and others), ``created_at``, ``attachments`` (``file_name``,
``extracted_content``), ``files`` (``file_name`` only: the export holds no bytes) and, where
the conversation has branches, ``parent_message_uuid``.

What is kept: the text of every message (``content``'s text blocks, else ``text``); branches
when messages name their parent (the conversation's ``current_leaf_message_uuid`` is shown when
present, else its latest message); an attachment's extracted text goes into its message, as a
text block before the message's own text (headed ``Attachment: <name>``), because the text was
part of what was said at that turn. What is skipped, and counted in the summary: attachments
without text, files (the export has no bytes for them; a line in the message names each), and
content blocks other than text (tool use and results, thinking: they cannot be sent again).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from desktop.core.conversation import ConversationSettings, Message, Role, text_block
from desktop.core.exchange import ExchangeError, ImportBundle, ImportedConversation

SOURCE = "claude.ai"
ATTACHMENT_HEADING = "Attachment: "
EMPTY_TEXT = "(empty message)"
SKIPPED_ATTACHMENTS = "attachments without text were"
SKIPPED_FILES = "files (the export holds no content for them) were"
SKIPPED_BLOCKS = "content blocks other than text (tool use, thinking) were"
SKIPPED_CONVERSATIONS = "conversations without messages were"
ROLES = {"human": Role.USER, "user": Role.USER, "assistant": Role.ASSISTANT}


def is_claude_ai_export(data: Any) -> bool:
    """A list of conversations with ``chat_messages`` (or one such conversation)."""
    items = data if isinstance(data, list) else [data]
    return bool(items) and all(isinstance(c, dict) and "chat_messages" in c for c in items[:5])


def parse_claude_ai(
    data: Any, default_settings: ConversationSettings | None = None
) -> ImportBundle:
    """Conversations to import from a claude.ai export; raises ExchangeError if it is not one."""
    items = data if isinstance(data, list) else [data]
    if not is_claude_ai_export(data) and items:
        raise ExchangeError("This file is not a claude.ai export (conversations.json).")
    skipped: Counter[str] = Counter()
    conversations: list[ImportedConversation] = []
    for number, raw in enumerate(items, start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("chat_messages"), list):
            raise ExchangeError(
                f"The file cannot be imported: conversation {number} has no message list. "
                "Nothing was imported."
            )
        conversation = _conversation(raw, default_settings or ConversationSettings(), skipped)
        if conversation.messages:
            conversations.append(conversation)
        else:
            skipped[SKIPPED_CONVERSATIONS] += 1
    return ImportBundle(SOURCE, conversations, {}, dict(skipped))


def _conversation(
    raw: dict[str, Any], settings: ConversationSettings, skipped: Counter[str]
) -> ImportedConversation:
    created = _time(raw.get("created_at"), 0.0)
    updated = _time(raw.get("updated_at"), created)
    chat = [m for m in raw["chat_messages"] if isinstance(m, dict)]
    local = {str(m.get("uuid")): n for n, m in enumerate(chat, start=1) if m.get("uuid")}
    branched = any("parent_message_uuid" in m for m in chat)
    messages: list[Message] = []
    for n, m in enumerate(chat, start=1):
        parent = local.get(str(m.get("parent_message_uuid"))) if branched else n - 1 or None
        if parent is not None and parent >= n:
            parent = None  # a parent listed after its reply: keep the message, as a root
        messages.append(_message(m, n, parent, created, skipped))
    leaf = local.get(str(raw.get("current_leaf_message_uuid")))
    title = str(raw.get("name") or "").strip() or "Untitled"
    return ImportedConversation(
        title, settings.copy(), created, max(updated, created), messages, leaf or None
    )


def _message(
    m: dict[str, Any], number: int, parent: int | None, fallback: float, skipped: Counter[str]
) -> Message:
    blocks = []
    for attachment in m.get("attachments") or []:
        text = str((attachment or {}).get("extracted_content") or "").strip()
        name = str((attachment or {}).get("file_name") or "attachment")
        if text:
            blocks.append(text_block(f"{ATTACHMENT_HEADING}{name}\n\n{text}"))
        else:
            skipped[SKIPPED_ATTACHMENTS] += 1
    text = _text(m, skipped)
    for file in m.get("files") or []:
        skipped[SKIPPED_FILES] += 1
        name = str((file or {}).get("file_name") or "a file")
        text += f"\n\n[{name} was not included in the claude.ai export]"
    text = text.strip()
    if text or not blocks:
        blocks.append(text_block(text or EMPTY_TEXT))
    return Message(
        conversation_id=0,
        role=ROLES.get(str(m.get("sender")), Role.USER),
        content=blocks,
        id=number,
        created_at=_time(m.get("created_at"), fallback),
        parent_id=parent,
    )


def _text(m: dict[str, Any], skipped: Counter[str]) -> str:
    content = m.get("content")
    if not isinstance(content, list) or not content:
        return str(m.get("text") or "")
    parts = []
    for block in content:
        if isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text") or ""))
        else:
            skipped[SKIPPED_BLOCKS] += 1
    return "".join(parts) if parts else str(m.get("text") or "")


def _time(value: Any, fallback: float) -> float:
    if not isinstance(value, str):
        return fallback
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return fallback
