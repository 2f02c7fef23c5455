"""What the prompt cache is doing for the open conversation: time left, money saved, warnings.

The time left counts down from the last answer that wrote or read the cache, by the
conversation's TTL; a timer refreshes it every few seconds (never per frame).
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.caching import (
    Ttl,
    below_minimum_message,
    cache_seconds_left,
    cache_state_text,
    cache_touched,
)
from desktop.core.conversation import Conversation, ConversationSettings, Message, Role, Usage
from desktop.core.documents import local_text_tokens
from desktop.core.pricing import cost, format_usd

if TYPE_CHECKING:
    from desktop.ui.chat.controller import ChatController

REFRESH_MS = 10_000
TTL_NAMES: dict[Ttl, str] = {"5m": "5 minutes", "1h": "1 hour"}


class CacheStatus(QObject):
    """Follows the controller; emits `changed` when any of its texts may have changed."""

    changed = Signal()

    def __init__(self, controller: ChatController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.last_use: float | None = None
        self.saved: Decimal | None = None
        self.clock = time.time
        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        controller.conversation_opened.connect(self._on_controller_conversation_opened)
        controller.message_updated.connect(self._on_controller_message_updated)
        controller.usage_changed.connect(self._on_controller_usage_changed)
        controller.settings_changed.connect(self._on_controller_settings_changed)
        if controller.documents is not None:
            controller.documents.changed.connect(self.changed)

    @property
    def ttl(self) -> Ttl:
        return "1h" if self._controller.settings.cache_ttl == "1h" else "5m"

    def state_text(self) -> str:
        """'Cache: cached — 4 min left' or 'Cache: not cached', with the TTL."""
        left = cache_seconds_left(self.last_use, self.clock(), self.ttl)
        return f"Cache: {cache_state_text(left)} (kept {TTL_NAMES[self.ttl]} after each use)"

    def saved_text(self) -> str:
        if self.saved is None:
            return ""
        if self.saved >= 0:
            return f"Saved by caching so far: {format_usd(self.saved)}"
        return (
            f"Caching so far: {format_usd(-self.saved)} extra for cache writes "
            "(reads within the TTL repay them)"
        )

    def warning(self) -> str | None:
        """The minimum-length notice when the context is too short to be cached."""
        documents = self._controller.documents
        if documents is None or not documents.documents():
            return None
        settings = self._controller.settings
        tokens = sum(d.tokens for d in documents.documents())
        if settings.system_prompt.strip():
            tokens += local_text_tokens(settings.system_prompt)
        return below_minimum_message(tokens, self._controller.catalog.get(settings.model))

    def _on_controller_conversation_opened(
        self, _conversation: Conversation | None, messages: list[Message], _earlier: bool
    ) -> None:
        touched = [
            m.created_at
            for m in messages
            if m.role is Role.ASSISTANT and m.usage is not None and cache_touched(m.usage)
        ]
        self.last_use = max(touched) if touched else None
        self._refresh_timer()
        self.changed.emit()

    def _on_controller_message_updated(self, message: Message) -> None:
        if message.role is Role.ASSISTANT and message.usage and cache_touched(message.usage):
            self.last_use = max(self.last_use or 0.0, message.created_at or self.clock())
            self._refresh_timer()
            self.changed.emit()

    def _on_controller_usage_changed(self, usage: dict[str, Usage]) -> None:
        self.saved = self._saved_so_far(usage)
        self.changed.emit()

    def _on_controller_settings_changed(self, _settings: ConversationSettings) -> None:
        self.changed.emit()

    def _on_timer_timeout(self) -> None:
        self._refresh_timer()
        self.changed.emit()

    def _refresh_timer(self) -> None:
        alive = cache_seconds_left(self.last_use, self.clock(), self.ttl) > 0
        if alive and not self._timer.isActive():
            self._timer.start()
        elif not alive:
            self._timer.stop()

    def _saved_so_far(self, usage: dict[str, Usage]) -> Decimal | None:
        """What caching saved in the open conversation (None before any answer used it)."""
        catalog = self._controller.catalog
        touched = [(m, u) for m, u in usage.items() if cache_touched(u)]
        if not touched:
            return None
        costs = [cost(u, catalog.get(model)) for model, u in touched]
        return sum((c.saved_by_cache for c in costs if c is not None), Decimal(0))
