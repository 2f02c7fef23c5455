"""Settings › Preferences and the window's place, through the running app (`open_desk` +
`DeskApp.serve`, as a launch runs it) against the fake server, driven as a person would."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QMainWindow,
    QPlainTextEdit,
    QRadioButton,
    QSplitter,
)

from desktop.core.conversation import MessageStatus
from desktop.core.preferences import SendKey
from desktop.storage.preferences import SETTINGS_NAME
from desktop.ui.shell.window_state import MIN_PART, fit_on_screen
from tests.fake_api import FakeAnthropic, TextReply
from tests.gui.conftest import Desk
from tests.gui.dialogs import child
from tests.gui.keys.test_app_key_flow import RunningApp

ENV_KEY = "sk-ant-api03-" + "PrefsKey" * 10 + "-prefsA"
MODEL = "claude-sonnet-4-6"
PROMPT = "Answer like a pirate."

Start = Callable[[str], RunningApp]


@pytest.fixture(autouse=True)
def key_and_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key from the environment (no welcome dialog); answers stream in this process."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", ENV_KEY)
    monkeypatch.setenv("CLAUDE_DESK_STREAM_PROCESS", "0")


@pytest.fixture
def start(aloop: asyncio.AbstractEventLoop, qtbot: Any) -> Iterator[Start]:
    apps: list[RunningApp] = []

    def start_app(base_url: str) -> RunningApp:
        app = RunningApp(qtbot, base_url)
        apps.append(app)
        return app

    yield start_app
    for app in apps:
        if not app.served.done():
            aloop.run_until_complete(app.close())


def run(loop: asyncio.AbstractEventLoop, scenario: Coroutine[Any, Any, None]) -> None:
    loop.run_until_complete(scenario)


async def started(app: RunningApp) -> None:
    """Until the services run: the backend set, the single-instance server listening."""
    desk = app.desk
    await app.until(lambda: desk.controller.backend is not None and desk.instance.listening)


def action(app: RunningApp, text: str) -> QAction:
    """The window's menu action showing `text` (as a person finds it in the menu)."""
    for found in app.window.findChildren(QAction):
        if found.text() == text:
            return found
    raise AssertionError(f"no action {text}")


def click(app: RunningApp, widget: Any) -> None:
    app.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_box(app: RunningApp, box: QCheckBox | QRadioButton) -> None:
    """Click the box itself (the widget may be wider than its box and label)."""
    app.qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


async def set_preferences(app: RunningApp) -> None:
    """Settings › Preferences…: Sonnet 4.6, a pirate prompt, thinking at high effort,
    Ctrl+Enter sends; OK."""
    action(app, "&Preferences…").trigger()
    dialog = await app.wait_dialog("preferences_dialog")
    picker = child(dialog, QComboBox, "default_model_picker")
    picker.setCurrentIndex(picker.findData(MODEL))
    prompt = child(dialog, QPlainTextEdit, "default_system_prompt")
    prompt.setFocus()
    app.qtbot.keyClicks(prompt, PROMPT)
    thinking = child(dialog, QCheckBox, "default_thinking_checkbox")
    assert thinking.isEnabled() and not thinking.isChecked()
    click_box(app, thinking)
    assert thinking.isChecked()
    effort = child(dialog, QComboBox, "default_effort_picker")
    assert effort.isEnabled()
    effort.setCurrentIndex(effort.findData("high"))
    ctrl_enter = child(dialog, QRadioButton, "send_ctrl_enter_radio")
    click_box(app, ctrl_enter)
    assert ctrl_enter.isChecked()
    buttons = child(dialog, QDialogButtonBox, "preferences_buttons")
    click(app, buttons.button(QDialogButtonBox.StandardButton.Ok))  # at once: the prompt's
    await app.until(lambda: not dialog.isVisible())  # pause need not pass


