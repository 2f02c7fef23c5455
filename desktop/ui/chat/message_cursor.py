"""The conversation is one stop for Tab: arrow keys move between its messages.

The chat view takes keyboard focus as a whole; a "current" message is marked (the
`current` property, drawn by the stylesheet) and kept in view. Up/Down (and Home/End) move
it, Ctrl+C copies it as markdown, and the menu key (or Shift+F10) lists its actions (the
buttons it shows: Copy, Retry, Continue, …) so every action is reachable without a mouse.
The messages' own parts leave the Tab chain (they still take focus on a click, e.g. to
select text), so Tab goes from the conversation straight to the composer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QMenu, QWidget

from desktop.ui.common.enum_props import set_enum_property
from desktop.ui.common.restyle import repolish

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QScrollArea

    from desktop.ui.chat.message_widget import MessageWidget


def leave_tab_chain(widget: QWidget) -> None:
    """`widget`'s parts take focus on a click only (not by Tab)."""
    from PySide6.QtCore import Qt

    for child in widget.findChildren(QWidget):
        if child.focusPolicy() & Qt.FocusPolicy.TabFocus:
            child.setFocusPolicy(Qt.FocusPolicy.ClickFocus)


class MessageCursor(QObject):
    def __init__(self, view: QScrollArea, messages: Callable[[], list[MessageWidget]]) -> None:
        """`messages()`: the messages `view` shows, top to bottom."""
        super().__init__(view)
        self._view = view
        self._messages = messages
        self.current: MessageWidget | None = None
        self.menu: QMenu | None = None  # the last actions menu shown
        set_enum_property(view, "focusPolicy", "StrongFocus")
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self._on_key(event)
        if kind == QEvent.Type.FocusIn:
            self._mark(self._shown_current() or self._last())
        elif kind == QEvent.Type.FocusOut:
            self._highlight(self._shown_current(), False)
        return False

    def _on_key(self, event: QKeyEvent) -> bool:
        from PySide6.QtCore import Qt

        key = Qt.Key(event.key())
        if event.matches(QKeySequence.StandardKey.Copy):
            if (current := self._shown_current()) is not None:
                current.copy_button.click()
            return True
        if key == Qt.Key.Key_Menu or (
            key == Qt.Key.Key_F10 and event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.show_actions()
            return True
        moves = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}
        widgets = self._messages()
        if key in moves and widgets:
            current = self._shown_current()
            index = widgets.index(current) if current is not None else len(widgets)
            self._mark(widgets[max(0, min(len(widgets) - 1, index + moves[key]))])
            return True
        if key in (Qt.Key.Key_Home, Qt.Key.Key_End) and widgets:
            self._mark(widgets[0] if key == Qt.Key.Key_Home else widgets[-1])
            return True
        return False

    def show_actions(self) -> None:
        """A menu of the current message's buttons, under it."""
        current = self._shown_current()
        if current is None:
            return
        _ = current.tree_actions  # Edit or Regenerate and Branch (built on first use)
        buttons = [
            b
            for b in current.findChildren(QAbstractButton)
            if b.isVisibleTo(current) and b.isEnabled() and b.text()
        ]
        if not buttons:
            return
        from PySide6.QtCore import Qt

        menu = QMenu(self._view)
        menu.setObjectName("message_actions_menu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for button in buttons:
            menu.addAction(button.text().replace("&", "&&"), button.click)
        menu.popup(current.mapToGlobal(current.rect().bottomLeft()))
        self.menu = menu

    def _shown_current(self) -> MessageWidget | None:
        """The current message if it is still shown (answers can be replaced or removed)."""
        current = self.current
        return current if current is not None and current in self._messages() else None

    def _last(self) -> MessageWidget | None:
        widgets = self._messages()
        return widgets[-1] if widgets else None

    def _mark(self, widget: MessageWidget | None) -> None:
        if widget is not self.current:
            self._highlight(self._shown_current(), False)
            self.current = widget
        if widget is not None:
            self._highlight(widget, True)
            self._view.ensureWidgetVisible(widget, 0, 24)

    def _highlight(self, widget: MessageWidget | None, on: bool) -> None:
        if widget is None or bool(widget.property("current")) == on:
            return
        widget.setProperty("current", on)
        widget.setAccessibleDescription("Current message" if on else "")
        repolish(widget)
