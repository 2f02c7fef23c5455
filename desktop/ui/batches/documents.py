"""A new batch's shared documents: picked or dropped, listed (size, pages, tokens), removable.

The list is a `ContextDocuments` without a store, so documents are read and checked exactly as
a conversation's are (worker thread, same limits and messages) and counted with the count
endpoint; the rows are the context panel's `DocumentRow`s.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.documents.model import ContextDocuments
from desktop.ui.documents.rows import DOCUMENT_FILTER, DocumentRow, sync_rows

HINT = "PDFs and text files (markdown, code, CSV) sent first in every request, and cached."


class BatchDocuments(QFrame):
    """Lists `documents`; "Add documents…" picks files (drops are handled by the form)."""

    def __init__(self, documents: ContextDocuments, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("batch_documents")
        self.setAccessibleName("Shared documents of the batch")
        self.documents = documents
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self._rows_box = QVBoxLayout()
        self._rows_box.setSpacing(2)
        column.addLayout(self._rows_box)
        line = QHBoxLayout()
        self.add_button = QPushButton("Add documents…", self)
        self.add_button.setObjectName("batch_add_documents_button")
        self.add_button.setAccessibleName("Add shared documents to the batch")
        self.total_label = QLabel(HINT, self)
        self.total_label.setObjectName("batch_documents_total")
        self.total_label.setWordWrap(True)
        line.addWidget(self.add_button)
        line.addWidget(self.total_label, 1)
        column.addLayout(line)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("batch_documents_message")
        self.message_label.setWordWrap(True)
        self.message_label.setProperty("tone", "error")  # coloured by the theme's stylesheet
        self.message_label.setVisible(False)
        column.addWidget(self.message_label)
        self._rows: list[DocumentRow] = []
        self.add_button.clicked.connect(self._on_add_button_clicked)
        documents.changed.connect(self._on_documents_changed)
        documents.failed.connect(self._on_documents_failed)

    def rows(self) -> list[DocumentRow]:
        return list(self._rows)

    def add_files(self, paths: list[str]) -> None:
        self.message_label.setVisible(False)
        for path in paths:
            self.documents.add_file(path)

    def clear(self) -> None:
        for item in self.documents.items:
            self.documents.remove(item.id)
        self.message_label.setVisible(False)

    def _on_add_button_clicked(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self, "Add shared documents", "", DOCUMENT_FILTER
        )
        if paths:
            self.add_files(paths)

    def _on_documents_failed(self, message: str) -> None:
        shown = self.message_label.text() if not self.message_label.isHidden() else ""
        self.message_label.setText(f"{shown}\n{message}" if shown else message)
        self.message_label.setVisible(True)

    def _on_documents_changed(self) -> None:
        self._rows = sync_rows(self._rows, self._rows_box, self.documents, self)
        ready = self.documents.documents()
        if not ready:
            self.total_label.setText(HINT)
            return
        mark = "" if all(d.tokens_exact for d in ready) else "≈"
        tokens = sum(d.tokens for d in ready)
        self.total_label.setText(
            f"{len(ready)} shared · {mark}{tokens:,} tokens in every request, cached for 1 hour"
        )
