"""The main window's keyboard: focus order, the shortcuts with no button of their own, and
Help › Keyboard shortcuts (the list below, each entry checked by a test against the window)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from desktop.ui.common.enum_props import set_shortcut

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from desktop.ui.chat.composer_row import ComposerRow
    from desktop.ui.chat.header import ChatHeader
    from desktop.ui.chat.view import ChatView
    from desktop.ui.shell.sidebar import Sidebar

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Ctrl+N", "New conversation"),
    ("Ctrl+K", "Search conversations"),
    ("Ctrl+L", "Type a message (focus the composer)"),
    ("Enter", "Send (Shift+Enter: new line)"),
    ("Esc", "Stop the answer; close the Batches or Spend window"),
    ("Ctrl+Shift+C", "Copy the last answer"),
    ("Ctrl+R", "Regenerate the last answer (Chat menu)"),
    ("Up / Down", "Move between messages (in the conversation)"),
    ("Ctrl+C", "Copy the current message (in the conversation)"),
    ("Menu / Shift+F10", "The current message's actions (in the conversation)"),
    ("F2", "Rename the conversation (in the list)"),
    ("Del", "Delete the conversation (in the list)"),
    ("Ctrl+,", "Conversation settings"),
    ("Ctrl+Shift+S", "Spend"),
    ("Ctrl+B", "Batches"),
    ("Ctrl+Shift+B", "Send the composer's text to the batch queue"),
    ("Ctrl+W", "Close the Batches or Spend window"),
    ("Ctrl+Q", "Quit"),
    ("Ctrl++ / Ctrl+=", "Zoom in"),
    ("Ctrl+-", "Zoom out"),
    ("Ctrl+0", "Actual size"),
    ("Ctrl+/", "This list"),
)


def set_up_keyboard(
    window: QMainWindow, sidebar: Sidebar, chat: ChatView, row: ComposerRow, header: ChatHeader
) -> None:
    """Tab order sidebar → conversation → composer, and the window-wide shortcuts (after the
    first paint: key sequences are not needed before it)."""
    chain: list[QWidget] = [
        sidebar.search_box,
        sidebar.view,
        chat,
        row.composer,
        row.send_button,
        row.attach_button,
        row.add_document_button,
        header.model_picker,
        header.settings_button,
        sidebar.new_button,
    ]
    for first, second in itertools.pairwise(chain):
        QWidget.setTabOrder(first, second)
    _shortcut(window, "Ctrl+K", lambda: _focus_search(sidebar))
    _shortcut(window, "Ctrl+L", row.focus_composer)
    _shortcut(window, "Ctrl+Shift+C", lambda: copy_last_answer(window, chat))
    if (zoom := getattr(window, "zoom", None)) is not None:  # Ctrl++ without Shift
        _shortcut(window, "Ctrl+=", zoom.zoom_in)


def help_action(window: QWidget) -> QAction:
    """Help › Keyboard shortcuts (Ctrl+/)."""
    action = QAction("&Keyboard shortcuts", window)
    action.setObjectName("keyboard_shortcuts_action")
    set_shortcut(action, "Ctrl+/")
    action.triggered.connect(lambda: show_shortcuts(window))
    return action


def show_shortcuts(parent: QWidget) -> None:
    from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

    dialog = QDialog(parent)
    dialog.setObjectName("shortcuts_dialog")
    dialog.setWindowTitle("Keyboard shortcuts — Claude Desk")
    rows = "".join(
        f"<tr><td style='padding:2px 16px 2px 0'><b>{keys}</b></td><td>{what}</td></tr>"
        for keys, what in SHORTCUTS
    )
    label = QLabel(f"<table>{rows}</table>", dialog)
    label.setObjectName("shortcuts_table")
    label.setAccessibleName("Keyboard shortcuts")
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(label)
    layout.addWidget(buttons)
    dialog.open()


def copy_last_answer(window: QMainWindow, chat: ChatView) -> None:
    answers = [w for w in chat.message_widgets() if w.objectName() == "assistant_message"]
    if answers:
        answers[-1].copy_button.click()
        window.statusBar().showMessage("Copied the last answer.", 3000)


def _focus_search(sidebar: Sidebar) -> None:
    box = sidebar.search_box
    box.setFocus()
    box.selectAll()


def _shortcut(window: QWidget, keys: str, slot: object) -> None:
    shortcut = QShortcut(QKeySequence(keys), window)
    shortcut.setObjectName(f"shortcut {keys}")
    shortcut.activated.connect(slot)
