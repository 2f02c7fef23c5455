"""A conversation as Markdown: the path it shows, for people to read (not to import back).

Images go as files into a folder beside the ``.md`` named after it (``chat.md`` ->
``chat_files/``) and are linked relatively; documents are listed by name; thinking summaries
fold into ``<details>``; each answer ends with a small line of its model, tokens and cost.
Standard library only: the caller writes the text and the files.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from desktop.core.conversation import Message, MessageStatus, Role
from desktop.core.exchange import ConversationSnapshot
from desktop.core.formatting import usage_line
from desktop.core.images import BLOB_SOURCE, URL_SOURCE
from desktop.core.local_tools import call_text, result_text
from desktop.core.names import safe_stem
from desktop.core.tree import MessageTree

if TYPE_CHECKING:
    from desktop.core.catalog import ModelSpec

SpecFor = Callable[[str], "ModelSpec | None"]
FOLDER_SUFFIX = "_files"
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


def image_file(sha256: str, media_type: str) -> str:
    """The image's file name in the folder: its hash (so one image is one file)."""
    return sha256[:16] + EXTENSIONS.get(media_type, ".bin")


def markdown_export(
    snapshot: ConversationSnapshot, stem: str, spec_for: SpecFor, exported_at: float
) -> tuple[str, dict[str, bytes]]:
    """The Markdown text for ``<stem>.md`` and the image files it links to (relative path ->
    bytes, under ``<stem>_files/``)."""
    folder = stem + FOLDER_SUFFIX
    path = MessageTree(snapshot.messages).shown_path(snapshot.current_leaf)
    files: dict[str, bytes] = {}
    body = [_header(snapshot, exported_at)]
    for message in path:
        body.append(_message(message, snapshot, folder, files, spec_for))
    return "\n\n".join(part for part in body if part) + "\n", files


def _header(snapshot: ConversationSnapshot, exported_at: float) -> str:
    c = snapshot.conversation
    lines = [
        f"# {c.title}",
        "",
        f"*Exported from Claude Desk on {_when(exported_at)} · model {c.settings.model}*",
    ]
    if c.settings.system_prompt.strip():
        lines += ["", "**System prompt:**", "", _quote(c.settings.system_prompt)]
    if snapshot.documents:
        lines += ["", "**Documents:**", ""]
        lines += [f"- {d.name} — {d.detail()}" for d in snapshot.documents]
    return "\n".join(lines)


def _message(
    message: Message,
    snapshot: ConversationSnapshot,
    folder: str,
    files: dict[str, bytes],
    spec_for: SpecFor,
) -> str:
    who = "You" if message.role is Role.USER else "Claude"
    parts = ["---", f"## {who} · {_when(message.created_at)}"]
    thinking = message.thinking_text
    if thinking:
        parts.append(f"<details>\n<summary>Thinking</summary>\n\n{thinking}\n\n</details>")
    for block in message.content:
        shown = _block(block, snapshot, folder, files)
        if shown:
            parts.append(shown)
    parts.extend(_outcome(message, spec_for))
    return "\n\n".join(parts)


def _block(
    block: dict[str, Any], snapshot: ConversationSnapshot, folder: str, files: dict[str, bytes]
) -> str:
    kind = block.get("type")
    if kind == "text":
        return str(block.get("text", "")).strip()
    if kind in ("tool_use", "tool_result", "server_tool_use"):
        return _tool_block(block)
    raw = block.get("source")
    source: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if kind == "document":
        return f"📄 *{block.get('title') or 'document'}*"
    if kind != "image":
        return ""
    if source.get("type") == URL_SOURCE:
        return f"![image]({source.get('url', '')})"
    if source.get("type") != BLOB_SOURCE:
        return ""
    sha, name = str(source.get("sha256", "")), str(source.get("name") or "image")
    data = snapshot.blobs.get(sha)
    if data is None:
        return f"*[image missing from the history: {name}]*"
    relative = f"{folder}/{image_file(sha, str(source.get('media_type', '')))}"
    files[relative] = data
    return f"![{_alt(name)}]({urllib.parse.quote(relative)})"


RESULT_CHARS = 4000  # a longer tool result is cut in the export (with a note)


def _tool_block(block: dict[str, Any]) -> str:
    """A tool call as a line, a local tool's result folded (its text in a code fence)."""
    kind = block.get("type")
    if kind == "tool_use":
        return f"🔧 *{call_text(block)}*"
    if kind == "server_tool_use":
        raw = block.get("input")
        args: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if block.get("name") == "web_search":
            return f"🔎 *Searched the web: {args.get('query', '')}*"
        if block.get("name") == "web_fetch":
            return f"🌐 *Read: {args.get('url', '')}*"
        return "⚙️ *Ran code*"
    text = result_text(block)
    if len(text) > RESULT_CHARS:
        text = text[:RESULT_CHARS] + f"\n… ({len(text) - RESULT_CHARS:,} more characters)"
    label = "Tool error" if block.get("is_error") else "Tool result"
    fence = "````" if "```" in text else "```"
    return f"<details>\n<summary>{label}</summary>\n\n{fence}\n{text}\n{fence}\n\n</details>"


def _outcome(message: Message, spec_for: SpecFor) -> list[str]:
    lines: list[str] = []
    if message.status is MessageStatus.STOPPED:
        lines.append("*Stopped before the end.*")
    elif message.status is MessageStatus.FAILED:
        lines.append(f"> **Error:** {message.error or 'the answer failed'}")
    if message.role is Role.ASSISTANT and message.usage is not None:
        spec = spec_for(message.model) if message.model else None
        line = usage_line(message.usage, spec)
        if line:
            lines.append(f"<sub>{line}</sub>")
    return lines


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.strip().splitlines())


def _alt(name: str) -> str:
    return name.replace("[", "(").replace("]", ")")


def _when(timestamp: float) -> str:
    return time.strftime("%d %b %Y %H:%M", time.localtime(timestamp))


def unique_stems(titles: Mapping[int, str]) -> dict[int, str]:
    """A distinct file stem per conversation (by id): ``Notes``, ``Notes (2)``, …"""
    used: set[str] = set()
    stems: dict[int, str] = {}
    for key, title in titles.items():
        stem, n = safe_stem(title), 1
        candidate = stem
        while candidate.casefold() in used:
            n += 1
            candidate = f"{stem} ({n})"
        used.add(candidate.casefold())
        stems[key] = candidate
    return stems
