"""Export and import in the main window: File › Export conversation…, Export all
conversations…, Import…, and the sidebar's Export… on a conversation.

The dialogs open in the folder of the last export or import. The work (reading the history,
building the files, parsing an import, writing it) runs in a worker thread through the
`ConversationExchange` port; the window says what happened in the status bar, or in a message
box when something could not be done (nothing is half-written: see `desktop.storage.exchange`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from desktop.core.conversation import Conversation, ConversationSettings
from desktop.core.errors import DeskError
from desktop.core.names import safe_stem
from desktop.ui.common.gil import run_ui_first

if TYPE_CHECKING:  # the formats load on first use, not before the first paint
    import asyncio

    from desktop.core.ports import ConversationExchange
    from desktop.ui.chat.controller import ChatController
    from desktop.ui.exchange import jobs

log = logging.getLogger(__name__)

GROUP = "exchange"
MARKDOWN_FILTER = "Markdown (*.md)"
JSON_FILTER = "Claude Desk JSON, lossless (*.json)"
IMPORT_FILTER = "Conversation exports (*.json);;All files (*)"
STATUS_MS = 15_000
MARKDOWN, JSON = "markdown", "json"


class ExchangeFeature(QObject):
    """Owns the export and import actions of one main window."""

    finished = Signal(str)  # what happened, as the status bar said it
    failed = Signal(str)  # why it could not be done

    def __init__(
        self,
        window: Any,
        controller: ChatController,
        exchange: ConversationExchange,
        app: Callable[[], str],
    ) -> None:
        super().__init__(window)
        self.window: QMainWindow = window
        self.controller = controller
        self.exchange = exchange
        self.app = app
        self.export_action = self._action("&Export conversation…", "export_conversation_action")
        self.export_action.triggered.connect(lambda: self.export_conversation(None))
        self.export_all_action = self._action("Export &all conversations…", "export_all_action")
        self.export_all_action.triggered.connect(self.export_all)
        self.import_action = self._action("&Import…", "import_action")
        self.import_action.triggered.connect(self.import_file)
        self._add_to_file_menu()
        controller.conversation_opened.connect(self._on_controller_conversation_opened)
        self._on_controller_conversation_opened(controller.conversation)
        sidebar = getattr(window, "sidebar", None)
        if sidebar is not None and hasattr(sidebar, "export_requested"):
            sidebar.export_requested.connect(self.export_conversation)

    def _action(self, text: str, name: str) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        return action

    def _add_to_file_menu(self) -> None:
        menu = self._file_menu()
        quit_action = next((a for a in menu.actions() if a.text() == "&Quit"), None)
        actions = [self.export_action, self.export_all_action, self.import_action]
        if quit_action is None:
            menu.addActions(actions)
            return
        menu.insertActions(quit_action, actions)
        menu.insertSeparator(quit_action)

    def _file_menu(self) -> QMenu:
        bar = self.window.menuBar()
        for action in bar.actions():
            if action.text() == "&File" and action.menu() is not None:
                return action.menu()  # type: ignore[return-value]
        return bar.addMenu("&File")

    def _on_controller_conversation_opened(
        self, conversation: Conversation | None, *_: Any
    ) -> None:
        self.export_action.setEnabled(conversation is not None)

    # -- export -----------------------------------------------------------------------------------

    def export_conversation(self, conversation_id: int | None = None) -> None:
        """Ask where, then export one conversation (the open one when None)."""
        current = self.controller.conversation
        if conversation_id is None:
            if current is None:
                return
            conversation_id = current.id
        title = self._title(conversation_id)
        path, chosen = self._save_path("Export conversation", safe_stem(title) + ".md")
        if path:
            self._export([conversation_id], path, chosen)

    def export_all(self) -> None:
        """Ask where, then export every conversation (JSON: one file; Markdown: a folder)."""
        path, chosen = self._save_path("Export all conversations", "Claude Desk conversations.json")
        if path:
            self._export(None, path, chosen)

    def _title(self, conversation_id: int) -> str:
        current = self.controller.conversation
        if current is not None and current.id == conversation_id:
            return current.title
        sidebar = getattr(self.window, "sidebar", None)
        model = getattr(sidebar, "model", None)
        if model is not None:
            row = model.row_of(conversation_id)
            if row >= 0:
                return str(model.conversation_at(row).title)
        return "conversation"

    def _save_path(self, caption: str, name: str) -> tuple[str, str]:
        start = os.path.join(self.exchange.folder(), name)
        first = JSON_FILTER if name.endswith(".json") else MARKDOWN_FILTER
        second = MARKDOWN_FILTER if first == JSON_FILTER else JSON_FILTER
        path, chosen = QFileDialog.getSaveFileName(
            self.window, caption, start, f"{first};;{second}", first
        )
        return (with_suffix(path, kind_of(path, chosen)), chosen) if path else ("", "")

    def _export(self, ids: list[int] | None, path: str, chosen: str) -> None:
        if self._busy():
            return
        catalog = self.controller.catalog
        spec_for = lambda model: catalog.get(model)  # noqa: E731
        args = (self.exchange, ids, path, kind_of(path, chosen), spec_for, self.app)
        self._run("Exporting…", "export_conversations", args, self._on_exported)

    # -- import -----------------------------------------------------------------------------------

    def import_file(self) -> None:
        """Ask for a Claude Desk or claude.ai export and add its conversations as new ones."""
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Import conversations", self.exchange.folder(), IMPORT_FILTER
        )
        if not path or self._busy():
            return
        settings = ConversationSettings(model=self.controller.catalog.default_model)
        self._run("Importing…", "import_file", (self.exchange, path, settings), self._on_imported)

    # -- running ----------------------------------------------------------------------------------

    def _busy(self) -> bool:
        if self.controller.tasks.running(GROUP):
            self._status("An export or import is still running; wait for it to finish.")
            return True
        return False

    def _run(
        self, status: str, job: str, args: tuple[Any, ...], done: Callable[[Any], None]
    ) -> None:
        import asyncio

        self._set_enabled(False)
        self._status(status)
        work = asyncio.to_thread(run_ui_first, run_job, job, args)
        self.controller.tasks.start(GROUP, work, on_done=lambda task: self._on_done(task, done))

    def _on_done(self, task: asyncio.Task[Any], done: Callable[[Any], None]) -> None:
        self._set_enabled(True)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self._report_failure(error)
        else:
            done(task.result())

    def _on_exported(self, summary: str) -> None:
        self._status(summary)
        self.finished.emit(summary)

    def _on_imported(self, outcome: jobs.ImportOutcome) -> None:
        summary = outcome.summary
        self.controller.conversations_changed.emit()
        if outcome.result.imported:
            self.controller.open_conversation(outcome.result.imported[0])
        if outcome.result.failed:
            QMessageBox.warning(self.window, "Import incomplete", summary)
        self._status(summary)
        self.finished.emit(summary)

    def _report_failure(self, error: BaseException) -> None:
        if isinstance(error, DeskError):
            message, title = error.message, error.title
        else:
            log.error("export or import failed", exc_info=error)
            message, title = f"Something went wrong: {error}", "Export or import failed"
        self._status(message)
        QMessageBox.warning(self.window, title, message)
        self.failed.emit(message)

    def _set_enabled(self, enabled: bool) -> None:
        for action in (self.export_all_action, self.import_action):
            action.setEnabled(enabled)
        self.export_action.setEnabled(enabled and self.controller.conversation is not None)

    def _status(self, message: str) -> None:
        self.window.statusBar().showMessage(message, STATUS_MS)


def run_job(name: str, args: tuple[Any, ...]) -> Any:
    """In a worker thread: the job `name` of `desktop.ui.exchange.jobs` (imported there, off
    the UI thread: the formats' modules take tens of ms to load)."""
    from desktop.ui.exchange import jobs

    return getattr(jobs, name)(*args)


def kind_of(path: str, chosen_filter: str) -> str:
    """ "markdown" or "json", by the file's suffix, else by the filter picked in the dialog."""
    suffix = Path(path).suffix.lower()
    if suffix in (".md", ".markdown"):
        return MARKDOWN
    if suffix == ".json":
        return JSON
    return MARKDOWN if chosen_filter == MARKDOWN_FILTER else JSON


def with_suffix(path: str, kind: str) -> str:
    """`path` ending in .md or .json as `kind` asks (a name typed without one gets it)."""
    suffix = ".md" if kind == MARKDOWN else ".json"
    return path if Path(path).suffix.lower() in (suffix, ".markdown") else path + suffix
