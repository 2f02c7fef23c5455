"""The context panel: the conversation's documents (order, size, pages, tokens) and its cache."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.cache_status import CacheStatus
from desktop.ui.documents import ContextDocuments, DocumentItem
from desktop.ui.image_input import local_files, set_drop_highlight

if TYPE_CHECKING:
    from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent

EMPTY_HINT = "Drop PDFs or text files here, or use “Add document…”."


class DocumentRow(QFrame):
    """One document: name, details, up / down / remove."""

    move_requested = Signal(int, int)  # item id, -1 (up) or 1 (down)
    remove_requested = Signal(int)

    def __init__(self, item: DocumentItem, first: bool, last: bool, parent: QWidget) -> None:
        from PySide6.QtCore import Qt  # on use: the first paint never needs it (enum_props)

        super().__init__(parent)
        self.item = item
        self.setObjectName("document_row")
        self.setAccessibleName(f"Document {item.name}")
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 4, 0, 4)
        row.setSpacing(2)
        column = QVBoxLayout()
        column.setSpacing(0)
        self.name_label = QLabel(item.name, self)
        self.name_label.setObjectName("document_name")
        self.name_label.setToolTip(item.name)
        self.detail_label = QLabel(self)
        self.detail_label.setObjectName("document_detail")
        self.detail_label.setWordWrap(True)
        self.detail_label.setText(_detail(item))
        column.addWidget(self.name_label)
        column.addWidget(self.detail_label)
        row.addLayout(column, 1)
        self.up_button = self._button("↑", "move_document_up", f"Move {item.name} up", not first)
        self.down_button = self._button(
            "↓", "move_document_down", f"Move {item.name} down", not last
        )
        self.remove_button = self._button("×", "remove_document_button", f"Remove {item.name}")
        self.up_button.clicked.connect(lambda: self.move_requested.emit(item.id, -1))
        self.down_button.clicked.connect(lambda: self.move_requested.emit(item.id, 1))
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(item.id))
        for button in (self.up_button, self.down_button, self.remove_button):
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)

    def update_item(self, first: bool, last: bool) -> None:
        """Show the item's details and place again, changing only what changed."""
        detail = _detail(self.item)
        if self.detail_label.text() != detail:
            self.detail_label.setText(detail)
        if self.up_button.isEnabled() == first:
            self.up_button.setEnabled(not first)
        if self.down_button.isEnabled() == last:
            self.down_button.setEnabled(not last)

    def _button(self, text: str, name: str, tip: str, enabled: bool = True) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setAutoRaise(True)
        button.setEnabled(enabled)
        return button


def _detail(item: DocumentItem) -> str:
    return item.document.detail() if item.document is not None else "reading…"


def sync_rows(
    old: list[DocumentRow], box: QVBoxLayout, documents: ContextDocuments, parent: QWidget
) -> list[DocumentRow]:
    """Rows for `documents` in `box`, keeping `old` rows whose document is still there.

    Only what changed is touched: a new document gets a new row, a removed one's row goes, a
    moved row moves, and a kept row updates its details and buttons in place.
    """
    items = documents.items
    kept = {item.id for item in items}
    by_id: dict[int, DocumentRow] = {}
    for row in old:
        if row.item.id in kept:
            by_id[row.item.id] = row
            continue
        box.removeWidget(row)
        row.hide()
        row.deleteLater()
    rows = []
    for index, item in enumerate(items):
        first, last = index == 0, index == len(items) - 1
        found = by_id.get(item.id)
        if found is None:
            found = DocumentRow(item, first, last, parent)
            found.move_requested.connect(documents.move)
            found.remove_requested.connect(documents.remove)
        else:
            found.update_item(first, last)
        if box.indexOf(found) != index:
            box.removeWidget(found)
            box.insertWidget(index, found)
        rows.append(found)
    return rows


class ContextPanel(QFrame):
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
        self.setMinimumWidth(290)
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

    # -- drops ----------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            set_drop_highlight(self, True)
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        set_drop_highlight(self, False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        set_drop_highlight(self, False)
        files = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)
