"""The first run and the API key, end to end: the real app (desktop.app's DeskApp, started as
`desktop.app.run` starts it) against the fake server, driven through its dialogs as a person
would. The keyring is an in-memory backend (tests/keyring_memory.py) or keyring's `fail`
backend (no usable keyring); the real OS keyring is never touched."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from desktop.app import DeskApp, key_status_text, open_desk
from desktop.cli import Options
from desktop.core.conversation import MessageStatus
from desktop.core.ports import KeySource
from desktop.storage.secrets import SERVICE, USERNAME
from desktop.ui.keys.texts import NO_KEYRING_OFFER, REJECTED, UNREACHABLE
from tests.fake_api import FakeAnthropic, TextReply
from tests.fake_api.models import EXTRA_MODEL_ID
from tests.gui.dialogs import child, clipped, status_text
from tests.keyring_memory import MemoryKeyring

GOOD_KEY = "sk-ant-api03-" + "FirstRun" * 10 + "-goodAA"
OTHER_KEY = "sk-ant-api03-" + "Replaced" * 10 + "-otherA"
ENV_KEY = "sk-ant-api03-" + "FromEnv_" * 10 + "-envvAA"
START_TIMEOUT = 60.0  # the SDK import in a worker thread, on a busy machine
CHILD_TIMEOUT = 60.0


@pytest.fixture(autouse=True)
def streams_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers stream in the app's own process unless a test asks for the child."""
    monkeypatch.setenv("CLAUDE_DESK_STREAM_PROCESS", "0")


