"""Opening a search result at its match: the conversation scrolls to the message that matched
(reading earlier pages until it is shown) and the matched words are highlighted in it.

The highlight is an extra selection on the message's text (its document is left as it is), so
it goes without a trace: when the conversation changes or the next search starts (`clear`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextEdit

from desktop.ui.common.theme_state import colour

if TYPE_CHECKING:
    from desktop.core.conversation import Conversation, Message
    from desktop.ui.chat.controller import ChatController
    from desktop.ui.chat.message_widget import MessageWidget
    from desktop.ui.chat.view import ChatView

MAX_HIGHLIGHTS = 500  # a word on every line of a very long message: enough to see, no more
VIEW_FRACTION = 3  # the first match lands a third of the way down the view


class SearchJump(QObject):
    """Takes the chat view to a message and highlights words in it (see the module docstring)."""

    def __init__(self, view: ChatView, controller: ChatController) -> None:
        super().__init__(view)
        self._view = view
        self._controller = controller
        self._target: tuple[int, tuple[str, ...]] | None = None  # message id, words
        self._marked: tuple[int, MessageWidget] | None = None
        view.filled.connect(self._on_view_filled)
        controller.conversation_opened.connect(self._on_controller_conversation_opened)

    @property
    def marked_id(self) -> int | None:
        """The message whose words are highlighted now (None: none)."""
        return None if self._marked is None else self._marked[0]

    def go(self, message_id: int, terms: tuple[str, ...]) -> None:
        """Show `message_id` of the open conversation with `terms` highlighted, once it is in
        the view (earlier pages are read until it is)."""
        self.clear()
        self._target = (message_id, terms)
        self._step()

    def clear(self) -> None:
        """No highlight and no pending jump."""
        self._target = None
        marked, self._marked = self._marked, None
        if marked is not None and self._view.message_widget(marked[0]) is marked[1]:
            marked[1].body.setExtraSelections([])

    def _on_controller_conversation_opened(
        self, _conversation: Conversation | None, _messages: list[Message], _more: bool
    ) -> None:
        self.clear()

    def _on_view_filled(self) -> None:
        if self._target is not None:  # after the layout of what came in
            QTimer.singleShot(0, self._step)

    def _step(self) -> None:
        if self._target is None or self._view.filling:
            return  # nothing to do, or `filled` comes when the page is in
        message_id, terms = self._target
        widget = self._view.message_widget(message_id)
        if widget is not None:
            self._target = None
            self._show(message_id, widget, terms)
        elif not self._view.earlier_button.isHidden():
            self._controller.load_earlier()  # `filled` again when that page is in
        else:
            self._target = None  # not on the path the conversation shows (another branch)

    def _show(self, message_id: int, widget: MessageWidget, terms: tuple[str, ...]) -> None:
        selections = _selections(widget.body.document(), terms)
        widget.body.setExtraSelections(selections)
        self._marked = (message_id, widget)
        if not selections:
            self._view.ensureWidgetVisible(widget)
            return
        first = min(selections, key=lambda s: s.cursor.position())
        rect = widget.body.cursorRect(first.cursor)
        content = self._view.widget()  # the scrolled column the messages sit in
        assert content is not None
        top = widget.body.viewport().mapTo(content, rect.topLeft()).y()
        bar = self._view.verticalScrollBar()
        bar.setValue(max(0, top - self._view.viewport().height() // VIEW_FRACTION))


def _selections(document: QTextDocument, terms: tuple[str, ...]) -> list[QTextEdit.ExtraSelection]:
    """Every whole-word occurrence of `terms` in `document` (any case), as highlights."""
    look = QTextCharFormat()
    look.setBackground(colour("find_match"))
    look.setForeground(colour("on_find_match"))
    whole_words = QTextDocument.FindFlag.FindWholeWords
    found: list[QTextEdit.ExtraSelection] = []
    for term in terms:
        cursor = document.find(term, 0, whole_words)
        while not cursor.isNull() and len(found) < MAX_HIGHLIGHTS:
            selection = QTextEdit.ExtraSelection()
            selection.cursor = QTextCursor(cursor)
            selection.format = look
            found.append(selection)
            cursor = document.find(term, cursor, whole_words)
    return found
