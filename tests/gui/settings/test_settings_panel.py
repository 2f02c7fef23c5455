"""The conversation settings panel's cache TTL picker and thinking-summaries checkbox, clicked
as a person would: the next request carries the choice, and each conversation keeps its own."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox

from desktop.core.conversation import ConversationSettings
from tests.fake_api.script import TextReply
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import Desk

ONE_HOUR = {"type": "ephemeral", "ttl": "1h"}
FIVE_MINUTES = {"type": "ephemeral"}  # the API's default TTL is left implicit


def open_panel(desk: Desk, qtbot) -> None:
    if not desk.window.settings_panel.isVisible():
        qtbot.mouseClick(desk.window.settings_button, Qt.MouseButton.LeftButton)
    assert desk.window.settings_panel.isVisible()


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Pick `text` in a combo box with the keyboard (focus it, arrow keys)."""
    combo.setFocus()
    target = combo.findText(text)
    assert target >= 0, text
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, key)


def click_box(qtbot, box: QCheckBox) -> None:
    """Click the box itself (the widget may be wider than its box and label)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def ask(desk: Desk, qtbot, fake_api, text: str) -> dict:
    fake_api.enqueue(TextReply(f"Answer to {text}", thinking="A short summary."))
    type_and_send(desk, qtbot, text)
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    return fake_api.message_requests()[-1]


def last_marker(request: dict) -> dict:
    return request["messages"][-1]["content"][-1]["cache_control"]


def system_marker(request: dict) -> dict:
    return request["system"][-1]["cache_control"]


def set_prompt(desk: Desk, qtbot, text: str) -> None:
    """Type a system prompt (saved once the typing pauses)."""
    panel = desk.window.settings_panel
    qtbot.keyClicks(panel.system_prompt, text)
    desk.until(lambda: desk.controller.settings.system_prompt == text)


def open_titled(desk: Desk, qtbot, title: str) -> None:
    view = desk.window.sidebar.view
    model = view.model()
    rows = [r for r in range(model.rowCount()) if model.index(r, 0).data() == title]
    assert rows, title
    rect = view.visualRect(model.index(rows[0], 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert desk.window.title_label.text() == title


def saved_settings(desk: Desk, title: str) -> ConversationSettings:
    return next(c.settings for c in desk.store.list_conversations() if c.title == title)


def test_cache_ttl_and_summaries_go_out_and_stay_with_their_conversation(
    desk: Desk, qtbot, fake_api
) -> None:
    window = desk.window
    panel = window.settings_panel
    open_panel(desk, qtbot)
    assert panel.cache_ttl.currentText() == "5 minutes"
    assert panel.cache_ttl.objectName() == "cache_ttl_picker"
    assert panel.summaries.objectName() == "summaries_checkbox"

    # Conversation A: its context (here the system prompt) cached for an hour, thinking on,
    # summaries hidden. The latest turn keeps the 5-minute breakpoint (desktop/core/caching.py).
    set_prompt(desk, qtbot, "You are A.")
    choose(qtbot, panel.cache_ttl, "1 hour")
    click_box(qtbot, panel.thinking)
    assert panel.summaries.isEnabled() and panel.summaries.isChecked()
    click_box(qtbot, panel.summaries)
    assert not panel.summaries.isChecked()
    request = ask(desk, qtbot, fake_api, "Conversation A")
    assert system_marker(request) == ONE_HOUR
    assert last_marker(request) == FIVE_MINUTES
    assert request["thinking"] == {"type": "adaptive", "display": "omitted"}
    saved = saved_settings(desk, "Conversation A")
    assert saved.cache_ttl == "1h" and not saved.thinking.show_summaries

    # Conversation B starts from A's choices; it goes back to 5 minutes and summaries.
    qtbot.keyClick(window.composer, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.title_label.text() == "New conversation"
    assert panel.cache_ttl.currentText() == "1 hour"
    set_prompt(desk, qtbot, "You are B.")
    choose(qtbot, panel.cache_ttl, "5 minutes")
    click_box(qtbot, panel.summaries)
    request = ask(desk, qtbot, fake_api, "Conversation B")
    assert system_marker(request) == FIVE_MINUTES
    assert request["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert saved_settings(desk, "Conversation B").cache_ttl == "5m"

    # Reopening A brings its own choices back, and its next request uses them.
    open_titled(desk, qtbot, "Conversation A")
    assert panel.cache_ttl.currentText() == "1 hour"
    assert panel.thinking.isChecked() and not panel.summaries.isChecked()
    request = ask(desk, qtbot, fake_api, "A again")
    assert system_marker(request) == ONE_HOUR
    assert request["thinking"]["display"] == "omitted"

    open_titled(desk, qtbot, "Conversation B")
    assert panel.cache_ttl.currentText() == "5 minutes"
    assert panel.summaries.isChecked()
    saved = saved_settings(desk, "Conversation A")
    assert saved.cache_ttl == "1h" and not saved.thinking.show_summaries


def test_one_hour_cache_is_written_as_such(desk: Desk, qtbot, fake_api) -> None:
    """The fake server's prompt cache sees the 1-hour breakpoint: its write is a 1-hour one."""
    panel = desk.window.settings_panel
    open_panel(desk, qtbot)
    set_prompt(desk, qtbot, "Be brief. " * 50)
    choose(qtbot, panel.cache_ttl, "1 hour")
    ask(desk, qtbot, fake_api, "Hello")
    usage = desk.last_answer().message.usage
    assert usage.cache_write_1h_tokens > 0


def test_panel_emits_once_per_real_change(desk: Desk, qtbot) -> None:
    panel = desk.window.settings_panel
    open_panel(desk, qtbot)
    edits: list[ConversationSettings] = []
    panel.settings_edited.connect(edits.append)

    # Typing and then deleting it again leaves the prompt as it was: nothing to save.
    qtbot.keyClicks(panel.system_prompt, "x")
    qtbot.keyClick(panel.system_prompt, Qt.Key.Key_Backspace)
    desk.until(lambda: not panel._prompt_timer.isActive())
    assert edits == []

    choose(qtbot, panel.cache_ttl, "1 hour")
    assert [e.cache_ttl for e in edits] == ["1h"]
    qtbot.keyClicks(panel.system_prompt, "Be brief.")
    desk.until(lambda: not panel._prompt_timer.isActive())
    assert [e.system_prompt for e in edits] == ["", "Be brief."]
    assert desk.controller.settings.system_prompt == "Be brief."
    assert desk.controller.settings.cache_ttl == "1h"
    # what was emitted is the panel's copy to keep: changing it changes nothing in the panel
    edits[-1].cache_ttl = "5m"
    assert panel.cache_ttl.currentText() == "1 hour"
