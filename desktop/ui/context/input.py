"""How documents reach the context: dropped or picked files, and long pastes as documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from desktop.ui.context.cache_status import CacheStatus
from desktop.ui.documents.rows import DOCUMENT_FILTER

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.ui.chat.composer_row import ComposerRow
    from desktop.ui.chat.controller import ChatController
    from desktop.ui.context.panel import ContextPanel

PASTED_TEXT_NAME = "Pasted text"


class PasteOffer(QFrame):
    """'Add the pasted text as a document instead?' under a long paste."""

    accepted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paste_offer")
        self.setAccessibleName("Offer to add the pasted text as a document")
        self.text = ""
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 6)
        self.label = QLabel(self)
        self.label.setObjectName("paste_offer_label")
        self.add_button = QPushButton("Add as document", self)
        self.add_button.setObjectName("add_as_document_button")
        self.keep_button = QPushButton("Keep in message", self)
        self.keep_button.setObjectName("keep_in_message_button")
        row.addWidget(self.label, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.keep_button)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.keep_button.clicked.connect(self.dismiss)
        self.setVisible(False)

    def offer(self, text: str) -> None:
        self.text = text
        self.label.setText(
            f"You pasted {len(text):,} characters. Keep them as a document in this "
            "conversation's context (sent first and cached) instead?"
        )
        self.setVisible(True)

    def dismiss(self) -> None:
        self.text = ""
        self.setVisible(False)

    def _on_add_clicked(self) -> None:
        text = self.text
        self.dismiss()
        if text:
            self.accepted.emit(text)


class DocumentInput(QObject):
    """Wires the context panel, the paste offer and the document pickers to a composer row."""

    def __init__(
        self,
        window: QWidget,
        controller: ChatController,
        row: ComposerRow,
        add_panel: Callable[[ContextPanel], None] | None = None,
    ) -> None:
        """`window` parents the panel and the pickers; `add_panel` puts the context panel in
        the window when it is first needed."""
        super().__init__(window)
        self._window = window
        self._controller = controller
        self._row = row
        self._composer = row.composer
        self._add_panel = add_panel
        self._panel: ContextPanel | None = None
        self.offer = PasteOffer(row)
        row.add_above(self.offer)
        documents = controller.documents
        if documents is None:
            return
        self.cache = CacheStatus(controller, self)
        row.add_document_button.clicked.connect(self.pick)
        row.documents_received.connect(self.add_files)
        self._composer.long_text_pasted.connect(self.offer.offer)
        self.offer.accepted.connect(self._on_offer_accepted)
        documents.failed.connect(self._on_documents_failed)
        documents.changed.connect(self._on_documents_changed)
        controller.conversation_opened.connect(lambda *_: self._on_conversation_opened())

    @property
    def panel(self) -> ContextPanel | None:
        """The context panel (None without documents support), built right after the first
        paint (see MainWindow) or when needed sooner: the first paint goes without it."""
        documents = self._controller.documents
        if self._panel is None and documents is not None:
            from desktop.ui.context.panel import ContextPanel  # after the first paint

            panel = ContextPanel(documents, self.cache, self._window)
            panel.files_dropped.connect(self.add_files)
            panel.add_requested.connect(self.pick)
            if self._add_panel is not None:
                self._add_panel(panel)
            self._panel = panel
        return self._panel

    def _on_documents_changed(self) -> None:
        documents = self._controller.documents
        if self._panel is None and documents is not None and documents.items:
            _ = self.panel  # shows itself, as it does whenever documents are listed
        self._row.draft_changed()

    def add_files(self, paths: list[str]) -> None:
        documents = self._controller.documents
        if documents is None:
            return
        if self._panel is not None:
            self._panel.show_message("")
        for path in paths:
            documents.add_file(path)

    def pick(self) -> None:
        from PySide6.QtWidgets import QFileDialog  # loads on first use (startup)

        paths, _filter = QFileDialog.getOpenFileNames(
            self._window, "Add documents", "", DOCUMENT_FILTER
        )
        if paths:
            self.add_files(paths)

    def _on_offer_accepted(self, text: str) -> None:
        documents = self._controller.documents
        if documents is None:
            return
        composer = self._composer
        current = composer.toPlainText()
        if text in current:  # take the paste out of the message: it now lives in the context
            cursor = composer.textCursor()
            start = _utf16_length(current[: current.rindex(text)])
            cursor.setPosition(start)
            cursor.setPosition(start + _utf16_length(text), cursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
        names = {item.name for item in documents.items}
        name, number = f"{PASTED_TEXT_NAME}.txt", 1
        while name in names:
            number += 1
            name = f"{PASTED_TEXT_NAME} {number}.txt"
        if self._panel is not None:
            self._panel.show_message("")
        documents.add_text(name, text)

    def _on_documents_failed(self, message: str) -> None:
        self._row.status_message.emit(message)
        if self._panel is None and (panel := self.panel) is not None:
            panel.add_problem(message)  # built just now: it missed this signal

    def _on_conversation_opened(self) -> None:
        self.offer.dismiss()
        if self._panel is not None:
            self._panel.show_message("")


def _utf16_length(text: str) -> int:
    """Qt counts text positions in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2
