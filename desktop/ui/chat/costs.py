"""What the open conversation has cost: per-model usage sums kept by the store, priced."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, SignalInstance

from desktop.core.errors import StorageError
from desktop.core.formatting import conversation_cost_label

if TYPE_CHECKING:
    from desktop.core.catalog import Catalog
    from desktop.core.conversation import Conversation
    from desktop.core.ports import ConversationStore


class ConversationCosts(QObject):
    cost_changed = Signal(str, str)  # the conversation's total ("$0.0123"), a tooltip
    usage_changed = Signal(object)  # {model: Usage} of the open conversation ({} for a draft)

    def __init__(
        self, store: ConversationStore, catalog: Callable[[], Catalog], parent: QObject
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._catalog = catalog

    def forward_to(self, cost_changed: SignalInstance, usage_changed: SignalInstance) -> None:
        """Report through another object's signals too (the controller's, which views use)."""
        self.cost_changed.connect(cost_changed)
        self.usage_changed.connect(usage_changed)

    def show(self, conversation: Conversation | None) -> None:
        """Read the sums once and share them (e.g. with the cache panel); None: a draft."""
        if conversation is None:
            self.usage_changed.emit({})
            self.cost_changed.emit("", "")
            return
        try:
            usage = self._store.usage_by_model(conversation.id)
        except StorageError:
            return
        self.usage_changed.emit(usage)
        self.cost_changed.emit(*conversation_cost_label(usage, self._catalog().get))
