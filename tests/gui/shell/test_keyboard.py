"""The keyboard alone: Tab order, the conversation as one stop with arrow keys, shortcuts,
Help › Keyboard shortcuts, closing secondary windows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QWidget

from desktop.ui.shell.keyboard import SHORTCUTS
from tests.fake_api.script import TextReply
from tests.gui.conftest import Desk


def _chat(desk: Desk, qtbot, *answers: str) -> None:
    for answer in answers:
        desk.window.composer.setFocus()
        qtbot.keyClicks(desk.window.composer, f"Question for {answer}")
        qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)
        desk.until(lambda: desk.idle() and desk.last_answer() is not None, timeout=30)
    desk.until(lambda: len(desk.window.chat_view.message_widgets()) == 2 * len(answers))


def _keyboard_ready(desk: Desk, qtbot) -> None:
    """The shortcuts are set up after the first paint."""
    window = desk.window
    qtbot.waitUntil(lambda: window.findChild(QShortcut, "shortcut Ctrl+K") is not None)


def test_tab_goes_sidebar_then_conversation_then_composer(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(TextReply("First answer with `code`."), TextReply("Second answer."))
    _chat(desk, qtbot, "one", "two")
    _keyboard_ready(desk, qtbot)
    window = desk.window
    window.sidebar.view.setFocus()
    qtbot.waitUntil(lambda: window.sidebar.view.hasFocus())
    qtbot.keyClick(window.sidebar.view, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: window.chat_view.hasFocus())
    bar = window.chat_view.verticalScrollBar()
    assert bar.value() == bar.maximum()  # entering the conversation does not scroll it away
    qtbot.keyClick(window.chat_view, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: window.composer.hasFocus())


def test_arrow_keys_move_between_messages_and_ctrl_c_copies(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(TextReply("First answer."), TextReply("Second answer."))
    _chat(desk, qtbot, "one", "two")
    view = desk.window.chat_view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    cursor = view.message_cursor
    widgets = view.message_widgets()
    assert cursor.current is widgets[-1]  # focus starts on the newest message
    assert widgets[-1].property("current") is True
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert cursor.current is widgets[1]
    assert widgets[1].property("current") is True and widgets[-1].property("current") is False
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "First answer."
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert cursor.current is widgets[0]
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "Question for one"


def test_menu_key_lists_the_current_messages_actions(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(TextReply("An answer to act on."))
    _chat(desk, qtbot, "one")
    view = desk.window.chat_view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    qtbot.keyClick(view, Qt.Key.Key_Menu)
    menu = view.message_cursor.menu
    assert isinstance(menu, QMenu)
    qtbot.waitUntil(menu.isVisible)
    texts = [a.text() for a in menu.actions()]
    assert "Copy" in texts
    next(a for a in menu.actions() if a.text() == "Copy").trigger()
    assert QGuiApplication.clipboard().text() == "An answer to act on."
    menu.close()


def test_window_shortcuts(desk: Desk, qtbot, fake_api) -> None:
    fake_api.enqueue(TextReply("Copy me whole."))
    _chat(desk, qtbot, "one")
    _keyboard_ready(desk, qtbot)
    window = desk.window
    window.chat_view.setFocus()
    qtbot.keyClick(window.chat_view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.sidebar.search_box.hasFocus)
    qtbot.keyClick(window.sidebar.search_box, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.composer.hasFocus)
    QGuiApplication.clipboard().clear()
    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.composer, Qt.Key.Key_C, modifiers)
    assert QGuiApplication.clipboard().text() == "Copy me whole."


def _bound(window: QWidget, keys: str) -> bool:
    sequence = QKeySequence(keys)
    actions = [a for a in window.findChildren(QAction) if sequence in a.shortcuts()]
    shortcuts = [s for s in window.findChildren(QShortcut) if s.key() == sequence]
    buttons = [w for w in window.findChildren(QWidget) if w.property("shortcut") == sequence]
    return bool(actions or shortcuts or buttons)


def test_every_listed_shortcut_is_bound(desk: Desk, qtbot, batches) -> None:
    _keyboard_ready(desk, qtbot)
    window = desk.window
    window.show_spend()  # Esc / Ctrl+W live on the secondary windows
    view = batches.feature.show_view()
    desk.until(view.isVisible)
    windows = [window, window.spend_view, view]
    keyboard_only = ("in the conversation", "in the list", "Send (")
    for keys, what in SHORTCUTS:
        if any(part in what for part in keyboard_only):
            continue  # keys handled by a widget itself (checked by the tests above)
        for key in keys.split(" / "):
            assert any(_bound(w, key) for w in windows if w is not None), (keys, what)
    view.close()
    window.spend_view.close()


def test_help_lists_the_shortcuts(desk: Desk, qtbot) -> None:
    window = desk.window
    action = window.findChild(QAction, "keyboard_shortcuts_action")
    assert action is not None
    action.trigger()
    dialog = window.findChild(QWidget, "shortcuts_dialog")
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    table = dialog.findChild(QLabel, "shortcuts_table")
    assert "Ctrl+K" in table.text() and "Search conversations" in table.text()
    dialog.close()


def test_esc_and_ctrl_w_close_the_batches_and_spend_windows(desk: Desk, qtbot, batches) -> None:
    view = batches.feature.show_view()
    desk.until(view.isVisible)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    desk.until(lambda: not view.isVisible())
    view = batches.feature.show_view()
    desk.until(view.isVisible)
    qtbot.keyClick(view, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    desk.until(lambda: not view.isVisible())
    desk.window.show_spend()
    spend = desk.window.spend_view
    desk.until(spend.isVisible)
    qtbot.keyClick(spend, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    desk.until(lambda: not spend.isVisible())


def test_zoom_makes_text_larger_and_back(desk: Desk, qtbot, fake_api) -> None:
    from desktop.ui.shell.theme import theme_controller

    fake_api.enqueue(TextReply("Some answer text."))
    _chat(desk, qtbot, "one")
    _keyboard_ready(desk, qtbot)
    window = desk.window
    body = desk.last_answer().body
    before = body.fontMetrics().height()
    window.composer.setFocus()
    qtbot.keyClick(window.composer, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.composer, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: body.fontMetrics().height() > before)
    assert window.zoom.scale == 1.25
    themes = theme_controller()
    if themes is not None:
        assert "font-size: 18px" in QApplication.instance().styleSheet()  # 14 px x 1.25
    qtbot.keyClick(window.composer, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: body.fontMetrics().height() == before)
    assert window.zoom.scale == 1.0
