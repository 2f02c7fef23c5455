"""The open conversation's context documents: read and checked off the UI thread, kept in order.

Adding a file or a pasted text reads and checks it in a worker thread (PDF page count,
encryption, damage; text decoding), stores its bytes as a blob and, once the conversation
exists, a row in the history. The count endpoint then gives its exact tokens for the current
model (a local guess, shown with ≈, stands until then or when offline).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from desktop.core.documents import (
    Document,
    api_block,
    check_documents,
    check_new_document,
    stored_block,
)
from desktop.core.errors import DeskError, StorageError
from desktop.core.names import file_name
from desktop.core.ports import (
    AttachmentStore,
    ConversationStore,
    DocumentPreparer,
    PreparedDocument,
    TokenCounter,
)
from desktop.ui.common.gil import run_ui_first
from desktop.ui.common.tasks import TaskRegistry

if TYPE_CHECKING:
    import asyncio

    from desktop.core.catalog import ModelSpec

PREP_GROUP = "document:"
COUNT_GROUP = "document-count:"
WAIT_FOR_DOCUMENTS = "Documents are still being read; send again in a moment."


@dataclass(eq=False)
class DocumentItem:
    """One document in the panel; `document` is None while it is being read."""

    id: int
    name: str
    document: Document | None = None

    @property
    def preparing(self) -> bool:
        return self.document is None


class ContextDocuments(QObject):
    """The documents sent at the start of every request of the open conversation.

    Without a `store` it is a list that is never saved (a new batch's shared documents).
    """

    changed = Signal()  # added, removed, reordered, read, or counted
    failed = Signal(str)  # a document could not be used; it was not added

    def __init__(
        self,
        store: ConversationStore | None,
        blobs: AttachmentStore,
        preparer: DocumentPreparer,
        tasks: TaskRegistry,
        spec: Callable[[], ModelSpec],
        backend: Callable[[], TokenCounter | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._blobs = blobs
        self._preparer = preparer
        self._tasks = tasks
        self._spec = spec
        self._backend = backend
        self._items: list[DocumentItem] = []
        self._ids = itertools.count(1)
        self.conversation_id: int | None = None
        self._counted_model = spec().id  # the model whose tokenizer counted the documents

    # -- reading ----------------------------------------------------------------------------

    @property
    def items(self) -> list[DocumentItem]:
        return list(self._items)

    @property
    def preparing(self) -> bool:
        return any(item.preparing for item in self._items)

    def problem(self, spec: ModelSpec) -> str | None:
        """Why the documents cannot be sent to `spec`'s model now (None: they can)."""
        if self.preparing:
            return WAIT_FOR_DOCUMENTS
        return " ".join(check_documents(self.documents(), spec)) or None

    def documents(self) -> list[Document]:
        return [item.document for item in self._items if item.document is not None]

    def blocks(self) -> list[dict[str, Any]]:
        """Stored document blocks, in order (the request builder inlines them)."""
        return [stored_block(document) for document in self.documents()]

    def hashes(self) -> set[str]:
        return {document.sha256 for document in self.documents()}

    # -- conversation ---------------------------------------------------------------------------

    def show_conversation(self, conversation_id: int | None) -> None:
        """Another conversation opened (None: a new draft, which starts without documents)."""
        if conversation_id == self.conversation_id and conversation_id is not None:
            return
        self._tasks.cancel_prefix(PREP_GROUP)
        self._tasks.cancel_prefix(COUNT_GROUP)
        self.conversation_id = conversation_id
        documents: list[Document] = []
        if conversation_id is not None and self._store is not None:
            try:
                documents = self._store.list_documents(conversation_id)
            except StorageError as exc:
                self.failed.emit(exc.message)
        self._items = [DocumentItem(next(self._ids), d.name, d) for d in documents]
        self.changed.emit()

    def attach(self, conversation_id: int) -> None:
        """The draft was saved as a conversation: save its documents with it."""
        self.conversation_id = conversation_id
        for item in self._items:
            if item.document is not None and item.document.id is None:
                item.document = self._save(item.document)
        self._save_order()

    # -- editing --------------------------------------------------------------------------------

    def add_file(self, path: str) -> None:
        self._add(file_name(path), lambda: self._preparer.prepare_file(path))

    def add_text(self, name: str, text: str) -> None:
        self._add(name, lambda: self._preparer.prepare_text(name, text))

    def remove(self, item_id: int) -> None:
        item = self._item(item_id)
        if item is None:
            return
        self._tasks.cancel(f"{PREP_GROUP}{item_id}")
        self._tasks.cancel(f"{COUNT_GROUP}{item_id}")
        self._items.remove(item)
        if self._store is not None and item.document and item.document.id is not None:
            self._guarded(self._store.remove_document, item.document.id)
        self.changed.emit()

    def move(self, item_id: int, delta: int) -> None:
        """Move a document `delta` places (-1: up, 1: down) in the order sent."""
        item = self._item(item_id)
        if item is None:
            return
        index = self._items.index(item)
        target = max(0, min(len(self._items) - 1, index + delta))
        if target == index:
            return
        self._items.insert(target, self._items.pop(index))
        self._save_order()
        self.changed.emit()

    def use_model(self, model: str) -> None:
        """The conversation's model is now `model`: count again if it changed."""
        if model != self._counted_model:
            self._counted_model = model
            self.recount()

    def recount(self) -> None:
        """The model changed: count every document again with its tokenizer."""
        for item in self._items:
            if item.document is not None:
                self._start_count(item)

    # -- internals --------------------------------------------------------------------------

    def _item(self, item_id: int) -> DocumentItem | None:
        return next((item for item in self._items if item.id == item_id), None)

    def _add(self, name: str, prepare: Callable[[], PreparedDocument]) -> None:
        import asyncio

        item = DocumentItem(next(self._ids), name)
        self._items.append(item)
        blobs = self._blobs

        def work() -> Document:
            prepared = prepare()
            blobs.put(prepared.data)
            return prepared.document

        def on_done(task: asyncio.Task[Any]) -> None:
            self._on_prepared(item, task)

        self._tasks.start(f"{PREP_GROUP}{item.id}", asyncio.to_thread(run_ui_first, work), on_done)
        self.changed.emit()

    def _on_prepared(self, item: DocumentItem, task: asyncio.Task[Any]) -> None:
        if task.cancelled() or item not in self._items:
            return
        exc = task.exception()
        document: Document | None = None if exc is not None else task.result()
        problem = None
        if exc is not None:
            problem = exc.message if isinstance(exc, DeskError) else f"{item.name}: {exc}"
        elif document is not None:
            problem = check_new_document(document, self.documents(), self._spec())
        if problem or document is None:
            self._items.remove(item)
            self.changed.emit()
            self.failed.emit(problem or f"{item.name} could not be read.")
            return
        saving = self._store is not None and self.conversation_id is not None
        item.document = self._save(document) if saving else document
        if saving and item is not self._items[-1]:
            self._save_order()  # read before a document listed above it: not last after all
        self.changed.emit()
        self._start_count(item)

    def _save_order(self) -> None:
        """Store the documents in the listed order (the order sent, also after a restart)."""
        ids = [i.document.id for i in self._items if i.document and i.document.id is not None]
        if self._store is not None and self.conversation_id is not None and ids:
            self._guarded(self._store.reorder_documents, self.conversation_id, ids)

    def _save(self, document: Document) -> Document:
        assert self.conversation_id is not None
        if self._store is None:
            return document
        try:
            return self._store.add_document(self.conversation_id, document)
        except StorageError as exc:
            self.failed.emit(exc.message)
            return document

    def _start_count(self, item: DocumentItem) -> None:
        backend = self._backend()
        if backend is None or item.document is None:
            return

        def on_done(task: asyncio.Task[Any]) -> None:
            if not task.cancelled() and task.exception() is None:
                self._on_counted(item, task.result())

        count = self._count(backend, item.document, self._spec().id)
        self._tasks.start(f"{COUNT_GROUP}{item.id}", count, on_done)

    async def _count(self, backend: TokenCounter, document: Document, model: str) -> int | None:
        import asyncio

        blobs = self._blobs

        def block() -> dict[str, Any]:
            return api_block(stored_block(document), blobs.get(document.sha256))

        try:
            content = [await asyncio.to_thread(run_ui_first, block)]
            params = {"model": model, "messages": [{"role": "user", "content": content}]}
            return await backend.count_tokens(params)
        except DeskError:
            return None  # offline or refused: the local guess stays, marked ≈

    def _on_counted(self, item: DocumentItem, tokens: int | None) -> None:
        document = item.document
        if tokens is None or document is None or item not in self._items:
            return
        item.document = document.with_tokens(tokens, exact=True)
        if self._store is not None and document.id is not None:
            self._guarded(self._store.update_document_tokens, document.id, tokens, True)
        self.changed.emit()

    def _guarded(self, func: Callable[..., None], *args: Any) -> None:
        try:
            func(*args)
        except StorageError as exc:
            self.failed.emit(exc.message)
