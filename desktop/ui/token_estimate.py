"""The live estimate before sending: exact input tokens from the count endpoint, and their price.

Typing restarts a 400 ms timer; when it fires, one count request runs in the "count" task
group, which cancels the request it supersedes; the new request goes out only once the old one
has ended (its connection closed), so at most one is in flight, and typing never waits.
Offline or on an error the estimate falls back to a local guess shown with "≈".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.conversation import Message, MessageStatus, Role, text_block
from desktop.core.errors import DeskError, StorageError
from desktop.core.pricing import format_usd, input_cost
from desktop.core.requests import (
    build_params,
    local_token_estimate,
    without_documents,
    without_images,
)

if TYPE_CHECKING:
    import asyncio

    from desktop.ui.chat_controller import ChatController

DEBOUNCE_MS = 400
COUNT_GROUP = "count"


class TokenEstimator(QObject):
    estimate_changed = Signal(str, str)  # label, tooltip

    def __init__(self, controller: ChatController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._text = ""
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._history: list[Message] | None = None
        self._history_key: tuple[int | None, int] = (None, -1)
        self.requests_started = 0
        self._count_task: asyncio.Task[Any] | None = None

    def draft_changed(self, text: str) -> None:
        """The composer's text or the attachments changed: count again once typing pauses."""
        self._text = text
        self._timer.start()

    def history_changed(self) -> None:
        self._history = None
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        controller = self._controller
        documents = self._documents()
        if not self._text.strip() and not self._pending_blocks() and not documents:
            controller.tasks.cancel(COUNT_GROUP)
            self.estimate_changed.emit("", "")
            return
        spec = controller.catalog.get(controller.settings.model)
        params, image_tokens = without_images(self._draft_params(documents), spec)
        params, document_tokens, documents_counted = without_documents(params)
        self.requests_started += 1
        extra = (image_tokens + document_tokens, not image_tokens and documents_counted)
        superseded = self._count_task
        work = self._count(params, extra, spec, superseded)
        self._count_task = controller.tasks.start(COUNT_GROUP, work)

    async def _count(
        self,
        params: dict[str, Any],
        extra: tuple[int, bool],
        spec: Any,
        superseded: asyncio.Task[Any] | None = None,
    ) -> None:
        """Count `params`; `extra` is (tokens counted elsewhere, whether they are exact).

        A superseded count is cancelled by the task group; wait until it has closed its
        request, so at most one count is in flight.
        """
        if superseded is not None and not superseded.done():
            import asyncio

            await asyncio.wait([superseded])
        backend = self._controller.backend
        exact = backend is not None and bool(params["messages"])
        try:
            tokens = await backend.count_tokens(params) if exact and backend is not None else 0
        except DeskError:
            exact = False
        if not exact:
            tokens = local_token_estimate(params) if params["messages"] else 0
        extra_tokens, extra_exact = extra
        tokens += extra_tokens
        counted = exact or not params["messages"]
        self._show(tokens, counted and extra_exact, counted, spec)

    def _show(self, tokens: int, all_exact: bool, counted: bool, spec: Any) -> None:
        price = input_cost(tokens, spec)
        mark = "" if all_exact else "≈"
        label = f"{mark}{tokens:,} tokens in"
        label += f" · {mark}{format_usd(price)}" if price is not None else " · price unknown"
        tip = "Input tokens of this message with the conversation so far"
        if not counted:
            tip += " — estimated locally: the count endpoint could not be reached"
        elif not all_exact:
            tip += " — images estimated from their prepared size, or documents not yet counted"
        self.estimate_changed.emit(label, tip + ".")

    def _documents(self) -> list[dict[str, Any]]:
        documents = self._controller.documents
        return documents.blocks() if documents is not None else []

    def _draft_params(self, documents: list[dict[str, Any]]) -> dict[str, Any]:
        controller = self._controller
        conversation = controller.conversation
        history = self._load_history()
        blocks = self._pending_blocks()
        if self._text.strip():
            blocks.append(text_block(self._text))
        draft = Message(conversation.id if conversation else 0, Role.USER, blocks)
        settings = controller.settings
        spec = controller.catalog.get(settings.model)
        return build_params(settings, spec, [*history, draft], documents)

    def _load_history(self) -> list[Message]:
        """The open conversation's messages, read once and reused until an answer lands."""
        conversation = self._controller.conversation
        key = (conversation.id if conversation else None, id(conversation))
        if self._history is None or key != self._history_key:
            self._history_key = key
            self._history = []
            if conversation is not None:
                try:
                    self._history = [
                        m
                        for m in self._controller.store.load_messages(conversation.id)
                        if m.status is not MessageStatus.STREAMING
                    ]
                except StorageError:
                    self._history = []
        return self._history

    def _pending_blocks(self) -> list[dict[str, Any]]:
        pending = self._controller.attachments
        if pending is None:
            return []
        return pending.blocks()
