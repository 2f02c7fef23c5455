"""The app's own export format, ``claude-desk/1``: build it from plain data, parse it back.

Lossless: a conversation's title, settings, times and current message; every message of its
tree (ids remapped to export ids 1, 2, … per conversation, in creation order, so variants keep
their order), content blocks exactly as stored, model, status, stop reason and details, usage,
error, times; its documents; and every blob (images, document bytes) once, base64, by SHA-256.

    {"format": "claude-desk/1", "exported_at": 1718000000.0, "app": "Claude Desk 0.1.0",
     "conversations": [{"title", "created_at", "updated_at", "settings", "current_leaf",
                        "messages": [{"id", "parent", "role", "content", "status", "model",
                                      "stop_reason", "stop_details", "usage", "error",
                                      "created_at"}],
                        "documents": [{"name", "kind", "sha256", "byte_size", "pages",
                                       "tokens", "tokens_exact"}]}],
     "blobs": {"<sha256>": {"media_type": "image/png", "data": "<base64>"}},
     "missing_blobs": ["<sha256>"]}

Standard library only; no I/O. Parsing validates everything before anything is imported.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.core.conversation import (
    Conversation,
    ConversationSettings,
    Message,
    MessageStatus,
    Role,
    Usage,
)
from desktop.core.documents import Document
from desktop.core.errors import DeskError
from desktop.core.images import BLOB_SOURCE

FORMAT = "claude-desk/1"
_SHA256 = re.compile(r"[0-9a-f]{64}")
MISSING_BLOBS = "attachments missing from the exported history were"
SINGULAR = {
    MISSING_BLOBS: "attachment missing from the exported history was",
    "attachments without text were": "attachment without text was",
    "files (the export holds no content for them) were": (
        "file (the export holds no content for it) was"
    ),
    "content blocks other than text (tool use, thinking) were": (
        "content block other than text (tool use, thinking) was"
    ),
    "conversations without messages were": "conversation without messages was",
}
"""What was skipped, said of one (the keys of `ImportBundle.skipped` say it of many)."""


class ExchangeError(DeskError):
    """A file cannot be imported (or an export cannot be made); `message` says why."""

    retryable = False
    title = "Import failed"


@dataclass(slots=True)
class ConversationSnapshot:
    """One conversation as stored: every branch, its documents, the blobs they name."""

    conversation: Conversation
    messages: list[Message]
    current_leaf: int | None
    documents: list[Document]
    blobs: dict[str, bytes] = field(default_factory=dict)
    missing_blobs: set[str] = field(default_factory=set)


@dataclass(slots=True)
class ImportedConversation:
    """A conversation to add: messages carry export ids (`id`, `parent_id`), parents first."""

    title: str
    settings: ConversationSettings
    created_at: float
    updated_at: float
    messages: list[Message]
    current_leaf: int | None = None
    documents: list[Document] = field(default_factory=list)


@dataclass(slots=True)
class ImportBundle:
    """What a file holds, checked: conversations, blobs by SHA-256, and what was left out."""

    source: str  # "Claude Desk" or "claude.ai"
    conversations: list[ImportedConversation]
    blobs: dict[str, bytes] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)  # "attachments without text": 3


# -- export ---------------------------------------------------------------------------------------


def blob_refs(blocks: Sequence[Any]) -> Iterator[tuple[str, str]]:
    """(sha256, media_type) of every stored blob a message's blocks name."""
    for block in blocks:
        source = block.get("source") if isinstance(block, dict) else None
        if isinstance(source, dict) and source.get("type") == BLOB_SOURCE:
            sha = source.get("sha256")
            if isinstance(sha, str) and _SHA256.fullmatch(sha):
                yield sha, str(source.get("media_type") or "application/octet-stream")


def snapshot_blobs(snapshot: ConversationSnapshot) -> dict[str, str]:
    """Every blob the conversation needs (messages and documents): sha256 -> media type."""
    found: dict[str, str] = {}
    for message in snapshot.messages:
        found.update(blob_refs(message.content))
    for document in snapshot.documents:
        found.setdefault(document.sha256, document.media_type)
    return found


def export_dict(
    snapshots: Sequence[ConversationSnapshot], exported_at: float, app: str
) -> dict[str, Any]:
    """The ``claude-desk/1`` document for `snapshots` (each blob once)."""
    blobs: dict[str, Any] = {}
    missing: set[str] = set()
    for snapshot in snapshots:
        for sha, media_type in snapshot_blobs(snapshot).items():
            data = snapshot.blobs.get(sha)
            if data is None:
                missing.add(sha)
            elif sha not in blobs:
                blobs[sha] = {"media_type": media_type, "data": base64.b64encode(data).decode()}
    return {
        "format": FORMAT,
        "exported_at": exported_at,
        "app": app,
        "conversations": [conversation_dict(s) for s in snapshots],
        "blobs": blobs,
        "missing_blobs": sorted(missing - blobs.keys()),
    }


def conversation_dict(snapshot: ConversationSnapshot) -> dict[str, Any]:
    """One conversation of the export, message ids remapped to 1, 2, … in creation order."""
    ordered = sorted((m for m in snapshot.messages if m.id is not None), key=lambda m: m.id or 0)
    local = {m.id: n for n, m in enumerate(ordered, start=1)}
    c = snapshot.conversation
    return {
        "title": c.title,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "settings": c.settings.to_dict(),
        "current_leaf": local.get(snapshot.current_leaf),
        "messages": [_message_dict(m, local) for m in ordered],
        "documents": [d.to_dict() for d in snapshot.documents],
    }


