"""Batches in the main window: the Batches menu, the end-of-batch notification, and opening a
result as a normal conversation.

Notification: `QSystemTrayIcon.showMessage` when the desktop has a system tray; otherwise an
in-app notice (the main window's status bar and the Batches window's notice line).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon

from desktop.core.batch_results import BatchRecord, ResultRow
from desktop.core.conversation import (
    Block,
    ConversationSettings,
    Message,
    Role,
    text_block,
    title_from_text,
)
from desktop.core.documents import Document, is_stored_document
from desktop.core.errors import StorageError
from desktop.ui.batches.controller import BatchesController
from desktop.ui.batches.view import BatchesView, ended_message

NOTICE_MS = 60_000


class Notifier:
    """A desktop notification if there is a tray, else a notice in the window."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.tray: QSystemTrayIcon | None = None
        self.mode = "tray" if QSystemTrayIcon.isSystemTrayAvailable() else "in-app"

    def notify(self, title: str, message: str) -> None:
        if self.mode == "tray":
            if self.tray is None:
                self.tray = QSystemTrayIcon(QApplication.windowIcon(), self.window)
                self.tray.setToolTip("Claude Desk")
                self.tray.show()
            self.tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 10_000)
        self.window.statusBar().showMessage(message, NOTICE_MS)


class BatchesFeature(QObject):
    """Owns the Batches window (made on first use) and connects it to the chat."""

    def __init__(self, window: Any, controller: BatchesController) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.view: BatchesView | None = None
        self.notifier = Notifier(window)
        self._add_menu()
        window.add_spend_source(controller.store.batch_usage_records)  # batch rows in Spend
        controller.batch_ended.connect(self._on_controller_batch_ended)
        window.closing.connect(self._on_window_closing)

    def _on_window_closing(self) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        """The app is quitting: stop polling, timers, and close the Batches window."""
        self.controller.close()
        if self.view is not None:
            self.view.form.stop()
            self.view.close()
            self.view.deleteLater()
            self.view = None

    def _add_menu(self) -> None:
        menu_bar = self.window.menuBar()
        menu = menu_bar.addMenu("&Batches")
        help_menu = next((a for a in menu_bar.actions() if a.text() == "&Help"), None)
        if help_menu is not None:
            menu_bar.insertMenu(help_menu, menu)
        self.open_action = QAction("&Batches…", self.window, shortcut=QKeySequence("Ctrl+B"))
        self.open_action.setObjectName("batches_action")
        self.open_action.triggered.connect(self.show_view)
        self.queue_action = QAction(
            "Send composer text to the &batch queue",
            self.window,
            shortcut=QKeySequence("Ctrl+Shift+B"),
        )
        self.queue_action.setObjectName("batch_queue_action")
        self.queue_action.triggered.connect(self.queue_composer_text)
        menu.addActions([self.open_action, self.queue_action])

    def show_view(self) -> BatchesView:
        if self.view is None:
            settings = self.window.controller.settings.copy()
            self.view = BatchesView(self.controller, settings, exports=self.window.exports)
            self.view.open_conversation_requested.connect(self.open_as_conversation)
            self.window.controller.blob_keepers.append(self._form_blobs)
        self.view.show()
        self.view.raise_()
        self.view.activateWindow()
        return self.view

    def _form_blobs(self) -> set[str]:
        """The new batch's shared documents (not stored anywhere else yet)."""
        form = self.view.form if self.view is not None else None
        return form.documents.hashes() if form is not None and form.documents else set()

    def queue_composer_text(self) -> None:
        """Move the composer's text into the New batch form instead of sending it."""
        text = self.window.composer.toPlainText()
        if not text.strip():
            self.window.statusBar().showMessage("Type a prompt first, then queue it.", 5000)
            return
        view = self.show_view()
        view.form.queue_text(text)
        view.tabs.setCurrentIndex(0)
        self.window.composer.clear()

    def _on_controller_batch_ended(self, record: BatchRecord) -> None:
        self.notifier.notify("Batch ended", ended_message(record))

    def open_as_conversation(self, record: BatchRecord, row: ResultRow) -> None:
        self.controller.tasks.start("batch-open", self._open(record, row))

    async def _open(self, record: BatchRecord, row: ResultRow) -> None:
        import asyncio

        stored = await asyncio.to_thread(
            self.controller.store.request_params, record.id, [row.custom_id]
        )
        params = stored[0][2] if stored else {"messages": [{"role": "user", "content": row.prompt}]}
        chat = self.window.controller
        settings = ConversationSettings.from_dict(record.settings)
        try:
            conversation = chat.store.create_conversation(settings)
            chat.store.rename_conversation(conversation.id, title_from_text(row.prompt))
            for document in _documents(record):
                chat.store.add_document(conversation.id, document)
            for message in _messages(conversation.id, params, row):
                chat.store.add_message(message)
        except StorageError as error:
            self.window.statusBar().showMessage(error.message, 10_000)
            return
        conversation.title = title_from_text(row.prompt)
        chat.conversations_changed.emit()
        chat.open_conversation(conversation)
        self.window.raise_()
        self.window.activateWindow()


def _documents(record: BatchRecord) -> list[Document]:
    """The batch's shared documents (they become the conversation's context)."""
    return [Document.from_dict(d) for d in record.settings.get("documents") or []]


def _messages(conversation_id: int, params: dict[str, Any], row: ResultRow) -> list[Message]:
    """The request's messages, then the batch's answer, as stored chat messages.

    Shared documents and cache markers are left out: the documents are the conversation's
    context, and the chat places its own breakpoints."""
    out = []
    for message in params.get("messages") or []:
        content = message.get("content")
        blocks: list[Block] = [text_block(content)] if isinstance(content, str) else list(content)
        blocks = [_unmarked(b) for b in blocks if not is_stored_document(b)]
        if blocks:
            out.append(Message(conversation_id, Role(message["role"]), blocks))
    r = row.result
    out.append(
        Message(
            conversation_id,
            Role.ASSISTANT,
            list(r.content) or [text_block(r.text)],
            model=r.model or str(params.get("model") or ""),
            stop_reason=r.stop_reason,
            usage=None,  # its cost is counted once, with the batch (Spend: batch records)
        )
    )
    return out


def _unmarked(block: Block) -> Block:
    return {key: value for key, value in block.items() if key != "cache_control"}
