"""Sending, streaming, stopping and retrying: the conversation logic behind the chat view.

The controller owns the streaming task of the open conversation (through the TaskRegistry),
saves the answer as it arrives, and reports to views only through signals.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

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
from desktop.core.errors import StorageError
from desktop.core.ports import (
    AttachmentStore,
    ChatBackend,
    ConversationStore,
    DocumentPreparer,
    ImagePreparer,
)
from desktop.core.requests import build_params
from desktop.core.tree import reply_path
from desktop.ui.attachments.pending import PendingImages
from desktop.ui.chat.answer_hooks import AnswerHooks
from desktop.ui.chat.attachment_files import AttachmentFiles
from desktop.ui.chat.backend_slot import BackendSlot
from desktop.ui.chat.costs import ConversationCosts
from desktop.ui.chat.history import OpenHistory
from desktop.ui.chat.image_limits import WAIT_FOR_IMAGES, ImageLimits
from desktop.ui.chat.local_tools import LocalToolAccess
from desktop.ui.common.tasks import TaskRegistry
from desktop.ui.documents.model import ContextDocuments

PAGE_SIZE = 30
CONTINUE_PROMPT = "Please continue exactly where you left off."
INTERRUPTED = "The app closed while this answer was streaming; the text up to then was kept."
STREAM_GROUP = "stream"


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
    stream_stalled = Signal(int, float)  # message id, seconds without data (0: data again)
    stream_tool = Signal(int, object)  # message id, a finished server tool block (tool_blocks.py)
    busy_changed = Signal(bool)
    settings_changed = Signal(object)  # ConversationSettings of the open conversation
    catalog_changed = Signal()
    storage_failed = Signal(str)
    cost_changed = Signal(str, str)  # the conversation's total ("$0.0123"), a tooltip
    usage_changed = Signal(object)  # {model: Usage} of the open conversation ({} for a draft)
    send_refused = Signal(str)  # why a message was not sent (images not ready, over limits)

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
        defaults: ConversationSettings | None = None,  # what new conversations start with
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._backend = BackendSlot(backend)
        self.catalog = catalog
        self.tasks = tasks or TaskRegistry()
        self.conversation: Conversation | None = None
        self.defaults = defaults
        self.draft_settings = ConversationSettings(model=catalog.default_model)
        self._oldest_loaded_id: int | None = None
        self._streaming_id: int | None = None
        self.history = OpenHistory(store, self.tasks, self)
        self.blobs = blobs
        self.files = AttachmentFiles(store, blobs, images, self.tasks, self)
        self.files.failed.connect(self.storage_failed)
        self.costs = ConversationCosts(store, lambda: self.catalog, self)
        self.costs.forward_to(self.cost_changed, self.usage_changed)
        self.blob_keepers = self.files.keepers  # blobs in use elsewhere (pending, batches)
        self.attachments: PendingImages | None = None
        self.local_tools: LocalToolAccess | None = None  # the user's MCP tools, once started
        self._image_limits: ImageLimits | None = None
        if images is not None and blobs is not None:
            self._setup_images(images, blobs)
        self.documents: ContextDocuments | None = None
        if documents is not None and blobs is not None:
            self._setup_documents(documents, blobs)
        self._hooks = AnswerHooks(
            self._backend.ready,
            blobs,
            self.stream_text.emit,
            self.stream_thinking.emit,
            self.wait_started.emit,
            self.save_answer,
            self.stream_stalled.emit,
            self.answer_done,
            self.stream_tool.emit,
            lambda: self.local_tools,
        )

    # -- services -------------------------------------------------------------------------

    def _setup_images(self, images: ImagePreparer, blobs: AttachmentStore) -> None:
        pending = PendingImages(images, blobs, self.tasks, self)
        limits = ImageLimits(pending, self.history, lambda: self.catalog.get(self.settings.model))
        self.attachments, self._image_limits = pending, limits
        self.blob_keepers.append(pending.hashes)
        pending.changed.connect(limits.update_long_edge)
        self.settings_changed.connect(limits.update_long_edge)
        self.history.loaded.connect(limits.update_long_edge)
        limits.update_long_edge()

    def _setup_documents(self, preparer: DocumentPreparer, blobs: AttachmentStore) -> None:
        docs = ContextDocuments(
            self._store,
            blobs,
            preparer,
            self.tasks,
            lambda: self.catalog.get(self.settings.model),
            lambda: self._backend.current,
            self,
        )
        self.documents = docs
        self.blob_keepers.append(docs.hashes)
        self.conversation_opened.connect(lambda c, *_: docs.show_conversation(c and c.id))
        self.settings_changed.connect(lambda settings: docs.use_model(settings.model))

    def set_backend(self, backend: ChatBackend) -> None:
        """The Claude API, once the SDK has loaded (a message sent meanwhile goes out now)."""
        self._backend.set(backend)

    @property
    def store(self) -> ConversationStore:
        return self._store

    @property
    def backend(self) -> ChatBackend | None:
        return self._backend.current

    async def refresh_models(self) -> None:
        """Add the account's models that models.toml does not know."""
        catalog = await self._backend.with_account_models(self.catalog)
        if catalog is not None:
            self.catalog = catalog
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
        base = self.defaults.copy() if self.defaults else self.settings.copy()
        base.system_prompt = base.system_prompt if self.defaults else ""
        self.conversation = None
        self.draft_settings = base
        self._oldest_loaded_id = None
        self.history.open(None, [])
        self.conversation_opened.emit(None, [], False)
        self.settings_changed.emit(self.settings)
        self.costs.show(self.conversation)

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
        self.costs.show(self.conversation)

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
        try:
            self._store.rename_conversation(conversation_id, title)
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
        if self.conversation and self.conversation.id == conversation_id:
            self.conversation.title = title
        self.conversations_changed.emit()

    def delete_conversation(self, conversation_id: int) -> None:
        if self.conversation and self.conversation.id == conversation_id:
            self.new_conversation()
        try:
            self._store.delete_conversation(conversation_id)
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
        self.conversations_changed.emit()
        self.files.collect()

    def update_settings(self, settings: ConversationSettings) -> None:
        if self.conversation is None:
            self.draft_settings = settings
        else:
            self.conversation.settings = settings
            try:
                self._store.update_settings(self.conversation.id, settings)
            except StorageError as exc:
                self.storage_failed.emit(exc.message)
        self.settings_changed.emit(settings)

    # -- sending --------------------------------------------------------------------------

    def send(self, text: str, with_images: bool = True) -> bool:
        """Save the user's message (with the pending images) and stream the answer.

        False if nothing was sent: no text nor images, images still preparing or over the
        model's limits (`send_refused` says why), or the message could not be saved.
        """
        pending = self.attachments if with_images else None
        blocks = pending.blocks() if pending is not None else []  # prepared ones and URLs
        if self.is_streaming:
            return False
        if not text.strip() and not blocks:
            if pending is not None and pending.preparing:  # only images, not ready yet: say so
                self.send_refused.emit(WAIT_FOR_IMAGES)
            return False
        limits = self._image_limits
        problem = limits.problem() if pending is not None and limits is not None else None
        if problem is None and self.documents is not None:
            problem = self.documents.problem(self.catalog.get(self.settings.model))
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
                    self.files.remember_thumbnail(item.prepared.sha256, item.thumbnail)
            pending.clear()
        self.message_added.emit(user)
        QTimer.singleShot(0, self.conversations_changed.emit)
        self.start_answer(user.id)
        return True

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
        self.start_answer()

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

    def start_answer(self, parent_id: int | None = None, model: str | None = None) -> None:
        """Answer `parent_id` (None: the last message), with `model` instead of the usual."""
        assert self.conversation is not None
        conversation = self.conversation
        settings = conversation.settings.copy()
        settings.model = model or settings.model
        try:
            history = reply_path(self.history.messages(), parent_id)
            answer = self._store.add_message(
                Message(
                    conversation.id,
                    Role.ASSISTANT,
                    [],
                    status=MessageStatus.STREAMING,
                    model=settings.model,
                    parent_id=history[-1].id if history else None,
                )
            )
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
            return
        documents = self.documents.blocks() if self.documents is not None else None
        params = build_params(settings, self.catalog.get(settings.model), history, documents)
        self.history.added(answer)
        self.message_added.emit(answer)
        self._streaming_id = answer.id
        self.busy_changed.emit(True)
        from desktop.ui.chat.answer_run import AnswerRun  # with the first answer (the reducer)

        run = AnswerRun(self._hooks, answer, params, settings.cache_ttl, settings.tools.local_tools)
        self.tasks.start(STREAM_GROUP, run.run(), on_done=run.finished)

    # -- reported by AnswerRun ------------------------------------------------------------

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
        self.costs.show(self.conversation)
        # After the final paint: the sidebar refresh is not urgent.
        QTimer.singleShot(0, self.conversations_changed.emit)