def test_preferences_set_in_the_dialog_shape_new_conversations(
    aloop: asyncio.AbstractEventLoop, start: Start, fake_api: FakeAnthropic, desk_home: Path
) -> None:
    async def scenario() -> None:
        app = start(fake_api.base_url)
        await started(app)
        composer = app.window.composer
        assert "Enter to send, Shift+Enter for a new line" in composer.placeholderText()
        await set_preferences(app)

        settings_file = desk_home / "config" / SETTINGS_NAME
        await app.until(
            lambda: settings_file.exists() and "ctrl+enter" in settings_file.read_text()
        )
        stored = json.loads(settings_file.read_text())  # written off the UI thread
        assert stored["send_key"] == "ctrl+enter"
        assert stored["new_conversation"]["model"] == MODEL
        assert stored["new_conversation"]["system_prompt"] == PROMPT
        assert stored["new_conversation"]["thinking"]["effort"] == "high"
        assert ENV_KEY not in settings_file.read_text()
        assert "Ctrl+Enter to send, Enter for a new line" in composer.placeholderText()

        action(app, "&New conversation").trigger()
        assert app.window.model_picker.current_model() == MODEL
        assert app.window.settings_panel.system_prompt.toPlainText() == PROMPT

        fake_api.enqueue(TextReply("Arr, it be buried."))
        composer.setFocus()
        app.qtbot.keyClicks(composer, "Ahoy?")
        app.qtbot.keyClick(composer, Qt.Key.Key_Return)  # a new line, not sent
        app.qtbot.keyClicks(composer, "Where is the treasure?")
        await asyncio.sleep(0.05)
        assert composer.toPlainText() == "Ahoy?\nWhere is the treasure?"
        assert fake_api.message_requests() == []
        app.qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        await app.until(lambda: bool(fake_api.message_requests()))  # sent (a short answer may
        await app.until(lambda: not app.desk.controller.is_streaming)  # be over by the next look)

        request = fake_api.message_requests()[-1]
        assert request["model"] == MODEL
        assert PROMPT in json.dumps(request["system"])
        assert request["thinking"]["type"] == "adaptive"
        assert request["output_config"] == {"effort": "high"}
        assert request["messages"][0]["content"][0]["text"] == "Ahoy?\nWhere is the treasure?"
        answers = [
            w for w in app.window.chat_view.message_widgets() if w.message.role == "assistant"
        ]
        assert answers[-1].message.status is MessageStatus.COMPLETE
        await app.close()

        again = start(fake_api.base_url)  # the next launch starts with them
        assert again.window.composer.send_key is SendKey.CTRL_ENTER
        assert again.window.model_picker.current_model() == MODEL
        assert again.desk.controller.settings.system_prompt == PROMPT
        await again.close()

    run(aloop, scenario())


