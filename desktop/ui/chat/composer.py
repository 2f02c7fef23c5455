"""The message input: Enter sends, Shift+Enter adds a line (or, by preference, Ctrl+Enter sends
and Enter adds a line); dropped or pasted images attach."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QPlainTextEdit

from desktop.core.documents import PASTE_OFFER_CHARS
from desktop.core.preferences import SendKey
from desktop.ui.attachments.image_input import (
    carries_images,
    image_urls,
    pasted_image,
)
from desktop.ui.common.drops import local_files, set_drop_highlight

if TYPE_CHECKING:
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent, QKeyEvent
    from PySide6.QtWidgets import QWidget

MIN_LINES = 2
MAX_LINES = 12
MIN_WIDTH = 140  # px


class Composer(QPlainTextEdit):
    """Grows with its text up to MAX_LINES; emits `submitted` with the text on Enter."""

    submitted = Signal(str)
    files_received = Signal(object)  # local paths dropped or pasted (object: a list signal
    # would pass them as QStrings, losing the surrogate escapes of names that are not UTF-8)
    image_received = Signal(object)  # a QImage pasted (screenshot tools put raw data there)
    long_text_pasted = Signal(str)  # a paste long enough to be offered as a document
    urls_received = Signal(list)  # web addresses of images (a copied image address)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.setAccessibleName("Message to Claude")
        self.setTabChangesFocus(True)
        self.document().contentsChanged.connect(self.updateGeometry)
        self._send_enabled = True
        self.has_attachments = False  # set by the window: images alone may be sent
        self.set_send_key(SendKey.ENTER)

    def set_send_key(self, send_key: SendKey) -> None:
        """Which Enter sends (the preference); the placeholder says how to send."""
        self.send_key = send_key
        self.setPlaceholderText(f"Message Claude…  ({send_key.hint})")

    def set_send_enabled(self, enabled: bool) -> None:
        """While an answer streams, Enter does not send (typing is still allowed)."""
        self._send_enabled = enabled

    def keyPressEvent(self, event: QKeyEvent) -> None:
        from PySide6.QtCore import Qt  # on use: the first paint never needs it (enum_props)

        is_enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        mods = event.modifiers()
        plain = not mods & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier)
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if is_enter and plain and (ctrl or self.send_key is SendKey.ENTER):
            self.submit()
            return  # with the Ctrl+Enter preference, Enter alone adds a line (below)
        super().keyPressEvent(event)

    def submit(self) -> None:
        text = self.toPlainText()
        if not self._send_enabled or not (text.strip() or self.has_attachments):
            return
        self.submitted.emit(text)

    def sizeHint(self) -> QSize:
        line = self.fontMetrics().lineSpacing()
        lines = max(MIN_LINES, min(MAX_LINES, self.document().lineCount()))
        margins = self.contentsMargins()
        frame = int(self.document().documentMargin() * 2) + margins.top() + margins.bottom()
        return QSize(super().sizeHint().width(), lines * line + frame + 4)

    def minimumSizeHint(self) -> QSize:
        """As tall as its text, but narrow: side panels take width from the composer, not
        from the screen."""
        return QSize(MIN_WIDTH, self.sizeHint().height())

    # -- images in ----------------------------------------------------------------------------

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return carries_images(source) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = local_files(source)
        image = None if files else pasted_image(source)
        urls = [] if files or image is not None else image_urls(source)
        if files:
            self.files_received.emit(files)
        elif image is not None:
            self.image_received.emit(image)
        elif urls:
            self.urls_received.emit(urls)
        else:
            super().insertFromMimeData(source)
            text = source.text() if source.hasText() else ""
            if len(text) > PASTE_OFFER_CHARS:
                self.long_text_pasted.emit(text)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        set_drop_highlight(self, carries_images(event.mimeData()))
        super().dragEnterEvent(event)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        set_drop_highlight(self, False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        set_drop_highlight(self, False)
        super().dropEvent(event)
