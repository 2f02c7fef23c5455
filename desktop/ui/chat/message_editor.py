"""Editing a sent message in place: a text box with Save & send and Cancel.

It takes the place of the message's body until it is cancelled (Cancel or Esc). Saving asks
for the edit (`saved`); the editor stays open with its text until the message is replaced,
so an edit that could not be sent (an answer still streaming) loses nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtGui import QKeyEvent

    from desktop.core.conversation import Message

MIN_LINES, MAX_LINES = 3, 14


class EditBox(QPlainTextEdit):
    """The text: Esc cancels, Ctrl+Enter saves."""

    cancel_pressed = Signal()
    save_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        if key == Qt.Key.Key_Escape:
            self.cancel_pressed.emit()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            mods & Qt.KeyboardModifier.ControlModifier
        ):
            self.save_pressed.emit()
        else:
            super().keyPressEvent(event)


class MessageEditor(QFrame):
    """Shown instead of `body` (see `replace`); `saved(text)` asks to send the edit."""

    saved = Signal(str)
    closed = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message_editor")
        self._body: QWidget | None = None
        self.text_box = EditBox(self)
        self.text_box.setObjectName("message_edit_box")
        self.text_box.setAccessibleName("Edit message")
        self.text_box.setPlainText(text)
        lines = max(MIN_LINES, min(MAX_LINES, text.count("\n") + 2))
        self.text_box.setFixedHeight(self.text_box.fontMetrics().lineSpacing() * lines + 14)
        self.save_button = QPushButton("Save && send", self)
        self.save_button.setObjectName("save_edit_button")
        self.save_button.setToolTip("Send the edited message (Ctrl+Enter); the old one is kept")
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancel_edit_button")
        self.cancel_button.setToolTip("Keep the message as it was (Esc)")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.text_box)
        column.addLayout(buttons)
        self.save_button.clicked.connect(self._on_save)
        self.text_box.save_pressed.connect(self._on_save)
        self.cancel_button.clicked.connect(self.close_editor)
        self.text_box.cancel_pressed.connect(self.close_editor)

    def replace(self, body: QWidget) -> None:
        """Take the place of `body` in its parent's layout (it comes back when closed)."""
        holder = body.parentWidget()
        layout = holder.layout() if holder is not None else None
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(body) + 1, self)
        self._body = body
        body.setVisible(False)
        self.show()
        self.text_box.setFocus()
        cursor = self.text_box.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.text_box.setTextCursor(cursor)

    def close_editor(self) -> None:
        """Cancel: the message shows as it was."""
        if self._body is not None:
            self._body.setVisible(True)
        self.hide()
        self.deleteLater()
        self.closed.emit()

    def _on_save(self) -> None:
        self.saved.emit(self.text_box.toPlainText())


def edit_in_place(
    message: Message, body: QWidget, on_saved: Callable[[int, str], None]
) -> MessageEditor | None:
    """Open an editor of `message` in place of its `body` (None if one is open already);
    `on_saved(message id, text)` is called on Save & send."""
    holder = body.parentWidget()
    already = holder is not None and any(
        not editor.isHidden() for editor in holder.findChildren(MessageEditor)
    )
    message_id = message.id
    if already or message_id is None:
        return None
    editor = MessageEditor(message.text, holder)
    editor.saved.connect(lambda text: on_saved(message_id, text))
    editor.replace(body)
    return editor
