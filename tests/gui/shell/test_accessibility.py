"""Every control a person can reach has a name a screen reader can say."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from tests.fake_api.script import TextReply
from tests.gui.conftest import Desk

INTERACTIVE = (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
)


def spoken_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


def _part_of_a_qt_control(widget: QWidget) -> bool:
    """Qt's own parts (a combo box's popup list, a line edit's clear button, a table's headers,
    a scroll area's scroll bars) are named by the control they belong to."""
    if isinstance(widget, QHeaderView) or widget.objectName().startswith("qt_"):
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QLineEdit) or parent.objectName().startswith("qt_"):
            return True
        parent = parent.parentWidget()
    return False


def unnamed(root: QWidget) -> list[str]:
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, INTERACTIVE) or _part_of_a_qt_control(widget):
            continue
        if not spoken_name(widget):
            found.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return found


def test_every_control_of_the_main_window_has_a_name(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(TextReply("An answer with `code`:\n\n```python\nprint(1)\n```\n"))
    window = desk.window
    window.composer.setFocus()
    qtbot.keyClicks(window.composer, "Hello")
    qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    desk.until(lambda: desk.idle() and desk.last_answer() is not None, timeout=30)
    _ = window.settings_panel, window.documents_input.panel  # built after the first paint
    assert unnamed(window) == []


def test_every_control_of_the_secondary_windows_has_a_name(desk: Desk, qtbot, batches) -> None:
    window = desk.window
    window.show_spend()
    view = batches.feature.show_view()
    desk.until(view.isVisible)
    assert unnamed(window.spend_view) == []
    assert unnamed(view) == []
    view.close()
    window.spend_view.close()
