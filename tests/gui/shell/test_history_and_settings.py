"""History across restarts, the sidebar, per-conversation settings and the model picker."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from desktop.core.conversation import MessageStatus
from tests.fake_api.script import TextReply
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import TEST_KEY, Desk, build_desk, run_until


def click_row(qtbot, desk: Desk, row: int) -> None:
    view = desk.window.sidebar.view
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_history_survives_a_restart(aloop, fake_api, qtbot) -> None:
    first = build_desk(aloop, fake_api.base_url, qtbot)
    fake_api.enqueue(TextReply("Paris is the capital of France."))
    type_and_send(first, qtbot, "What is the capital of France?")
    first.until(first.idle)
    aloop.run_until_complete(first.backend.aclose())
    first.window.close()
    first.store.close()

    second = build_desk(aloop, fake_api.base_url, qtbot)
    view = second.window.sidebar.view
    assert view.model().rowCount() == 1
    assert view.model().index(0, 0).data() == "What is the capital of France?"
    click_row(qtbot, second, 0)
    texts = [w.body.toPlainText() for w in second.shown(2)]
    assert texts[0] == "What is the capital of France?"
    assert "Paris" in texts[1]
    second.until(second.window.composer.hasFocus, timeout=1)
    aloop.run_until_complete(second.backend.aclose())
    second.store.close()


def test_conversations_newest_first_rename_and_delete(desk: Desk, qtbot, monkeypatch) -> None:
    for text in ("First topic", "Second topic"):
        desk.controller.new_conversation()
        type_and_send(desk, qtbot, text)
        desk.until(desk.idle)
    model = desk.window.sidebar.view.model()
    assert [model.index(r, 0).data() for r in range(2)] == ["Second topic", "First topic"]

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Renamed topic", True))
    desk.window.sidebar.ask_rename(1)
    assert model.index(1, 0).data() == "Renamed topic"

    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: next(answers))
    desk.window.sidebar.ask_delete(0)  # answered No: nothing happens
    assert model.rowCount() == 2
    desk.window.sidebar.ask_delete(0)
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["Renamed topic"]
    assert [c.title for c in desk.store.list_conversations()] == ["Renamed topic"]


def test_interrupted_answer_is_shown_as_stopped_after_restart(aloop, fake_api, qtbot) -> None:
    from desktop.core.conversation import ConversationSettings, Message, Role, text_block

    desk = build_desk(aloop, fake_api.base_url, qtbot)
    conversation = desk.store.create_conversation(ConversationSettings())
    desk.store.add_message(Message(conversation.id, Role.USER, [text_block("Hi")]))
    desk.store.add_message(
        Message(
            conversation.id,
            Role.ASSISTANT,
            [text_block("Half of an ans")],
            status=MessageStatus.STREAMING,
        )
    )
    desk.window.refresh_conversations()
    click_row(qtbot, desk, 0)
    answer = desk.shown(2)[-1]
    assert "Half of an ans" in answer.body.toPlainText()
    assert "app closed" in answer.notice_label.text()
    assert not answer.retry_button.isHidden()
    # kept as stopped, and its text now found by search
    stored = desk.store.load_messages(conversation.id)[-1]
    assert stored.status is MessageStatus.STOPPED
    assert desk.store.matching_conversations("half") == {conversation.id}
    desk.store.close()


def test_long_history_opens_last_page_and_loads_earlier(desk: Desk, qtbot) -> None:
    from desktop.core.conversation import ConversationSettings, Message, Role, text_block

    conversation = desk.store.create_conversation(ConversationSettings())
    for i in range(75):
        role = Role.USER if i % 2 == 0 else Role.ASSISTANT
        desk.store.add_message(Message(conversation.id, role, [text_block(f"message {i}")]))
    desk.window.refresh_conversations()
    click_row(qtbot, desk, 0)
    view = desk.window.chat_view
    shown = desk.shown(30)
    assert [w.body.toPlainText() for w in shown] == [f"message {i}" for i in range(45, 75)]
    assert view.earlier_button.isVisible()
    qtbot.mouseClick(view.earlier_button, Qt.MouseButton.LeftButton)
    desk.shown(60)
    qtbot.mouseClick(view.earlier_button, Qt.MouseButton.LeftButton)
    shown = desk.shown(75)
    assert [w.body.toPlainText() for w in shown] == [f"message {i}" for i in range(75)]
    assert not view.earlier_button.isVisible()


def test_a_long_history_lists_a_page_and_reads_more_as_the_list_scrolls(
    desk: Desk, qtbot, fake_api
) -> None:
    from desktop.core.conversation import ConversationSettings
    from desktop.ui.shell.sidebar import PAGE_SIZE

    for i in range(2 * PAGE_SIZE + 50):
        created = desk.store.create_conversation(ConversationSettings())
        desk.store.rename_conversation(created.id, f"Topic {i}")
    desk.window.refresh_conversations()
    view = desk.window.sidebar.view
    model = view.model()
    assert model.rowCount() == PAGE_SIZE  # the newest page, not the whole history
    assert model.index(0, 0).data() == f"Topic {2 * PAGE_SIZE + 49}"

    view.setFocus()
    for _ in range(3):  # End, as a person scrolling to the bottom of the list
        qtbot.keyClick(view, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE_SIZE + 50, timeout=2000)
    titles = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert titles == [f"Topic {i}" for i in reversed(range(2 * PAGE_SIZE + 50))]

    click_row(qtbot, desk, 3)  # a message bumps its conversation; the list keeps its length
    fake_api.enqueue(TextReply("Noted."))
    type_and_send(desk, qtbot, "Bump this one")
    desk.until(desk.idle)
    assert model.rowCount() == 2 * PAGE_SIZE + 50
    assert model.index(0, 0).data() == f"Topic {2 * PAGE_SIZE + 46}"


def test_model_picker_lists_catalog_and_account_models(desk: Desk, aloop) -> None:
    picker = desk.window.model_picker
    ids = [picker.itemData(i) for i in range(picker.count())]
    for model in ("claude-opus-4-8", "claude-fable-5", "claude-sonnet-5", "claude-haiku-4-5"):
        assert model in ids
    assert picker.current_model() == "claude-opus-4-8"
    aloop.run_until_complete(desk.controller.refresh_models())
    extra = picker.findData("claude-experimental-9")
    assert extra >= 0
    assert "price unknown" in picker.itemText(extra)
    assert "price unknown" not in picker.itemText(picker.findData("claude-opus-4-8"))


def test_settings_apply_to_the_request(desk: Desk, qtbot, fake_api) -> None:
    window = desk.window
    qtbot.mouseClick(window.settings_button, Qt.MouseButton.LeftButton)
    panel = window.settings_panel
    assert panel.isVisible()
    window.model_picker.setCurrentIndex(window.model_picker.findData("claude-sonnet-4-6"))
    panel.system_prompt.setPlainText("Answer like a pirate.")
    panel._prompt_timer.timeout.emit()
    panel.max_tokens.setValue(2000)
    panel.thinking.setChecked(True)
    efforts = [panel.effort.itemData(i) for i in range(panel.effort.count())]
    assert efforts == [None, "low", "medium", "high", "max"]  # no xhigh on Sonnet 4.6
    panel.effort.setCurrentIndex(panel.effort.findData("medium"))
    type_and_send(desk, qtbot, "Ahoy?")
    desk.until(desk.idle)
    request = fake_api.message_requests()[-1]
    assert request["model"] == "claude-sonnet-4-6"
    # a cached prefix: the system prompt as one text block with a cache breakpoint
    assert request["system"] == [
        {"type": "text", "text": "Answer like a pirate.", "cache_control": {"type": "ephemeral"}}
    ]
    assert request["max_tokens"] == 2000
    assert request["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert request["output_config"] == {"effort": "medium"}
    assert "budget_tokens" not in str(request)
    # the fake server sends a thinking summary: it sits collapsed above the answer
    answer = desk.last_answer()
    assert answer.thinking is not None
    assert not answer.thinking.body.isVisible()
    qtbot.mouseClick(answer.thinking.toggle, Qt.MouseButton.LeftButton)
    assert answer.thinking.body.isVisible()
    assert answer.thinking.body.toPlainText().strip()
    # settings are saved with the conversation
    saved = desk.store.list_conversations()[0].settings
    assert saved.model == "claude-sonnet-4-6" and saved.thinking.effort == "medium"


def test_fable_never_sends_disabled_thinking(desk: Desk, qtbot, fake_api) -> None:
    window = desk.window
    window.model_picker.setCurrentIndex(window.model_picker.findData("claude-fable-5"))
    panel = window.settings_panel
    assert panel.thinking.isChecked() and not panel.thinking.isEnabled()
    type_and_send(desk, qtbot, "Hello Fable")
    desk.until(desk.idle)
    request = fake_api.message_requests()[-1]
    assert request["thinking"]["type"] == "adaptive"
    assert "disabled" not in str(request)


@pytest.mark.parametrize("stream_mode", ["in-process", "child"])
def test_api_key_is_in_no_file(desk: Desk, qtbot, fake_api, desk_home: Path) -> None:
    import logging

    from desktop.app import setup_logging

    handler = setup_logging(desk.paths)
    logging.getLogger("httpx2").setLevel(logging.DEBUG)  # even chatty HTTP logs must not leak it
    fake_api.enqueue(TextReply("Answer with a code block:\n\n```python\nprint(1)\n```\n"))
    type_and_send(desk, qtbot, "hello")
    desk.until(desk.idle)
    desk.store.close()
    logging.getLogger().removeHandler(handler)
    handler.close()
    assert (desk.paths.log_dir / "claude-desk.log").exists()
    assert fake_api.message_requests()[-1]  # the key was used for real
    assert fake_api.requests[-1].headers["authorization"] == f"Bearer {TEST_KEY}"
    files = [p for p in desk_home.rglob("*") if p.is_file()]
    assert any(p.name.startswith("history.sqlite3") for p in files)
    for path in files:
        assert TEST_KEY.encode() not in path.read_bytes(), f"API key found in {path}"


def test_search_box_filters_conversations_by_message_text(aloop, fake_api, qtbot) -> None:
    from PySide6.QtWidgets import QApplication

    from desktop.app import DeskApp, load_catalog
    from desktop.storage.database import SqliteConversationStore
    from desktop.storage.paths import AppPaths

    paths = AppPaths.resolve().ensure()
    store = SqliteConversationStore(paths.database_path)
    catalog, _ = load_catalog(paths)
    desk = DeskApp(QApplication.instance(), paths, store, catalog, None, fake_api.base_url)
    qtbot.addWidget(desk.window)
    from desktop.api.backend import AnthropicBackend

    backend = AnthropicBackend(base_url=fake_api.base_url)
    backend.set_api_key(TEST_KEY)
    desk.controller.set_backend(backend)
    for question, answer in (("Pelicans?", "Pelicans fly in lines."), ("Tea?", "Green tea.")):
        fake_api.enqueue(TextReply(answer))
        desk.controller.new_conversation()
        desk.controller.send(question)
        run_until(aloop, lambda: not desk.controller.is_streaming)
    view = desk.window.sidebar.view
    assert view.model().rowCount() == 2
    qtbot.keyClicks(desk.window.sidebar.search_box, "lines")  # only in an answer
    run_until(aloop, lambda: view.model().rowCount() == 1)  # searched in a worker
    assert view.model().index(0, 0).data() == "Pelicans?"
    desk.window.sidebar.search_box.clear()
    run_until(aloop, lambda: view.model().rowCount() == 2)
    aloop.run_until_complete(backend.aclose())
    store.close()


def test_copy_whole_answer_as_markdown(desk: Desk, qtbot, fake_api) -> None:
    from PySide6.QtGui import QGuiApplication

    text = "# Title\n\nSome **bold** text.\n\n```python\nprint('hi')\n```\n"
    fake_api.enqueue(TextReply(text))
    type_and_send(desk, qtbot, "markdown please")
    desk.until(desk.idle)
    answer = desk.last_answer()
    qtbot.mouseClick(answer.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == text


def test_unsent_text_stays_with_its_conversation(desk: Desk, qtbot) -> None:
    type_and_send(desk, qtbot, "First topic")
    desk.until(desk.idle)
    composer = desk.window.composer
    qtbot.keyClicks(composer, "half-written follow-up")
    qtbot.mouseClick(desk.window.sidebar.new_button, Qt.MouseButton.LeftButton)
    assert composer.toPlainText() == ""  # a new conversation starts empty
    qtbot.keyClicks(composer, "another idea")
    view = desk.window.sidebar.view
    first = view.model().index(0, 0)
    pos = view.visualRect(first).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)  # back to the first
    assert desk.controller.conversation.title == "First topic"
    assert composer.toPlainText() == "half-written follow-up"
    qtbot.mouseClick(desk.window.sidebar.new_button, Qt.MouseButton.LeftButton)
    assert composer.toPlainText() == "another idea"


def test_the_sidebar_is_tinted_behind_its_list_and_around_it(qtbot) -> None:
    """The theme's sidebar colour fills the frame's margins and the list's empty rows (a plain
    QWidget painted no stylesheet background; a transparent list left its groove black on X11)."""
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from desktop.core.conversation import Conversation, ConversationSettings
    from desktop.core.palettes import LIGHT
    from desktop.ui.shell.sidebar import Sidebar
    from desktop.ui.shell.stylesheet import stylesheet

    window = QWidget()  # the app's theme on a parent, as the application's own stylesheet is
    qtbot.addWidget(window)
    window.setStyleSheet(stylesheet(LIGHT))
    sidebar = Sidebar(window)
    QVBoxLayout(window).addWidget(sidebar)
    window.resize(260, 500)
    sidebar.set_conversations([Conversation(1, "Only one", 0.0, 0.0, ConversationSettings())], None)
    window.show()
    qtbot.waitExposed(window)
    image = window.grab().toImage()  # as drawn in its window (a widget's own grab fills it)
    origin = sidebar.geometry().topLeft()
    margin = image.pixelColor(origin.x() + 2, origin.y() + 250)  # left of the list
    list_area = image.pixelColor(origin.x() + 130, origin.y() + 450)  # below the only row
    assert margin == QColor(LIGHT.sidebar)
    assert list_area == QColor(LIGHT.sidebar)