def _message_dict(message: Message, local: Mapping[int | None, int]) -> dict[str, Any]:
    return {
        "id": local[message.id],
        "parent": local.get(message.parent_id),
        "role": str(message.role),
        "content": message.content,
        "status": str(message.status),
        "model": message.model,
        "stop_reason": message.stop_reason,
        "stop_details": message.stop_details,
        "usage": None if message.usage is None else message.usage.to_dict(),
        "error": message.error,
        "created_at": message.created_at,
    }


# -- import ---------------------------------------------------------------------------------------


def is_desk_export(data: Any) -> bool:
    return isinstance(data, dict) and "format" in data


def parse_export(data: Any) -> ImportBundle:
    """Check a ``claude-desk/1`` document whole and return what to import.

    Raises:
        ExchangeError: another format or version, or anything malformed (which item, why).
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise ExchangeError(
            f"This file is in the format “{found}”, which this version of Claude Desk cannot "
            f"read (it reads “{FORMAT}”)."
            if isinstance(found, str)
            else "This file is not a Claude Desk export."
        )
    conversations = _list(data.get("conversations"), "conversations")
    parsed = [_parse_conversation(c, n) for n, c in enumerate(conversations, start=1)]
    blobs = _parse_blobs(data.get("blobs") or {})
    missing = _list(data.get("missing_blobs") or [], "missing_blobs")
    skipped = {MISSING_BLOBS: len(missing)} if missing else {}
    return ImportBundle("Claude Desk", parsed, blobs, skipped)


def _parse_conversation(raw: Any, number: int) -> ImportedConversation:
    where = f"conversation {number}"
    c = _dict(raw, where)
    title = c.get("title")
    if not isinstance(title, str):
        raise _bad(where, "has no title")
    where = f"conversation {number} (“{title}”)"
    messages: list[Message] = []
    seen: set[int] = set()
    for m in _list(c.get("messages"), f"{where}: messages"):
        message = _parse_message(m, where)
        if message.id in seen or (message.parent_id is not None and message.parent_id not in seen):
            raise _bad(where, f"message {message.id} is repeated or follows an unknown message")
        seen.add(_int(message.id, where))
        messages.append(message)
    leaf = c.get("current_leaf")
    if leaf is not None and leaf not in seen:
        raise _bad(where, f"its current message {leaf!r} is not among its messages")
    try:
        settings = ConversationSettings.from_dict(_dict(c.get("settings") or {}, where))
        documents = [Document.from_dict(_dict(d, where)) for d in c.get("documents") or []]
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(where, f"has unreadable settings or documents ({exc})") from exc
    return ImportedConversation(
        title,
        settings,
        _float(c.get("created_at"), where),
        _float(c.get("updated_at"), where),
        messages,
        leaf,
        documents,
    )


def _parse_message(raw: Any, where: str) -> Message:
    m = _dict(raw, f"{where}: a message")
    where = f"{where}, message {m.get('id')!r}"
    try:
        content = _list(m.get("content"), where)
        if not all(isinstance(block, dict) for block in content):
            raise ValueError("a content block is not an object")
        usage = m.get("usage")
        return Message(
            conversation_id=0,
            role=Role(str(m.get("role"))),
            content=content,
            id=_int(m.get("id"), where),
            created_at=_float(m.get("created_at"), where),
            status=MessageStatus(m.get("status", "complete")),
            model=_optional_str(m.get("model")),
            stop_reason=_optional_str(m.get("stop_reason")),
            stop_details=m.get("stop_details") if isinstance(m.get("stop_details"), dict) else None,
            usage=None if usage is None else Usage.from_dict(_dict(usage, where)),
            error=_optional_str(m.get("error")),
            parent_id=None if m.get("parent") is None else _int(m.get("parent"), where),
        )
    except (TypeError, ValueError) as exc:
        raise _bad(where, f"cannot be read ({exc})") from exc


def _parse_blobs(raw: Any) -> dict[str, bytes]:
    blobs: dict[str, bytes] = {}
    for sha, entry in _dict(raw, "blobs").items():
        where = f"attachment {str(sha)[:12]}…"
        if not isinstance(sha, str) or _SHA256.fullmatch(sha) is None:
            raise _bad(where, "is not named by its SHA-256")
        try:
            data = base64.b64decode(_dict(entry, where).get("data", ""), validate=True)
        except (binascii.Error, TypeError, ValueError) as exc:
            raise _bad(where, "is not valid base64") from exc
        if hashlib.sha256(data).hexdigest() != sha:
            raise _bad(where, "is damaged (its content does not match its SHA-256)")
        blobs[sha] = data
    return blobs


def _bad(where: str, why: str) -> ExchangeError:
    return ExchangeError(f"The file cannot be imported: {where} {why}. Nothing was imported.")


def _dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(where, "is not an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _bad(where, "is not a list")
    return value


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(where, f"has {value!r} where a whole number belongs")
    return value


def _float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(where, f"has {value!r} where a time belongs")
    return float(value)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


# -- what happened --------------------------------------------------------------------------------


@dataclass(slots=True)
class ImportResult:
    """What an import wrote: the new conversations, and those that failed (title, why)."""

    imported: list[Conversation] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def import_summary(bundle: ImportBundle, result: ImportResult) -> str:
    """ "Imported 12 conversations; 3 attachments without text were skipped." """
    count = len(result.imported)
    parts = [f"Imported {count} conversation{'' if count == 1 else 's'} from {bundle.source}"]
    for what, n in bundle.skipped.items():
        if n:
            parts.append(f"{n} {SINGULAR.get(what, what) if n == 1 else what} skipped")
    if result.failed:
        names = ", ".join(f"“{title}” ({why})" for title, why in result.failed[:3])
        more = f" and {len(result.failed) - 3} more" if len(result.failed) > 3 else ""
        parts.append(f"{len(result.failed)} could not be imported: {names}{more}")
    return "; ".join(parts) + "."
