"""One row per document (name, size, tokens, remove), shared by the context panel and the
Batches form, and the document file filter of their pickers."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from desktop.ui.documents.model import ContextDocuments, DocumentItem

DOCUMENT_FILTER = (
    "Documents (*.pdf *.txt *.md *.markdown *.csv *.tsv *.json *.xml *.html *.py *.js *.ts "
    "*.c *.h *.cpp *.java *.go *.rs *.rb *.sh *.yaml *.yml *.toml *.ini *.log *.sql);;"
    "All files (*)"
)


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
