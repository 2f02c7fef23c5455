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

    from desktop.ui.chat.controller import ChatController

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
        self.requests_started = 0
        self._count_task: asyncio.Task[Any] | None = None

    def draft_changed(self, text: str) -> None:
        """The composer's text or the attachments changed: count again once typing pauses."""
        self._text = text
        self._timer.start()

    def history_changed(self) -> None:
        """Another conversation opened or an answer landed: count again (the controller keeps
        the history; nothing is read here)."""
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        controller = self._controller
        documents = self._documents()
        if not self._text.strip() and not self._pending_blocks() and not documents:
            controller.tasks.cancel(COUNT_GROUP)
            self.estimate_changed.emit("", "")
            return
        self.requests_started += 1
        superseded = self._count_task
        work = self._count(self._text, documents, superseded)
        self._count_task = controller.tasks.start(COUNT_GROUP, work)

    async def _count(
        self,
        text: str,
        documents: list[dict[str, Any]],
        superseded: asyncio.Task[Any] | None = None,
    ) -> None:
        """Count the draft `text` after the history, with `documents` and the pending images.

        A superseded count is cancelled by the task group; wait until it has closed its
        request, so at most one count is in flight.
        """
        if superseded is not None and not superseded.done():
            import asyncio

            await asyncio.wait([superseded])
        spec = self._controller.catalog.get(self._controller.settings.model)
        params, extra = await self._params(text, documents, spec)
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

    async def _params(
        self, text: str, documents: list[dict[str, Any]], spec: Any
    ) -> tuple[dict[str, Any], tuple[int, bool]]:
        """What to count, and (tokens counted elsewhere, whether they are exact)."""
        try:  # nearly always at hand; read in a worker right after a long conversation opens
            history = await self._controller.history.wait()
        except StorageError:
            history = []
        params, image_tokens = without_images(self._draft_params(text, documents, history), spec)
        params, document_tokens, documents_counted = without_documents(params)
        return params, (image_tokens + document_tokens, not image_tokens and documents_counted)

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

    def _draft_params(
        self, text: str, documents: list[dict[str, Any]], history: list[Message]
    ) -> dict[str, Any]:
        controller = self._controller
        conversation = controller.conversation
        blocks = self._pending_blocks()
        if text.strip():
            blocks.append(text_block(text))
        draft = Message(conversation.id if conversation else 0, Role.USER, blocks)
        settings = controller.settings
        spec = controller.catalog.get(settings.model)
        past = [m for m in history if m.status is not MessageStatus.STREAMING]
        params = build_params(settings, spec, [*past, draft], documents)
        local = controller.local_tools
        if settings.tools.local_tools and local is not None and (tools := local.known_params()):
            params["tools"] = [*params.get("tools", []), *tools]  # the running servers' tools
        return params

    def _pending_blocks(self) -> list[dict[str, Any]]:
        pending = self._controller.attachments
        if pending is None:
            return []
        return pending.blocks()
