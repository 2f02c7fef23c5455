"""Sending, streaming, stopping and retrying: the conversation logic behind the chat view.

The controller owns the streaming task of the open conversation (through the TaskRegistry),
saves the answer as it arrives, and reports to views only through signals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.caching import place_breakpoints
from desktop.core.catalog import Catalog
from desktop.core.conversation import (
    Conversation,
    ConversationSettings,
    Message,
    MessageStatus,
    Role,
    text_block,
    title_from_text,
)
from desktop.core.documents import check_documents
from desktop.core.errors import DeskError, StorageError
from desktop.core.images import (
    ImageFacts,
    check_request,
    facts_from_block,
    request_long_edge,
)
from desktop.core.ports import (
    AttachmentStore,
    ChatBackend,
    ConversationStore,
    DocumentPreparer,
    ImagePreparer,
)
from desktop.core.pricing import cost, sum_costs
from desktop.core.requests import build_params
from desktop.core.tree import path_to
from desktop.ui.attachments.pending import THUMBNAIL_SIZE, PendingImages
from desktop.ui.chat.history import OpenHistory
from desktop.ui.common.tasks import TaskRegistry
from desktop.ui.context.documents import WAIT_FOR_DOCUMENTS, ContextDocuments

if TYPE_CHECKING:  # asyncio (~40 ms to import) loads after the window's first paint
    import asyncio

log = logging.getLogger(__name__)

PAGE_SIZE = 30
CONTINUE_PROMPT = "Please continue exactly where you left off."
INTERRUPTED = "The app closed while this answer was streaming; the text up to then was kept."
STREAM_GROUP = "stream"
BLOB_GC_GROUP = "blob-gc"
BLOB_GC_MIN_AGE = 60.0
"""Seconds an unreferenced blob is kept after it was written (or put again)."""
WAIT_FOR_IMAGES = "Images are still being prepared; send again in a moment."


class ChatController(QObject):
    conversations_changed = Signal()
    conversation_opened = Signal(object, list, bool)  # Conversation|None, messages, has_earlier
    earlier_loaded = Signal(list, bool)  # older messages (oldest first), has_earlier
    message_added = Signal(object)  # Message
    message_updated = Signal(object)  # Message: status, stop reason, usage or error changed
    message_removed = Signal(int)
    stream_text = Signal(int, str)  # message id, text delta(s)
    stream_thinking = Signal(int, str)
    wait_started = Signal(int, str, float)  # message id, why, seconds until the retry
    busy_changed = Signal(bool)
    settings_changed = Signal(object)  # ConversationSettings of the open conversation
    catalog_changed = Signal()
    storage_failed = Signal(str)
    cost_changed = Signal(str, str)  # the conversation's total ("$0.0123"), a tooltip
    usage_changed = Signal(object)  # {model: Usage} of the open conversation ({} for a draft)
    send_refused = Signal(str)  # why a message was not sent (images not ready, over limits)
    thumbnail_ready = Signal(str, bytes)  # sha256 of a sent image, PNG thumbnail

    def __init__(
        self,
        store: ConversationStore,
        backend: ChatBackend | None,
        catalog: Catalog,
        tasks: TaskRegistry | None = None,
        parent: QObject | None = None,
        *,
        images: ImagePreparer | None = None,
        blobs: AttachmentStore | None = None,
        documents: DocumentPreparer | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._backend = backend
        self.catalog = catalog
        self.tasks = tasks or TaskRegistry()
        self.conversation: Conversation | None = None
        self.draft_settings = ConversationSettings(model=catalog.default_model)
        self._oldest_loaded_id: int | None = None
        self._streaming_id: int | None = None
        self.history = OpenHistory(store, self.tasks, self)
        self._history_images_cache: tuple[int, list[ImageFacts]] | None = None  # by version
        self._backend_ready: asyncio.Event | None = None  # made on first use, in the loop
        self.blobs = blobs
        self._images = images
        self._thumbnails: dict[str, bytes] = {}
        self.attachments: PendingImages | None = None
        if images is not None and blobs is not None:
            self.attachments = PendingImages(images, blobs, self.tasks, self)
            self.attachments.changed.connect(self._update_long_edge)
            self.settings_changed.connect(self._update_long_edge)
            self.history.loaded.connect(self._update_long_edge)
            self._update_long_edge()
        self.documents: ContextDocuments | None = None
        self.blob_keepers: list[Callable[[], set[str]]] = []  # blobs in use elsewhere (batches)
        if documents is not None and blobs is not None:
            self._setup_documents(documents, blobs)

    # -- services -------------------------------------------------------------------------

    def _setup_documents(self, preparer: DocumentPreparer, blobs: AttachmentStore) -> None:
        docs = ContextDocuments(
            self._store,
            blobs,
            preparer,
            self.tasks,
            lambda: self.catalog.get(self.settings.model),
            lambda: self._backend,
            self,
        )
        self.documents = docs
        self.conversation_opened.connect(lambda c, *_: docs.show_conversation(c and c.id))
        self._counted_model = self.settings.model

        def on_settings(settings: ConversationSettings) -> None:
            if settings.model != self._counted_model:
                self._counted_model = settings.model
                docs.recount()

        self.settings_changed.connect(on_settings)

    def set_backend(self, backend: ChatBackend) -> None:
        self._backend = backend
        if self._backend_ready is not None:
            self._backend_ready.set()

    async def ready_backend(self) -> ChatBackend:
        """The backend, waiting for it while the app is still starting (the SDK loads late)."""
        import asyncio

        if self._backend is None:
            if self._backend_ready is None:
                self._backend_ready = asyncio.Event()
            await self._backend_ready.wait()
        assert self._backend is not None
        return self._backend

    @property
    def store(self) -> ConversationStore:
        return self._store

    @property
    def backend(self) -> ChatBackend | None:
        return self._backend

    async def refresh_models(self) -> None:
        """Add the account's models that models.toml does not know."""
        if self._backend is None:
            return
        try:
            remote = await self._backend.list_models()
        except DeskError as exc:
            log.info("models list unavailable: %s", exc.message)
            return
        self.catalog = self.catalog.with_account_models(remote)
        self.catalog_changed.emit()

    # -- conversations --------------------------------------------------------------------

    @property
    def settings(self) -> ConversationSettings:
        return self.conversation.settings if self.conversation else self.draft_settings

    @property
    def is_streaming(self) -> bool:
        """True from sending until the answer's final state has been reported."""
        return self._streaming_id is not None

    def list_conversations(
        self, limit: int | None = None, after: Conversation | None = None
    ) -> list[Conversation]:
        """Newest first: all, or the page of `limit` after `after` (see the store)."""
        try:
            return self._store.list_conversations(limit, after)
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
            return []

    def new_conversation(self) -> None:
        """Open an empty draft; it is saved when the first message is sent."""
        self.stop()
        base = self.settings.copy()
        base.system_prompt = ""
        self.conversation = None
        self.draft_settings = base
        self._oldest_loaded_id = None
        self.history.open(None, [])
        self.conversation_opened.emit(None, [], False)
        self.settings_changed.emit(self.settings)
        self._show_cost()

    def open_conversation(self, conversation: Conversation) -> None:
        self.stop()
        try:
            messages = self._store.load_messages(conversation.id, limit=PAGE_SIZE)
            total = self._store.count_messages(conversation.id)
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
            return
        # The page is the whole history of a short conversation; a longer one's is read
        # in a worker thread.
        self.history.open(conversation.id, messages if total <= len(messages) else None)
        self._mark_interrupted(messages)
        self.conversation = conversation
        self._oldest_loaded_id = messages[0].id if messages else None
        self.conversation_opened.emit(conversation, messages, total > len(messages))
        self.settings_changed.emit(conversation.settings)
        self._show_cost()

    def _mark_interrupted(self, messages: list[Message]) -> None:
        """Answers still marked streaming were cut off by a quit or crash: keep them as stopped
        (saved, which also indexes their text for search)."""
        for message in messages:
            if message.status is MessageStatus.STREAMING and message.id != self._streaming_id:
                message.status = MessageStatus.STOPPED
                message.error = INTERRUPTED
                self.save_answer(message)

    def load_earlier(self) -> None:
        if self.conversation is None or self._oldest_loaded_id is None:
            return
        try:
            older = self._store.load_messages(
                self.conversation.id, PAGE_SIZE + 1, before_id=self._oldest_loaded_id
            )
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
            return
        page = older[-PAGE_SIZE:]
        self._mark_interrupted(page)
        if page:
            self._oldest_loaded_id = page[0].id
        self.earlier_loaded.emit(page, len(older) > len(page))

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        title = " ".join(title.split()) or "Untitled"
        self._guarded(self._store.rename_conversation, conversation_id, title)
        if self.conversation and self.conversation.id == conversation_id:
            self.conversation.title = title
        self.conversations_changed.emit()

    def delete_conversation(self, conversation_id: int) -> None:
        if self.conversation and self.conversation.id == conversation_id:
            self.new_conversation()
        self._guarded(self._store.delete_conversation, conversation_id)
        self.conversations_changed.emit()
        self._collect_blobs()

    def _collect_blobs(self) -> None:
        """Delete, in a worker thread, the blobs no stored message or pending image uses."""
        if self.blobs is None:
            return
        try:
            referenced = self._store.referenced_blobs()
        except StorageError as exc:
            log.warning("attachments not collected: %s", exc.message)
            return
        if self.attachments is not None:
            referenced |= self.attachments.hashes()
        if self.documents is not None:
            referenced |= self.documents.hashes()
        for keeper in self.blob_keepers:
            referenced |= keeper()
        import asyncio

        blobs = self.blobs
        # Pending images name their blobs before writing them; blobs written (or put again)
        # in the last minute are kept as well, for whatever may still be on its way.
        collect = asyncio.to_thread(blobs.delete_unreferenced, referenced, min_age=BLOB_GC_MIN_AGE)
        self.tasks.start(BLOB_GC_GROUP, collect)

    def load_blob(self, sha256: str) -> bytes | None:
        """An attachment's bytes (for a full-size preview); None if it cannot be read."""
        if self.blobs is None:
            return None
        try:
            return self.blobs.get(sha256)
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
            return None

    def thumbnail(self, sha256: str) -> bytes | None:
        """A sent image's thumbnail if known; else one is made and `thumbnail_ready` follows."""
        cached = self._thumbnails.get(sha256)
        if cached is not None or self._images is None or self.blobs is None:
            return cached
        group = f"thumbnail:{sha256}"
        if not self.tasks.running(group):
            import asyncio

            images, blobs = self._images, self.blobs

            def make() -> bytes:
                return images.thumbnail(blobs.get(sha256), THUMBNAIL_SIZE)

            def on_done(task: asyncio.Task[Any]) -> None:
                if not task.cancelled() and task.exception() is None:
                    self._thumbnails[sha256] = task.result()
                    self.thumbnail_ready.emit(sha256, task.result())

            self.tasks.start(group, asyncio.to_thread(make), on_done)
        return None

    def _update_long_edge(self, *_args: object) -> None:
        """Pending images are prepared for the open conversation's model."""
        if self.attachments is None or not self.history.is_loaded:
            return  # called again when the history has been read
        spec = self.catalog.get(self.settings.model)
        count = len(self.attachments.items) + len(self._history_images())
        self.attachments.set_long_edge(request_long_edge(spec, count))

    def _history_images(self) -> list[ImageFacts]:
        """Images already in the open conversation; found once per change of the history."""
        try:
            history = self.history.messages()
        except StorageError:
            return []
        cached = self._history_images_cache
        if cached is not None and cached[0] == self.history.version:
            return cached[1]
        facts = [f for m in history for b in m.content if (f := facts_from_block(b)) is not None]
        self._history_images_cache = (self.history.version, facts)
        return facts

    def update_settings(self, settings: ConversationSettings) -> None:
        if self.conversation is None:
            self.draft_settings = settings
        else:
            self.conversation.settings = settings
            self._guarded(self._store.update_settings, self.conversation.id, settings)
        self.settings_changed.emit(settings)

    # -- sending --------------------------------------------------------------------------

    def send(self, text: str, with_images: bool = True) -> bool:
        """Save the user's message (with the pending images) and stream the answer.

        False if nothing was sent: no text nor images, images still preparing or over the
        model's limits (`send_refused` says why), or the message could not be saved.
        """
        pending = self.attachments if with_images else None
        images = pending.ready() if pending is not None else []
        blocks = pending.blocks() if pending is not None else []  # prepared ones and URLs
        if self.is_streaming:
            return False
        if not text.strip() and not blocks:
            if pending is not None and pending.preparing:  # only images, not ready yet: say so
                self.send_refused.emit(WAIT_FOR_IMAGES)
            return False
        problem = self._image_problem(images) if pending is not None else None
        problem = problem or self._document_problem()
        if problem:
            self.send_refused.emit(problem)
            return False
        if text.strip():
            blocks.append(text_block(text))
        try:
            conversation = self._ensure_conversation(text)
            user = self._store.add_message(Message(conversation.id, Role.USER, blocks))
            self.history.added(user)
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
            return False
        if pending is not None:
            for item in pending.items:
                if item.prepared is not None and item.thumbnail:
                    self._thumbnails[item.prepared.sha256] = item.thumbnail
            pending.clear()
        self.message_added.emit(user)
        QTimer.singleShot(0, self.conversations_changed.emit)
        self._start_answer(user.id)
        return True

    def _image_problem(self, images: list[Any]) -> str | None:
        assert self.attachments is not None
        if self.attachments.preparing:
            return WAIT_FOR_IMAGES
        facts = self._history_images() + [image.facts for image in images]
        if not facts:
            return None
        problems = check_request(facts, self.catalog.get(self.settings.model))
        return " ".join(problems) or None

    def _document_problem(self) -> str | None:
        if self.documents is None:
            return None
        if self.documents.preparing:
            return WAIT_FOR_DOCUMENTS
        spec = self.catalog.get(self.settings.model)
        return " ".join(check_documents(self.documents.documents(), spec)) or None

    def continue_answer(self) -> bool:
        """After a max_tokens cut: ask Claude to go on (no prefill on current models)."""
        return self.send(CONTINUE_PROMPT, with_images=False)

    def retry(self, message_id: int) -> None:
        """Drop a failed or stopped answer and ask again."""
        if self.is_streaming or self.conversation is None:
            return
        try:
            self._store.delete_message(message_id)
            self.history.removed(message_id)
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
        self.message_removed.emit(message_id)
        self._start_answer()

    def stop(self) -> None:
        self.tasks.cancel(STREAM_GROUP)

    def _ensure_conversation(self, first_text: str) -> Conversation:
        if self.conversation is None:
            conversation = self._store.create_conversation(self.draft_settings)
            title = title_from_text(first_text)
            self._store.rename_conversation(conversation.id, title)
            conversation.title = title
            self.conversation = conversation
            self.history.open(conversation.id, [])
            if self.documents is not None:
                self.documents.attach(conversation.id)
        return self.conversation

    def _start_answer(self, parent_id: int | None = None) -> None:
        """Answer `parent_id` (default: the last message shown); the request holds its path."""
        assert self.conversation is not None
        conversation = self.conversation
        settings = conversation.settings
        try:
            shown = self.history.messages()
            parent_id = parent_id if parent_id is not None else (shown[-1].id if shown else None)
            history = path_to(shown, parent_id) if parent_id is not None else []
            answer = self._store.add_child(
                Message(
                    conversation.id,
                    Role.ASSISTANT,
                    [],
                    status=MessageStatus.STREAMING,
                    model=settings.model,
                ),
                parent_id,
            )
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
            return
        documents = self.documents.blocks() if self.documents is not None else None
        params = build_params(settings, self.catalog.get(settings.model), history, documents)
        params = place_breakpoints(params, "1h" if settings.cache_ttl == "1h" else "5m")
        self.history.added(answer)
        self.message_added.emit(answer)
        self._streaming_id = answer.id
        self.busy_changed.emit(True)
        from desktop.ui.chat.answer_run import (
            AnswerRun,  # with the first answer (the stream reducer)
        )

        run = AnswerRun(self, answer, params)
        self.tasks.start(STREAM_GROUP, run.run(), on_done=run.finished)

    # -- used by AnswerRun ------------------------------------------------------------------

    def save_answer(self, message: Message) -> None:
        """Save a streaming or finished answer; a storage problem is reported, not raised."""
        try:
            self._store.update_message(message)
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
            return
        self.history.updated(message)

    def answer_done(self, message: Message) -> None:
        """The answer's stream ended (completed, failed or stopped): save and tell the views."""
        self.save_answer(message)
        self._streaming_id = None
        self.message_updated.emit(message)
        self.busy_changed.emit(False)
        self._show_cost()
        # After the final paint: the sidebar refresh is not urgent.
        QTimer.singleShot(0, self.conversations_changed.emit)

    def _show_cost(self) -> None:
        """The open conversation's total price, from per-model sums kept by the store (read
        once here and shared through `usage_changed`, e.g. with the cache panel)."""
        if self.conversation is None:
            self.usage_changed.emit({})
            self.cost_changed.emit("", "")
            return
        try:
            usage = self._store.usage_by_model(self.conversation.id)
        except StorageError:
            return
        self.usage_changed.emit(usage)
        total = sum_costs(cost(u, self.catalog.get(model)) for model, u in usage.items())
        tip = "What this conversation has cost so far, at the prices in models.toml"
        if total.unpriced:
            tip += " (answers from models without a known price are not included)"
        self.cost_changed.emit(total.label(), tip + ".")

    def _guarded(self, func: Any, *args: Any) -> None:
        try:
            func(*args)
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
