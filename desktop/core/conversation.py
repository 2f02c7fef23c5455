"""Plain data for conversations, messages and usage (standard library only).

Message content is kept in the API's own block shape (a list of JSON-able dicts), so what
is stored is exactly what is sent back on the next turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from desktop.core.server_tools import ServerTools

Block = dict[str, Any]

DEFAULT_MODEL = "claude-opus-4-8"
DEFAULT_MAX_TOKENS = 16_000


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"


class MessageStatus(StrEnum):
    """Where a message stands; only assistant messages go beyond COMPLETE."""

    COMPLETE = "complete"
    STREAMING = "streaming"
    STOPPED = "stopped"  # the user pressed Stop; the partial text is kept
    FAILED = "failed"  # an error ended it; `error` says which


@dataclass(slots=True)
class Usage:
    """Token counts of one answer; `input_tokens` counts uncached input only."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    thinking_tokens: int = 0
    web_search_requests: int = 0  # usage.server_tool_use: searches and fetches the API ran
    web_fetch_requests: int = 0
    extra_requests: int = 0  # requests after an answer's first (tool loop rounds, pause_turn)

    @property
    def total_input_tokens(self) -> int:
        return self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Usage:
        if not data:
            return cls()
        known = {k: int(v) for k, v in data.items() if k in cls.__slots__}
        return cls(**known)


@dataclass(slots=True)
class ThinkingSettings:
    """Adaptive thinking as the user set it for one conversation."""

    enabled: bool = False
    effort: str | None = None  # None: the model's default
    show_summaries: bool = True


@dataclass(slots=True)
class ConversationSettings:
    model: str = DEFAULT_MODEL
    system_prompt: str = ""
    max_tokens: int = DEFAULT_MAX_TOKENS
    thinking: ThinkingSettings = field(default_factory=ThinkingSettings)
    cache_ttl: str = "5m"  # how long the documents stay cached: "5m" or "1h"
    tools: ServerTools = field(default_factory=ServerTools)  # web search, fetch, code execution

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "system_prompt": self.system_prompt,
            "max_tokens": self.max_tokens,
            "thinking": {
                "enabled": self.thinking.enabled,
                "effort": self.thinking.effort,
                "show_summaries": self.thinking.show_summaries,
            },
            "cache_ttl": self.cache_ttl,
            "tools": self.tools.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ConversationSettings:
        data = data or {}
        thinking = data.get("thinking") or {}
        return cls(
            model=str(data.get("model") or DEFAULT_MODEL),
            system_prompt=str(data.get("system_prompt") or ""),
            max_tokens=int(data.get("max_tokens") or DEFAULT_MAX_TOKENS),
            thinking=ThinkingSettings(
                enabled=bool(thinking.get("enabled", False)),
                effort=thinking.get("effort"),
                show_summaries=bool(thinking.get("show_summaries", True)),
            ),
            cache_ttl="1h" if data.get("cache_ttl") == "1h" else "5m",
            tools=ServerTools.from_dict(data.get("tools")),
        )

    def copy(self) -> ConversationSettings:
        """A deep copy (built directly: `dataclasses.replace` is ~5x slower, and the history
        list copies one per conversation at startup)."""
        t = self.thinking
        thinking = ThinkingSettings(t.enabled, t.effort, t.show_summaries)
        return ConversationSettings(
            self.model,
            self.system_prompt,
            self.max_tokens,
            thinking,
            self.cache_ttl,
            self.tools.copy(),
        )


@dataclass(slots=True)
class Conversation:
    id: int
    title: str
    created_at: float
    updated_at: float
    settings: ConversationSettings = field(default_factory=ConversationSettings)
    pinned: bool = False  # listed before the others (see the store's list_conversations)


@dataclass(slots=True)
class Message:
    """One turn. `id` is None until the store has saved it.

    `parent_id` is the message this one follows (None for a conversation's first): edits and
    regenerations make siblings, so the messages form a tree (see `desktop.core.tree`).
    """

    conversation_id: int
    role: Role
    content: list[Block]
    id: int | None = None
    created_at: float = 0.0
    status: MessageStatus = MessageStatus.COMPLETE
    model: str | None = None
    stop_reason: str | None = None
    stop_details: dict[str, Any] | None = None
    usage: Usage | None = None
    error: str | None = None  # a person-readable error, for FAILED messages
    parent_id: int | None = None

    @property
    def text(self) -> str:
        """The visible text of all text blocks, joined; the text of each round of a tool loop
        (after the app's `tool_result`s) starts a new paragraph."""
        parts: list[str] = []
        new_round = False
        for block in self.content:
            kind = block.get("type")
            if kind == "tool_result":
                new_round = bool(parts)
            elif kind == "text":
                text = block.get("text", "")
                if new_round and text:
                    parts.append("\n\n")
                    new_round = False
                parts.append(text)
        return "".join(parts)

    @property
    def thinking_text(self) -> str:
        return "\n\n".join(
            b.get("thinking", "") for b in self.content if b.get("type") == "thinking"
        ).strip()


def text_block(text: str) -> Block:
    return {"type": "text", "text": text}


def title_from_text(text: str, limit: int = 60) -> str:
    """A conversation title from the first user message: first line, trimmed."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = " ".join(first.split())
    if not first:
        return "New conversation"
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"
