"""Smoke mode: `claude-desk --smoke --base-url URL` runs the real app once and exits.

It builds the app exactly as a normal start does (QApplication, qasync loop, DeskApp and its
MainWindow), types one message into the composer and presses Enter, waits for the streamed
answer, checks that the window shows it, exports the Spend CSV, checks that every folder and
file it wrote (and the export) is readable by this account alone (POSIX), closes the app, opens
the history database again and reads the conversation back. It prints one line and exits 0; on
any failure (no server, an error notice under the answer, a dialog, a timeout) it prints the
reason and exits 1.

It never touches the OS keyring: the key is ANTHROPIC_API_KEY or the dummy `DUMMY_KEY`. Data
goes to a temporary CLAUDE_DESK_HOME, removed afterwards, unless one is set or portable mode is
on (then it goes where the app keeps it). Without a display (no DISPLAY on Linux) Qt runs
offscreen.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar, cast

from PySide6.QtCore import QEvent, Qt, QTimer, qVersion
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPlainTextEdit, QWidget

from desktop.app import DeskApp, load_catalog, open_folders
from desktop.application import create_application
from desktop.cli import Options
from desktop.core.conversation import Message, MessageStatus, Role
from desktop.core.errors import NoKeyringBackend, StorageError
from desktop.core.notices import notice_for
from desktop.core.ports import KeySource
from desktop.single_instance import SingleInstance
from desktop.storage.database import SqliteConversationStore
from desktop.storage.files import POSIX, loose_entries
from desktop.storage.paths import HOME_ENV, AppPaths, portable_home
from desktop.version import app_version

PROMPT = "Hello from the Claude Desk smoke test"
DUMMY_KEY = "smoke-test-key"
ENV_VAR = "ANTHROPIC_API_KEY"  # as in desktop.storage.secrets
START_TIMEOUT = 30.0  # seconds for the SDK import and the models list
ANSWER_TIMEOUT = 30.0  # seconds from pressing Enter to the answer's final state
TIMEOUT_ENV = "CLAUDE_DESK_SMOKE_TIMEOUT"  # overrides ANSWER_TIMEOUT (a slow real API, tests)
SENT_TIMEOUT = 5.0  # seconds for the typed message to show up as sent
LAZY_MODULES = (
    "anthropic",
    "desktop.api.backend",
    "desktop.storage.secrets",
    "desktop.ui.keys.welcome",
    "desktop.ui.keys.settings",
    "desktop.ui.shell.about",
    "desktop.render.markdown",
    "PySide6.QtNetwork",  # the single-instance server (desktop.single_instance)
)
"""Modules a normal run imports lazily: a bundle missing one must fail the smoke run too
(importing keyring does not open the keyring)."""
T = TypeVar("T")


class SmokeFailed(Exception):
    """The smoke run failed; the message says why, for a person reading CI output."""


@dataclass(frozen=True, slots=True)
class SmokeResult:
    answer_chars: int
    seconds: float
    messages_saved: int
    database: Path
    via: str = "in-process"
    private: int = 0  # folders and files checked readable by this account alone (POSIX)

    def summary(self, server: str, temporary: bool) -> str:
        where = "a temporary data folder (now removed)" if temporary else str(self.database)
        return (
            f"claude-desk smoke: OK - streamed a {self.answer_chars}-character answer from "
            f"{server} in {self.seconds:.2f} s {self.via}; history read back "
            f"({self.messages_saved} messages) from {where}; {self._private()} "
            f"[Claude Desk {app_version()}, "
            f"Qt {qVersion()}, {QApplication.platformName()}]"
        )

    def _private(self) -> str:
        if not POSIX:
            return "Spend CSV exported (file modes are not checked on Windows)"
        return f"Spend CSV exported; {self.private} folders and files readable by this account only"


class SessionSecrets:
    """A SecretStore in memory: smoke runs never read or write the OS keyring."""

    def __init__(self, api_key: str, source: KeySource) -> None:
        self._key: str | None = api_key
        self._source = source

    def current(self) -> tuple[str | None, KeySource]:
        return (self._key, self._source) if self._key else (None, KeySource.NONE)

    def save(self, api_key: str) -> None:
        raise NoKeyringBackend("Smoke mode never saves an API key.")

    def remove(self) -> None:
        self._key = None

    def use_for_session(self, api_key: str) -> None:
        self._key, self._source = api_key.strip() or None, KeySource.SESSION

    def keyring_problem(self) -> str | None:
        return None


class DialogWatcher:
    """Fails the run when any modal dialog appears (a smoke run must need no answers)."""

    def __init__(self) -> None:
        self.failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._timer = QTimer()
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self.failed.done():
            self.failed.exception()  # retrieved: no "exception never retrieved" warning
        else:
            self.failed.cancel()

    def _on_timer_timeout(self) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            return
        text = dialog.text() if isinstance(dialog, QMessageBox) else ""
        reason = f"a dialog appeared: {dialog.windowTitle()!r} {text}".strip()
        if not self.failed.done():
            self.failed.set_exception(SmokeFailed(reason))
        if isinstance(dialog, QDialog):
            dialog.reject()
        else:
            dialog.close()


# -- entry point -------------------------------------------------------------------------------


def run_smoke(args: Options, qt_argv: Sequence[str]) -> int:
    """Run the smoke test; returns the process exit status."""
    base_url = args.base_url or os.environ.get("ANTHROPIC_BASE_URL") or ""
    env_key = os.environ.get(ENV_VAR, "").strip()
    if not base_url and not env_key:
        _say("claude-desk smoke: FAILED - give --base-url URL (or set ANTHROPIC_API_KEY)", True)
        return 2
    use_offscreen_without_display()
    key, source = (env_key, KeySource.ENVIRONMENT) if env_key else (DUMMY_KEY, KeySource.SESSION)
    server = base_url or "the Anthropic API"
    with data_home() as (_home, temporary):
        try:
            result = _run_app(qt_argv, base_url or None, SessionSecrets(key, source))
        except SmokeFailed as exc:
            _say(f"claude-desk smoke: FAILED against {server} - {exc}", True)
            return 1
        except Exception as exc:  # anything unexpected still ends with a reason, not a hang
            reason = f"unexpected {type(exc).__name__}: {exc}"
            _say(f"claude-desk smoke: FAILED against {server} - {reason}", True)
            return 1
        _say(result.summary(server, temporary), False)
    return 0


def use_offscreen_without_display() -> None:
    """Qt aborts without a display: on X11 systems default to the offscreen platform."""
    if sys.platform in ("win32", "darwin"):
        return
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


@contextlib.contextmanager
def data_home() -> Iterator[tuple[Path, bool]]:
    """(folder, temporary): CLAUDE_DESK_HOME if set, the portable folder in portable mode,
    else a temporary folder, removed afterwards."""
    current = os.environ.get(HOME_ENV, "").strip()
    if current:
        yield Path(current), False
        return
    portable = portable_home()
    if portable is not None:
        yield portable, False
        return
    with tempfile.TemporaryDirectory(prefix="claude-desk-smoke-") as tmp:
        os.environ[HOME_ENV] = tmp
        try:
            yield Path(tmp), True
        finally:
            del os.environ[HOME_ENV]
            _close_log_files(Path(tmp))


def _run_app(qt_argv: Sequence[str], base_url: str | None, secrets: SessionSecrets) -> SmokeResult:
    import qasync

    app = create_application(qt_argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            return cast(SmokeResult, loop.run_until_complete(_smoke(app, base_url, secrets)))
    finally:
        asyncio.set_event_loop(None)


# -- the run -------------------------------------------------------------------------------------


async def _smoke(app: QApplication, base_url: str | None, secrets: SessionSecrets) -> SmokeResult:
    paths = AppPaths.resolve().ensure()
    instance = SingleInstance(paths.data_dir)
    if not instance.claim():
        raise SmokeFailed(f"another Claude Desk is running with the data in {paths.data_dir}")
    try:
        return await _smoke_on(app, paths, base_url, secrets, instance)
    finally:
        instance.release()


async def _smoke_on(
    app: QApplication,
    paths: AppPaths,
    base_url: str | None,
    secrets: SessionSecrets,
    instance: SingleInstance,
) -> SmokeResult:
    open_folders(paths)
    store = _open_store(paths.database_path)
    catalog, _problem = load_catalog(paths)
    desk = DeskApp(app, paths, store, catalog, secrets, base_url, instance)
    watcher = DialogWatcher()
    desk.window.show()
    try:
        await _guarded(desk.start_services(), watcher, START_TIMEOUT, "starting up")
        process = await _guarded(
            _stream_process_ready(desk), watcher, START_TIMEOUT, "starting the streaming process"
        )
        started = time.perf_counter()
        answer = await _send_and_wait(desk, watcher)
        seconds = time.perf_counter() - started
        via = _streamed_via(process)
        _check_lazy_imports()  # after the real path ran: what it did not need yet
        with tempfile.TemporaryDirectory(prefix="claude-desk-export-") as folder:
            export = await _guarded(
                _export_spend(desk, Path(folder)), watcher, SENT_TIMEOUT, "exporting spending"
            )
            private = check_private(paths, export)  # the database open: -wal and -shm too
    finally:
        watcher.stop()
        desk.window.close()
        await desk.shutdown()
    saved = _read_back(paths.database_path, answer)
    return SmokeResult(len(answer.text), seconds, saved, paths.database_path, via, private)


async def _export_spend(desk: DeskApp, folder: Path) -> Path:
    """Spend › Export CSV… as the app writes it (the dialog's choice given directly)."""
    loop = asyncio.get_running_loop()
    loaded: asyncio.Future[None] = loop.create_future()
    desk.window.show_spend()  # reads the spending in a worker; `loaded` comes after
    view = desk.window.spend_view
    assert view is not None
    view.loaded.connect(lambda: _settle(loaded, None))
    await loaded
    if not view.export_button.isEnabled():
        raise SmokeFailed("the Spend view has nothing to export after a chat")
    exported: asyncio.Future[str] = loop.create_future()
    view.exported.connect(lambda path: _settle(exported, path))
    view.export(str(folder / "spend.csv"))
    path = Path(await exported)
    view.close()
    return path


def _settle(future: asyncio.Future[T], value: T) -> None:
    if not future.done():
        future.set_result(value)


def check_private(paths: AppPaths, export: Path) -> int:
    """Every folder and file the run wrote, and the export, readable by this account alone;
    returns how many were checked (0 on Windows, where modes mean nothing)."""
    if not POSIX:
        return 0
    roots = paths.owned_folders()
    loose = [f"{p} ({oct(p.stat().st_mode & 0o777)})" for p in loose_entries([*roots, export])]
    if loose:
        raise SmokeFailed(f"others can read what the app wrote: {', '.join(loose[:6])}")
    return 1 + sum(1 + sum(1 for _ in root.rglob("*")) for root in paths.folders)


async def _stream_process_ready(desk: DeskApp) -> Any:
    """The backend's streaming child process once it is ready (None when it is turned off)."""
    process = getattr(desk.controller.backend, "stream_process", None)
    while process is not None and not process.ready:
        if process.failed_to_start:
            raise SmokeFailed("the streaming child process could not be started")
        await asyncio.sleep(0.02)
    return process


def _streamed_via(process: Any) -> str:
    if process is None:
        return "in-process"
    if process.served < 1:
        raise SmokeFailed("the answer did not go through the streaming child process")
    return "through the streaming child process"


async def _send_and_wait(desk: DeskApp, watcher: DialogWatcher) -> Message:
    """Type PROMPT into the composer, press Enter, and return the finished answer."""
    loop = asyncio.get_running_loop()
    sent: asyncio.Future[Message] = loop.create_future()
    finished: asyncio.Future[Message] = loop.create_future()

    def on_added(message: Message) -> None:
        if message.role is Role.USER and not sent.done():
            sent.set_result(message)

    def on_updated(message: Message) -> None:
        final = message.role is Role.ASSISTANT and message.status is not MessageStatus.STREAMING
        if final and not finished.done():
            finished.set_result(message)

    desk.controller.message_added.connect(on_added)
    desk.controller.message_updated.connect(on_updated)
    composer = _composer(desk.window)
    await asyncio.sleep(0.05)  # let the window lay out and take focus, as after a launch
    type_text(composer, PROMPT)
    press_enter(composer)
    await _guarded(sent, watcher, SENT_TIMEOUT, "sending the message (Enter sent nothing)")
    answer = await _guarded(finished, watcher, answer_timeout(), "waiting for the answer")
    _check_answer(answer)
    _check_shown(desk, answer)
    return answer


def answer_timeout() -> float:
    try:
        return float(os.environ.get(TIMEOUT_ENV, "") or ANSWER_TIMEOUT)
    except ValueError:
        return ANSWER_TIMEOUT


def _composer(window: QWidget) -> QPlainTextEdit:
    composer = window.findChild(QPlainTextEdit, "composer")
    if not isinstance(composer, QPlainTextEdit):
        raise SmokeFailed("the main window has no composer")
    window.activateWindow()
    composer.setFocus(Qt.FocusReason.OtherFocusReason)
    return composer


def type_text(widget: QWidget, text: str) -> None:
    """Key presses and releases for each character, as a keyboard sends them."""
    for char in text:
        key = ord(char.upper()) if char.isascii() else 0  # Qt's key codes for ASCII keys
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(widget, event)


def press_enter(widget: QWidget) -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(kind, Qt.Key.Key_Return.value, Qt.KeyboardModifier.NoModifier, "\r")
        QApplication.sendEvent(widget, event)


def _check_answer(answer: Message) -> None:
    notice = notice_for(answer)
    if notice is not None:
        raise SmokeFailed(f"the answer ended with a notice ({answer.status.value}): {notice.text}")
    if answer.status is not MessageStatus.COMPLETE:
        raise SmokeFailed(f"the answer ended as {answer.status.value}")
    if not answer.text.strip():
        raise SmokeFailed("the answer completed but has no text")


def _check_shown(desk: DeskApp, answer: Message) -> None:
    assert answer.id is not None
    widget = desk.window.chat_view.message_widget(answer.id)
    if widget is None:
        raise SmokeFailed("the answer is not shown in the conversation")
    if answer.text.strip()[:40] not in widget.body.markdown_text():
        raise SmokeFailed("the conversation shows a different text than the streamed answer")


def _read_back(database: Path, answer: Message) -> int:
    """Open the history again (after the app closed it) and find this run's conversation."""
    try:
        with SqliteConversationStore(database) as store:
            conversation = store.get_conversation(answer.conversation_id)
            messages = store.load_messages(answer.conversation_id)
    except StorageError as exc:
        raise SmokeFailed(f"history could not be read back: {exc.message}") from exc
    if conversation is None:
        raise SmokeFailed("the conversation was not saved in the history")
    roles = [m.role for m in messages]
    if roles != [Role.USER, Role.ASSISTANT] or messages[0].text != PROMPT:
        raise SmokeFailed(f"history holds unexpected messages: {[r.value for r in roles]}")
    saved = messages[1]
    if saved.status is not MessageStatus.COMPLETE or saved.text != answer.text:
        raise SmokeFailed(f"the saved answer differs from the streamed one ({saved.status.value})")
    return len(messages)


# -- helpers -------------------------------------------------------------------------------------


def _check_lazy_imports() -> None:
    for name in LAZY_MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:
            raise SmokeFailed(f"the app cannot load {name}: {type(exc).__name__}: {exc}") from exc


def _open_store(database: Path) -> SqliteConversationStore:
    try:
        return SqliteConversationStore(database)
    except StorageError as exc:
        raise SmokeFailed(f"history cannot be opened: {exc.message}") from exc


async def _guarded(step: Awaitable[T], watcher: DialogWatcher, seconds: float, what: str) -> T:
    """Await `step`, failing on a dialog or after `seconds`."""
    task = asyncio.ensure_future(step)
    waiting: set[asyncio.Future[Any]] = {task, watcher.failed}
    done, _pending = await asyncio.wait(
        waiting, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
    )
    if task in done:
        return task.result()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    if watcher.failed in done:
        watcher.failed.result()  # raises the dialog's SmokeFailed
    raise SmokeFailed(f"timed out after {seconds:g} s {what}")


def _close_log_files(home: Path) -> None:
    """Close the app's log file under `home` so the folder can be removed (Windows)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        filename = getattr(handler, "baseFilename", "")
        if filename and Path(filename).is_relative_to(home):
            root.removeHandler(handler)
            handler.close()


def _say(line: str, error: bool) -> None:
    stream = sys.stderr if error else sys.stdout
    if stream is None:
        stream = _parent_console()
    if stream is not None:
        print(line, file=stream, flush=True)


def _parent_console() -> TextIO | None:
    """A windowed Windows build has no console: write to the one it was started from."""
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            return open("CONOUT$", "w", encoding="utf-8")  # stays open until exit
    return None
