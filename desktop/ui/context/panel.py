"""The context panel: the conversation's documents (order, size, pages, tokens) and its cache."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.common.drops import FileDropTarget
from desktop.ui.common.panels import SIDE_PANEL_MIN_WIDTH
from desktop.ui.context.cache_status import CacheStatus
from desktop.ui.documents.model import ContextDocuments
from desktop.ui.documents.rows import DocumentRow, sync_rows

EMPTY_HINT = "Drop PDFs or text files here, or use “Add document…”."


class ContextPanel(FileDropTarget, QFrame):
    """Lists the documents sent (and cached) at the start of every request, and the cache state."""

    files_dropped = Signal(object)  # list[str] of paths; object keeps non-UTF-8 names intact
    add_requested = Signal()

    def __init__(
        self, documents: ContextDocuments, cache: CacheStatus, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("context_panel")
        self.setAccessibleName("Conversation context: documents and cache")
        self.setAcceptDrops(True)
        self.setMinimumWidth(SIDE_PANEL_MIN_WIDTH)
        self.documents = documents
        self.cache = cache
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        heading_row = QHBoxLayout()
        heading = QLabel("Context", self)
        heading.setObjectName("panel_heading")
        self.add_button = QPushButton("Add document…", self)
        self.add_button.setObjectName("context_add_button")
        self.add_button.setAccessibleName("Add a document to the context")
        self.add_button.clicked.connect(self.add_requested)
        heading_row.addWidget(heading, 1)
        heading_row.addWidget(self.add_button)
        layout.addLayout(heading_row)
        intro = QLabel("Sent first in every request of this conversation, and cached.", self)
        intro.setObjectName("context_intro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self._rows_box = QVBoxLayout()
        self._rows_box.setSpacing(4)
        layout.addLayout(self._rows_box)
        self.empty_label = self._label("context_empty", EMPTY_HINT)
        self.total_label = self._label("context_total")
        self.cache_state_label = self._label("cache_state_label")
        self.cache_saved_label = self._label("cache_saved_label")
        self.cache_warning_label = self._label("cache_warning_label")
        self.message_label = self._label("context_message")
        for label in (
            self.empty_label,
            self.total_label,
            self.cache_warning_label,
            self.cache_state_label,
            self.cache_saved_label,
            self.message_label,
        ):
            layout.addWidget(label)
        layout.addStretch(1)
        self._rows: list[DocumentRow] = []
        documents.changed.connect(self._on_documents_changed)
        documents.failed.connect(self.add_problem)
        cache.changed.connect(self._on_cache_changed)
        self._on_documents_changed()

    def _label(self, name: str, text: str = "") -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setVisible(bool(text))
        return label

    def rows(self) -> list[DocumentRow]:
        return list(self._rows)

    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))
        self._update_visible()

    def add_problem(self, text: str) -> None:
        shown = self.message_label.text() if not self.message_label.isHidden() else ""
        self.show_message(f"{shown}\n{text}" if shown else text)

    def _on_documents_changed(self) -> None:
        self._rows = sync_rows(self._rows, self._rows_box, self.documents, self)
        items = self.documents.items
        self.empty_label.setVisible(not items)
        ready = self.documents.documents()
        total = sum(d.tokens for d in ready)
        exact = all(d.tokens_exact for d in ready)
        mark = "" if exact else "≈"
        self.total_label.setText(f"{len(ready)} in context · {mark}{total:,} tokens")
        self.total_label.setVisible(bool(ready))
        self._on_cache_changed()
        self._update_visible()

    def _on_cache_changed(self) -> None:
        has_documents = bool(self.documents.documents())
        warning = self.cache.warning()
        self.cache_warning_label.setText(warning or "")
        self.cache_warning_label.setVisible(bool(warning))
        self.cache_state_label.setText(self.cache.state_text())
        self.cache_state_label.setVisible(has_documents)
        saved = self.cache.saved_text()
        self.cache_saved_label.setText(saved)
        self.cache_saved_label.setVisible(bool(saved))

    def _update_visible(self) -> None:
        self.setVisible(bool(self.documents.items) or not self.message_label.isHidden())