class RunningApp:
    """One run of the whole app (`open_desk` + `DeskApp.serve`, as `desktop.app.run` does).

    Tests drive it from one coroutine on the app's loop, so the app runs as it does for a
    person: qasync's `run_until_complete` ends with a `processEvents` outside the running
    loop, and a task step that lands there would fail (no running event loop).
    """

    def __init__(self, qtbot: Any, base_url: str) -> None:
        self.qtbot = qtbot
        before = set(logging.getLogger().handlers)
        desk = open_desk(QApplication.instance(), Options(base_url=base_url))  # type: ignore[arg-type]
        assert desk is not None
        self._log_handlers = set(logging.getLogger().handlers) - before
        self.desk: DeskApp = desk
        self.window = desk.window  # closed by `close()` (the `start` fixture makes sure)
        self.served = asyncio.ensure_future(desk.serve())

    async def until(self, condition: Callable[[], object], timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.served.done():
                self.served.result()  # the app stopped: show why
                raise AssertionError("the app stopped")
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in time")
            await asyncio.sleep(0.01)

    def dialog(self, name: str) -> QDialog | None:
        """This run's dialog called `name`, if it is showing."""
        for dialog in self.window.findChildren(QDialog, name):
            if dialog.isVisible():
                return dialog
        return None

    async def wait_dialog(self, name: str) -> QDialog:
        await self.until(lambda: self.dialog(name) is not None)
        found = self.dialog(name)
        assert found is not None
        return found

    def key_label(self) -> str:
        label = self.window.findChild(QLabel, "key_status_label")
        assert label is not None
        return str(label.text())

    def models_listed(self) -> bool:
        picker = self.window.model_picker
        return picker.findData(EXTRA_MODEL_ID) >= 0

    async def open_key_settings(self) -> QDialog:
        """Settings › API key…"""
        action = next(a for a in self.window.findChildren(QAction) if a.text() == "&API key…")
        action.trigger()
        return await self.wait_dialog("api_key_settings_dialog")

    async def send(self, text: str) -> Any:
        """Type `text` into the composer, press Enter and wait for the answer's final state."""
        composer = self.window.findChild(QPlainTextEdit, "composer")
        before = len(self._answers())
        composer.setFocus()
        self.qtbot.keyClicks(composer, text)
        self.qtbot.keyClick(composer, Qt.Key.Key_Return)
        await self.until(
            lambda: len(self._answers()) > before and not self.desk.controller.is_streaming
        )
        return self._answers()[-1]

    def _answers(self) -> list[Any]:
        widgets = self.window.chat_view.message_widgets()
        return [w for w in widgets if w.objectName() == "assistant_message"]

    async def close(self) -> None:
        self.window.close()
        await asyncio.wait_for(asyncio.shield(self.served), START_TIMEOUT)
        assert self.served.result() == 0
        root = logging.getLogger()
        for handler in self._log_handlers:
            root.removeHandler(handler)
            handler.close()


def type_key(app: RunningApp, dialog: QDialog, text: str) -> None:
    """Replace what the key box holds with `text`, then click "Check and save"."""
    key_input = child(dialog, QLineEdit, "api_key_input")
    key_input.setFocus()
    key_input.selectAll()
    app.qtbot.keyClick(key_input, Qt.Key.Key_Delete)
    app.qtbot.keyClicks(key_input, text)
    click(app, child(dialog, QPushButton, "save_key_button"))


def click(app: RunningApp, button: QWidget) -> None:
    app.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


async def checked(app: RunningApp, dialog: QDialog) -> str:
    """The check's outcome shown in the dialog (or "" once the dialog has closed)."""
    await app.until(
        lambda: not dialog.isVisible() or status_text(dialog) != "Checking your key…", 20
    )
    return status_text(dialog) if dialog.isVisible() else ""


def times_shown(dialog: QDialog, text: str) -> int:
    """How many of the dialog's visible labels say `text`."""
    labels = dialog.findChildren(QLabel)
    return sum(1 for label in labels if label.isVisible() and text in label.text())


async def shows_everything(app: RunningApp, dialog: QDialog) -> bool:
    """True once every text in `dialog` fits (layouts settle a moment after a change)."""
    try:
        await app.until(lambda: not clipped(dialog), 2)
    except TimeoutError:
        return False
    return True


def sent_key(request: Any) -> str | None:
    bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    return request.headers.get("x-api-key") or bearer or None


def keys_of_messages(api: FakeAnthropic) -> list[str | None]:
    return [sent_key(r) for r in api.requests if r.path == "/v1/messages"]


def files_holding(home: Path, secret: str) -> list[Path]:
    """Every file under the app's data, config, cache and log folders that holds `secret`."""
    files = [p for p in home.rglob("*") if p.is_file()]
    assert files, "the app wrote nothing at all?"
    return [p for p in files if secret.encode() in p.read_bytes()]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


Start = Callable[[str], RunningApp]


@pytest.fixture
def start(aloop: asyncio.AbstractEventLoop, qtbot: Any) -> Iterator[Start]:
    """Starts the app against a base URL (on the test's loop, from its coroutine); every app
    still running afterwards is closed."""
    apps: list[RunningApp] = []

    def start_app(base_url: str) -> RunningApp:
        app = RunningApp(qtbot, base_url)
        apps.append(app)
        return app

    yield start_app
    for app in apps:
        if not app.served.done():
            for name in ("welcome_dialog", "api_key_settings_dialog"):
                dialog = app.dialog(name)
                if dialog is not None:
                    dialog.reject()
            aloop.run_until_complete(app.close())


def run(loop: asyncio.AbstractEventLoop, scenario: Coroutine[Any, Any, None]) -> None:
    """The whole scenario in one run of the loop, as the app runs for a person."""
    loop.run_until_complete(scenario)


# -- first run ------------------------------------------------------------------------------------


def test_first_run_asks_for_the_key_stores_it_and_chats(
    aloop: asyncio.AbstractEventLoop,
    start: Start,
    fake_api: FakeAnthropic,
    memory_keyring: MemoryKeyring,
    desk_home: Path,
) -> None:
    async def scenario() -> None:
        app = start(fake_api.base_url)
        welcome = await app.wait_dialog("welcome_dialog")
        assert "console.anthropic.com/settings/keys" in child(welcome, QLabel, "keys_link").text()
        assert not child(welcome, QLabel, "keyring_warning").isVisible()

        type_key(app, welcome, GOOD_KEY)
        assert await checked(app, welcome) == ""  # checked, saved, closed
        assert welcome.result() == QDialog.DialogCode.Accepted
        checks = [r for r in fake_api.requests if r.path == "/v1/models"]
        assert checks and sent_key(checks[0]) == GOOD_KEY
        assert memory_keyring.store == {(SERVICE, USERNAME): GOOD_KEY}
        await app.until(lambda: app.key_label() == key_status_text(KeySource.KEYRING))
        assert app.key_label() == "API key from the system keyring"
        await app.until(app.models_listed)  # the account's models, with the new key

        fake_api.enqueue(TextReply("Hello! Your key works."))
        answer = await app.send("Hello there")
        assert answer.message.status is MessageStatus.COMPLETE
        assert "Your key works" in answer.body.toPlainText()
        assert keys_of_messages(fake_api) == [GOOD_KEY]
        await app.close()
        assert files_holding(desk_home, GOOD_KEY) == []

        # The next launch finds the key in the keyring and asks nothing.
        again = start(fake_api.base_url)
        await again.until(lambda: again.key_label() == key_status_text(KeySource.KEYRING))
        await again.until(again.models_listed)
        assert again.dialog("welcome_dialog") is None
        await again.send("And again")
        assert keys_of_messages(fake_api) == [GOOD_KEY, GOOD_KEY]

    run(aloop, scenario())


def test_wrong_key_is_refused_plainly_and_the_right_one_then_works(
    aloop: asyncio.AbstractEventLoop,
    start: Start,
    fake_api: FakeAnthropic,
    memory_keyring: MemoryKeyring,
) -> None:
    fake_api.accepted_keys = {GOOD_KEY}  # any other key gets 401 from the models list

    async def scenario() -> None:
        app = start(fake_api.base_url)
        welcome = await app.wait_dialog("welcome_dialog")

        type_key(app, welcome, OTHER_KEY)
        assert await checked(app, welcome) == REJECTED
        assert welcome.isVisible()
        assert await shows_everything(app, welcome), clipped(welcome)
        key_input = child(welcome, QLineEdit, "api_key_input")
        assert key_input.text() == OTHER_KEY and key_input.isEnabled()  # nothing lost
        assert memory_keyring.store == {}
        assert [sent_key(r) for r in fake_api.requests] == [OTHER_KEY]

        type_key(app, welcome, GOOD_KEY)
        assert await checked(app, welcome) == ""
        assert memory_keyring.store == {(SERVICE, USERNAME): GOOD_KEY}
        await app.until(lambda: app.key_label() == key_status_text(KeySource.KEYRING))

    run(aloop, scenario())


def test_network_down_is_said_plainly_and_the_key_works_once_it_is_back(
    aloop: asyncio.AbstractEventLoop, start: Start, memory_keyring: MemoryKeyring
) -> None:
    port = closed_port()  # nothing listens there: the network is "down"

    async def scenario() -> None:
        app = start(f"http://127.0.0.1:{port}")
        welcome = await app.wait_dialog("welcome_dialog")

        type_key(app, welcome, GOOD_KEY)
        assert await checked(app, welcome) == UNREACHABLE
        assert memory_keyring.store == {}
        assert child(welcome, QLineEdit, "api_key_input").text() == GOOD_KEY

        with FakeAnthropic(port=port) as api:  # the network is back: click again
            click(app, child(welcome, QPushButton, "save_key_button"))
            assert await checked(app, welcome) == ""
            assert memory_keyring.store == {(SERVICE, USERNAME): GOOD_KEY}
            await app.until(app.models_listed)
            await app.close()
        assert sent_key(next(r for r in api.requests if r.path == "/v1/models")) == GOOD_KEY

    run(aloop, scenario())


def test_server_gone_while_the_welcome_waits_is_network_down(
    aloop: asyncio.AbstractEventLoop,
    start: Start,
    memory_keyring: MemoryKeyring,
    fake_api: FakeAnthropic,
) -> None:
    api = fake_api

    async def scenario() -> None:
        app = start(api.base_url)
        welcome = await app.wait_dialog("welcome_dialog")
        api.stop()

        type_key(app, welcome, GOOD_KEY)
        assert await checked(app, welcome) == UNREACHABLE
        assert memory_keyring.store == {}
        await app.close()
        assert not welcome.isVisible()

    run(aloop, scenario())


def test_no_usable_keyring_offers_this_run_only_and_writes_nothing(
    aloop: asyncio.AbstractEventLoop, start: Start, fake_api: FakeAnthropic, desk_home: Path
) -> None:
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    async def scenario() -> None:
        app = start(fake_api.base_url)
        welcome = await app.wait_dialog("welcome_dialog")
        warning = child(welcome, QLabel, "keyring_warning")
        assert warning.isVisible()
        assert "No secure key storage" in warning.text()
        assert "gnome-keyring" in warning.text()  # how to fix it
        session = child(welcome, QPushButton, "session_only_button")
        assert not session.isVisible()

        type_key(app, welcome, GOOD_KEY)
        await app.until(session.isVisible, 20)
        assert status_text(welcome).startswith(NO_KEYRING_OFFER)
        assert "not be written to disk" in status_text(welcome)
        # What is wrong and how to fix it stay in the warning box, said once.
        assert warning.isVisible() and "gnome-keyring" in warning.text()
        assert times_shown(welcome, "No secure key storage") == 1
        assert times_shown(welcome, "gnome-keyring") == 1
        assert times_shown(welcome, "not be written to disk") == 1
        assert await shows_everything(app, welcome), clipped(welcome)
        click(app, session)

        await app.until(lambda: not welcome.isVisible())
        await app.until(lambda: app.key_label() == key_status_text(KeySource.SESSION))
        assert app.key_label() == "API key for this session only (not saved)"
        settings = await app.open_key_settings()
        assert child(settings, QLabel, "key_source_label").text() == (
            "Used for this session only — not saved."
        )
        settings.reject()
        await app.send("Hello without a keyring")
        assert keys_of_messages(fake_api) == [GOOD_KEY]
        await app.close()

    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())  # type: ignore[no-untyped-call]
    try:
        run(aloop, scenario())
    finally:
        keyring.set_keyring(previous)
    assert files_holding(desk_home, GOOD_KEY) == []