def test_ctrl_enter_mode_enter_adds_a_line_and_ctrl_enter_sends(
    desk: Desk, qtbot, fake_api
) -> None:
    composer = desk.window.composer
    composer.set_send_key(SendKey.CTRL_ENTER)
    assert "Ctrl+Enter to send" in composer.placeholderText()
    composer.setFocus()
    qtbot.keyClicks(composer, "line one")
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    qtbot.keyClicks(composer, "line two")
    qtbot.keyClick(composer, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    qtbot.keyClicks(composer, "line three")
    assert composer.toPlainText() == "line one\nline two\nline three"
    desk.until(lambda: True)  # a turn of the loop: nothing goes out
    assert fake_api.message_requests() == []
    qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert composer.toPlainText() == ""
    desk.until(lambda: fake_api.message_requests() and desk.idle())
    sent = fake_api.message_requests()[0]["messages"][0]["content"][0]["text"]
    assert sent == "line one\nline two\nline three"

    composer.set_send_key(SendKey.ENTER)  # back: Enter sends again
    qtbot.keyClicks(composer, "plain")
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    assert composer.toPlainText() == ""
    desk.until(lambda: len(fake_api.message_requests()) == 2 and desk.idle())


# -- the window's place ---------------------------------------------------------------------------


def splitter_of(app: RunningApp) -> QSplitter:
    splitter = app.window.centralWidget()
    assert isinstance(splitter, QSplitter)
    return splitter


def size_of(splitter: QSplitter, name: str) -> int:
    for index in range(splitter.count()):
        if splitter.widget(index).objectName() == name:
            return splitter.sizes()[index]
    raise AssertionError(name)


def test_size_position_and_splitter_are_restored_at_the_next_start(
    aloop: asyncio.AbstractEventLoop, start: Start, fake_api: FakeAnthropic, desk_home: Path
) -> None:
    place = QRect(10, 60, 780, 560)  # on the test screen (offscreen: 800 x 800)

    async def scenario() -> None:
        app = start(fake_api.base_url)
        await started(app)
        app.window.setGeometry(place)
        splitter = splitter_of(app)
        default_sidebar = size_of(splitter, "sidebar")
        splitter.setSizes([default_sidebar - 30, sum(splitter.sizes()) - default_sidebar + 30])
        await asyncio.sleep(0.05)
        sidebar = size_of(splitter, "sidebar")
        assert sidebar == default_sidebar - 30
        assert app.window.geometry() == place
        await app.close()

        again = start(fake_api.base_url)  # same CLAUDE_DESK_HOME
        await started(again)
        assert again.window.geometry() == place
        splitter = splitter_of(again)
        assert size_of(splitter, "sidebar") == sidebar
        # The settings panel, widened: its width is kept for the next time it shows.
        click(again, again.window.settings_button)
        await again.until(lambda: again.window.settings_panel.isVisible())
        sizes = splitter.sizes()
        sizes[1], sizes[-1] = sizes[1] - 40, sizes[-1] + 40
        splitter.setSizes(sizes)
        await asyncio.sleep(0.05)
        panel = size_of(splitter, "settings_panel")
        sidebar = size_of(splitter, "sidebar")
        await again.close()
        stored = json.loads((desk_home / "config" / SETTINGS_NAME).read_text())["window"]
        assert stored["splitter"] == {"sidebar": sidebar, "settings_panel": panel}

        third = start(fake_api.base_url)
        await started(third)
        assert size_of(splitter_of(third), "sidebar") == sidebar
        assert third.window.panel_widths == {"settings_panel": panel}
        await third.close()

    run(aloop, scenario())


def geometry_at(rect: QRect) -> str:
    """What saveGeometry gives for a window at `rect` (as the settings file keeps it)."""
    window = QMainWindow()
    window.setGeometry(rect)
    saved = bytes(window.saveGeometry().toBase64().data()).decode()
    window.deleteLater()
    return saved


def shows_enough(window: QMainWindow) -> bool:
    frame = window.frameGeometry()
    for screen in QGuiApplication.screens():
        seen = screen.availableGeometry().intersected(frame)
        if seen.width() >= MIN_PART and seen.height() >= MIN_PART:
            return True
    return False


def test_a_place_on_no_current_screen_is_not_restored(
    aloop: asyncio.AbstractEventLoop, start: Start, fake_api: FakeAnthropic, desk_home: Path
) -> None:
    config = desk_home / "config"
    config.mkdir(parents=True)
    window = {"geometry": geometry_at(QRect(6000, 4000, 640, 480)), "splitter": {}}
    (config / SETTINGS_NAME).write_text(json.dumps({"window": window}))

    async def scenario() -> None:
        app = start(fake_api.base_url)
        await started(app)
        assert shows_enough(app.window)
        await app.close()

    run(aloop, scenario())


def test_fit_on_screen_centres_a_window_that_no_screen_shows(qtbot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setGeometry(9000, 9000, 5000, 300)  # far away, and wider than any screen
    fit_on_screen(window)
    area = QGuiApplication.primaryScreen().availableGeometry()
    assert window.width() <= area.width()
    assert shows_enough(window)
    assert abs(window.frameGeometry().center().y() - area.center().y()) <= 2
