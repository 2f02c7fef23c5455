"""The open conversation's whole history, read from the store once and then kept up to date.

Opening a conversation shows its last page; when that page is the whole conversation it is the
history as well, otherwise every message is read in a worker thread (a 3,000-message
conversation takes ~30 ms to read and decode). From then on the controller reports each message
it adds, saves or deletes, so sending, the image checks and the token estimate never read the
whole conversation again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from desktop.core.conversation import Message
from desktop.core.ports import ConversationStore
from desktop.ui.common.gil import run_ui_first
from desktop.ui.common.tasks import TaskRegistry

if TYPE_CHECKING:
    import asyncio

READ_GROUP = "history-read"

_Change = tuple[str, Any]  # ("added" | "updated", Message) or ("removed", message ids)


class OpenHistory(QObject):
    """Every message of the open conversation (oldest first), or None until it has been read."""

    loaded = Signal()  # the worker's read arrived

    def __init__(
        self, store: ConversationStore, tasks: TaskRegistry, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._tasks = tasks
        self.conversation_id: int | None = None
        self._messages: list[Message] | None = []
        self._pending: list[_Change] = []  # changes made while the worker reads
        self._reading: asyncio.Task[Any] | None = None
        self.version = 0  # changes whenever the history does (for caches derived from it)

    @property
    def is_loaded(self) -> bool:
        return self._messages is not None

    def open(self, conversation_id: int | None, messages: list[Message] | None) -> None:
        """Follow another conversation; `messages` is its whole history when known (else None:
        it is read in a worker thread)."""
        self._tasks.cancel(READ_GROUP)
        self._reading = None
        self.conversation_id = conversation_id
        self._pending = []
        self.version += 1
        if conversation_id is None:
            self._messages = []
        elif messages is not None:
            self._messages = list(messages)
        else:
            self._messages = None
            self._start_read(conversation_id)

    def messages(self) -> list[Message]:
        """The whole history; read here (on this thread) only if the worker has not delivered it.

        Raises StorageError when it cannot be read.
        """
        if self._messages is None:
            assert self.conversation_id is not None
            self._tasks.cancel(READ_GROUP)
            self._reading = None
            self._messages = self._store.load_messages(self.conversation_id)
            self._replay()
        return self._messages

    async def wait(self) -> list[Message]:
        """The whole history, waiting for the worker's read if it is still running."""
        import asyncio

        reading = self._reading
        if self._messages is None and reading is not None and not reading.done():
            await asyncio.wait([reading])
        return self.messages()

    # -- changes made by the controller -------------------------------------------------------

    def added(self, message: Message) -> None:
        self._change(("added", message))

    def updated(self, message: Message) -> None:
        self._change(("updated", message))

    def removed(self, *message_ids: int) -> None:
        self._change(("removed", frozenset(message_ids)))

    def _change(self, change: _Change) -> None:
        kind, value = change
        if kind != "removed" and value.conversation_id != self.conversation_id:
            return  # e.g. the answer of a conversation closed while it streamed
        self.version += 1
        if self._messages is None:
            self._pending.append(change)  # the read may or may not see it: replayed after
        else:
            _apply(self._messages, change)

    # -- reading ------------------------------------------------------------------------------

    def _start_read(self, conversation_id: int) -> None:
        import asyncio

        work = asyncio.to_thread(run_ui_first, self._store.read_messages, conversation_id)

        def on_done(task: asyncio.Task[Any]) -> None:
            if task is not self._reading or self._messages is not None:
                return  # another conversation opened, or the history was read meanwhile
            self._reading = None
            if task.cancelled() or task.exception() is not None:
                return  # `messages()` reads it (and reports the problem) when it is needed
            self._messages = task.result()
            self._replay()
            self.version += 1
            self.loaded.emit()

        self._reading = self._tasks.start(READ_GROUP, work, on_done)

    def _replay(self) -> None:
        assert self._messages is not None
        for change in self._pending:
            _apply(self._messages, change)
        self._pending = []


def _apply(messages: list[Message], change: _Change) -> None:
    """Apply one change; each is idempotent (the read may already hold its result)."""
    kind, value = change
    if kind == "removed":
        messages[:] = [m for m in messages if m.id not in value]
        return
    index = _index(messages, value.id)
    if index is not None:
        messages[index] = value
    elif kind == "added":
        messages.append(value)


def _index(messages: list[Message], message_id: int | None) -> int | None:
    """Where the message is (searched from the end: changes are nearly always to the last)."""
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].id == message_id:
            return index
    return None