def test_environment_key_wins_and_is_said_to_be_in_use(
    aloop: asyncio.AbstractEventLoop,
    start: Start,
    fake_api: FakeAnthropic,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", ENV_KEY)
    memory_keyring.store[(SERVICE, USERNAME)] = GOOD_KEY  # the environment's key still wins

    async def scenario() -> None:
        app = start(fake_api.base_url)
        await app.until(lambda: app.key_label() == key_status_text(KeySource.ENVIRONMENT))
        assert app.key_label() == "Using ANTHROPIC_API_KEY from the environment"
        await app.until(app.models_listed)
        assert app.dialog("welcome_dialog") is None
        await app.send("Hello")
        assert keys_of_messages(fake_api) == [ENV_KEY]

        # Replacing the saved key while ANTHROPIC_API_KEY is set stores it, but the
        # environment's key stays in use, and the dialog says so.
        settings = await app.open_key_settings()
        source = child(settings, QLabel, "key_source_label").text()
        assert source.startswith("Using ANTHROPIC_API_KEY from the environment")
        assert not child(settings, QPushButton, "remove_key_button").isEnabled()
        click(app, child(settings, QPushButton, "replace_key_button"))
        type_key(app, settings, OTHER_KEY)
        notice = child(settings, QLabel, "settings_status")
        await app.until(lambda: not notice.isHidden(), 20)
        assert "ANTHROPIC_API_KEY still takes precedence" in notice.text()
        assert await shows_everything(app, settings), clipped(settings)
        assert memory_keyring.store == {(SERVICE, USERNAME): OTHER_KEY}
        settings.reject()
        assert app.key_label() == key_status_text(KeySource.ENVIRONMENT)
        await app.send("Still the environment's key?")
        assert keys_of_messages(fake_api) == [ENV_KEY, ENV_KEY]

    run(aloop, scenario())


# -- Settings › API key… while the app runs -------------------------------------------------------


def answer_question(button: QMessageBox.StandardButton) -> list[str]:
    """Click `button` in the next message box that opens (as a person would)."""
    asked: list[str] = []

    def click_when_shown() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click_when_shown)
            return
        asked.append(box.text())
        wanted = box.button(button)
        if wanted is None:  # another box than expected: close it, so the test fails, not hangs
            box.reject()
            return
        wanted.click()

    QTimer.singleShot(20, click_when_shown)
    return asked


@pytest.mark.parametrize("stream_mode", ["in-process", "child"])
def test_replace_then_remove_the_key_while_the_app_runs(
    aloop: asyncio.AbstractEventLoop,
    start: Start,
    fake_api: FakeAnthropic,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    stream_mode: str,
) -> None:
    if stream_mode == "child":
        monkeypatch.setenv("CLAUDE_DESK_STREAM_PROCESS", "1")
    memory_keyring.store[(SERVICE, USERNAME)] = GOOD_KEY

    async def scenario() -> None:
        app = start(fake_api.base_url)
        await app.until(lambda: app.key_label() == key_status_text(KeySource.KEYRING))
        await app.until(app.models_listed)
        process = getattr(app.desk.controller.backend, "stream_process", None)
        if stream_mode == "child":
            assert process is not None
            await app.until(lambda: process.ready, CHILD_TIMEOUT)
        await app.send("First, with the stored key")

        settings = await app.open_key_settings()
        preview = child(settings, QLabel, "key_preview")
        assert preview.text() == "sk-ant-…odAA"
        assert GOOD_KEY not in "\n".join(label.text() for label in settings.findChildren(QLabel))
        click(app, child(settings, QPushButton, "replace_key_button"))
        type_key(app, settings, OTHER_KEY)
        await app.until(lambda: preview.text() == "sk-ant-…herA", 20)
        assert memory_keyring.store == {(SERVICE, USERNAME): OTHER_KEY}
        assert app.key_label() == key_status_text(KeySource.KEYRING)
        await app.send("Now with the new key")
        assert keys_of_messages(fake_api) == [GOOD_KEY, OTHER_KEY]
        if stream_mode == "child":
            assert process is not None and process.served == 2  # both through the child

        asked = answer_question(QMessageBox.StandardButton.Yes)
        click(app, child(settings, QPushButton, "remove_key_button"))
        await app.until(lambda: bool(asked), 5)
        assert "Remove the API key" in asked[0]
        await app.until(lambda: app.key_label() == key_status_text(KeySource.NONE))
        assert memory_keyring.store == {}
        assert child(settings, QLabel, "key_source_label").text() == "No key"
        settings.reject()

        answer = await app.send("And without a key?")
        assert answer.message.status is MessageStatus.FAILED
        notice = child(answer, QLabel, "notice_label")
        assert "No API key is set" in notice.text() and not notice.isHidden()
        assert keys_of_messages(fake_api) == [GOOD_KEY, OTHER_KEY]  # nothing went out

    run(aloop, scenario())


def test_not_now_then_adding_the_key_in_settings(
    aloop: asyncio.AbstractEventLoop,
    start: Start,
    fake_api: FakeAnthropic,
    memory_keyring: MemoryKeyring,
) -> None:
    async def scenario() -> None:
        app = start(fake_api.base_url)
        welcome = await app.wait_dialog("welcome_dialog")
        click(app, child(welcome, QPushButton, "quit_button"))
        await app.until(lambda: app.key_label() == key_status_text(KeySource.NONE))
        assert app.key_label() == "No API key — Settings › API key…"
        assert not app.models_listed()

        settings = await app.open_key_settings()
        add = child(settings, QPushButton, "replace_key_button")
        assert add.text() == "Add key…"
        assert not child(settings, QPushButton, "remove_key_button").isEnabled()
        click(app, add)
        type_key(app, settings, GOOD_KEY)
        await app.until(lambda: app.key_label() == key_status_text(KeySource.KEYRING), 20)
        settings.reject()
        assert memory_keyring.store == {(SERVICE, USERNAME): GOOD_KEY}
        await app.until(app.models_listed, 20)  # the account's models, now there is a key
        await app.send("Hello at last")
        assert keys_of_messages(fake_api) == [GOOD_KEY]

    run(aloop, scenario())


def test_closing_the_window_while_the_welcome_is_open_ends_the_app(
    aloop: asyncio.AbstractEventLoop,
    start: Start,
    fake_api: FakeAnthropic,
    memory_keyring: MemoryKeyring,
) -> None:
    async def scenario() -> None:
        app = start(fake_api.base_url)
        welcome = await app.wait_dialog("welcome_dialog")
        await app.close()
        assert not welcome.isVisible()
        assert memory_keyring.store == {}

    run(aloop, scenario())


class LockedAtFirstKeyring(MemoryKeyring):
    """A keyring whose first read fails (locked, the unlock prompt dismissed); it works after."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        if self.reads == 1:
            raise RuntimeError("Prompt dismissed")
        return super().get_password(service, username)


def test_a_keyring_locked_at_start_is_tried_again_when_saving(
    aloop: asyncio.AbstractEventLoop, start: Start, fake_api: FakeAnthropic
) -> None:
    import keyring

    locked = LockedAtFirstKeyring()

    async def scenario() -> None:
        app = start(fake_api.base_url)
        welcome = await app.wait_dialog("welcome_dialog")
        warning = child(welcome, QLabel, "keyring_warning")
        assert "Could not read your API key from the system keyring" in warning.text()
        assert "unlock it" in warning.text()

        type_key(app, welcome, GOOD_KEY)
        assert await checked(app, welcome) == ""  # saved: the keyring works now
        assert locked.store == {(SERVICE, USERNAME): GOOD_KEY}
        await app.until(lambda: app.key_label() == key_status_text(KeySource.KEYRING))

    previous = keyring.get_keyring()
    keyring.set_keyring(locked)
    try:
        run(aloop, scenario())
    finally:
        keyring.set_keyring(previous)
