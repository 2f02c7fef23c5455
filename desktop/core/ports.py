"""Protocols the UI depends on. Implementations live in api/ and storage/; tests pass fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from desktop.core.catalog import RemoteModel
from desktop.core.conversation import Conversation, ConversationSettings, Message, Usage

if TYPE_CHECKING:  # not needed at run time (and not imported before the first paint)
    from collections.abc import Callable

    from desktop.core.documents import Document
    from desktop.core.exchange import ConversationSnapshot, ImportBundle, ImportResult
    from desktop.core.images import ImageFacts
    from desktop.core.local_tools import (
        LocalTool,
        McpServerConfig,
        ServerStatus,
        ToolLimits,
        ToolOutcome,
    )
    from desktop.core.spend import UsageRecord
    from desktop.core.tree import Variants

StreamEvent = dict[str, Any]
"""One raw Messages-API stream event as a dict (`{"type": "content_block_delta", ...}`)."""


class TokenCounter(Protocol):
    """The count endpoint alone (what document lists need to count their documents)."""

    async def count_tokens(self, params: dict[str, Any]) -> int: ...


class ChatBackend(Protocol):
    """The Claude API as the app uses it. Every method raises only `core.errors` kinds."""

    def set_api_key(self, api_key: str | None) -> None: ...

    def stream_message(self, params: dict[str, Any]) -> AsyncIterator[StreamEvent]:
        """Stream one answer for Messages-API `params`; yields raw events as dicts."""
        ...

    async def count_tokens(self, params: dict[str, Any]) -> int:
        """Input tokens `params` would use (the count endpoint)."""
        ...

    async def list_models(self) -> list[RemoteModel]: ...

    async def verify_key(self, api_key: str) -> None:
        """Raise AuthFailed / Offline / ... unless `api_key` can list models."""
        ...

    async def aclose(self) -> None: ...


class KeySource(StrEnum):
    ENVIRONMENT = "environment"  # ANTHROPIC_API_KEY
    KEYRING = "keyring"
    SESSION = "session"  # this run only: no keyring backend
    NONE = "none"


class SecretStore(Protocol):
    """Where the API key lives. Never a file of ours."""

    def current(self) -> tuple[str | None, KeySource]: ...

    def save(self, api_key: str) -> None:
        """Store in the OS keyring; raises NoKeyringBackend when there is none."""
        ...

    def remove(self) -> None: ...

    def use_for_session(self, api_key: str) -> None:
        """Keep the key in memory for this run only."""
        ...

    def keyring_problem(self) -> str | None:
        """None when a usable keyring backend exists, else why not and how to fix it."""
        ...


class ExportFiles(Protocol):
    """Where a person's exports go (CSV, JSONL, conversations): the app's one atomic writer,
    owner-only files, and the folder the last export went to."""

    def folder(self) -> str:
        """The folder of the last export ("" before the first: the dialog's own default)."""
        ...

    def write_text(self, path: str, text: str) -> None:
        """Write `text` (UTF-8, as given) to `path` atomically, readable by its owner alone, and
        remember its folder. Blocking: call it from a worker thread. Raises OSError."""
        ...


class ConversationRepository(Protocol):
    """The list of conversations and each one's title and settings."""

    def list_conversations(
        self, limit: int | None = None, after: Conversation | None = None
    ) -> list[Conversation]:
        """Pinned first, then most recently updated first: all of them, or at most `limit`
        that come after `after` in that order (the next page of a list)."""
        ...

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        """Pin the conversation to the top of the list, or unpin it."""
        ...

    def create_conversation(self, settings: ConversationSettings) -> Conversation: ...

    def rename_conversation(self, conversation_id: int, title: str) -> None: ...

    def update_settings(self, conversation_id: int, settings: ConversationSettings) -> None: ...

    def delete_conversation(self, conversation_id: int) -> None: ...


class MessageRepository(Protocol):
    """A conversation's messages as it shows them: the path from the root to its current
    message (every message while it has no branches)."""

    def load_messages(
        self, conversation_id: int, limit: int | None = None, before_id: int | None = None
    ) -> list[Message]:
        """The last `limit` messages (all when None) of the current path, or of the path
        above `before_id`, root first."""
        ...

    def read_messages(self, conversation_id: int) -> list[Message]:
        """The whole current path, root first; safe to call from a worker thread."""
        ...

    def count_messages(self, conversation_id: int) -> int:
        """How many messages the current path holds."""
        ...

    def add_message(self, message: Message) -> Message:
        """Insert as a reply to `message.parent_id`, or to the current message when that is
        None; the new message becomes the current one. Returns it with `id`, `created_at`
        and `parent_id` set; bumps the conversation."""
        ...

    def update_message(self, message: Message) -> None: ...

    def delete_message(self, message_id: int) -> None:
        """Delete one message; its replies follow its parent, which becomes the current
        message if the deleted one was."""
        ...


class MessageTreeRepository(Protocol):
    """Branches: edits and regenerations add siblings (variants) to a conversation's tree."""

    def add_child(self, message: Message, parent_id: int | None) -> Message:
        """Insert as a reply to `parent_id` (a new root when None); it becomes the current
        message. ValueError when the parent is not in the same conversation."""
        ...

    def load_path(
        self,
        conversation_id: int,
        leaf_id: int | None = None,
        limit: int | None = None,
        before_id: int | None = None,
    ) -> list[Message]:
        """The path to `leaf_id` (the current message when None), root first: its last
        `limit` messages, or those just above `before_id`."""
        ...

    def siblings(self, message_id: int) -> Variants | None:
        """The message's variants in creation order and its index among them ("2/3")."""
        ...

    def variants(self, message_ids: Sequence[int]) -> dict[int, Variants]:
        """`siblings` of many messages at once (e.g. a shown page)."""
        ...

    def current_leaf(self, conversation_id: int) -> int | None: ...

    def set_current_leaf(self, conversation_id: int, message_id: int) -> int | None:
        """Show the branch through `message_id` (down to its latest leaf); returns the leaf."""
        ...

    def read_tree(self, conversation_id: int) -> list[Message]:
        """Every message of every branch, oldest first; safe to call from a worker thread."""
        ...

    def branch_conversation(
        self, conversation_id: int, message_id: int, title: str
    ) -> Conversation:
        """A new conversation named `title` holding a copy of the path to `message_id`, with
        the settings and documents of `conversation_id` (blobs shared, usage not copied).
        ValueError when the message is not in that conversation."""
        ...


class DocumentRepository(Protocol):
    """A conversation's context documents, in the order they are sent."""

    def list_documents(self, conversation_id: int) -> list[Document]:
        """The conversation's context documents, in the order they are sent."""
        ...

    def add_document(self, conversation_id: int, document: Document) -> Document:
        """Append to the context; returns the document with its `id` set."""
        ...

    def update_document_tokens(self, document_id: int, tokens: int, exact: bool) -> None: ...

    def remove_document(self, document_id: int) -> None: ...

    def reorder_documents(self, conversation_id: int, document_ids: list[int]) -> None: ...


class UsageRepository(Protocol):
    """Reads across the whole history: usage sums and the blobs it refers to."""

    def usage_by_model(self, conversation_id: int) -> dict[str, Usage]:
        """Token counts of the conversation's answers summed per model, every branch
        included (each answer was paid for)."""
        ...

    def usage_records(self) -> list[UsageRecord]:
        """Answers' usage summed per local day and model; safe to call from a worker thread."""
        ...

    def referenced_blobs(self) -> set[str]:
        """SHA-256 of every attachment blob a stored message or document refers to."""
        ...


class ConversationStore(
    ConversationRepository,
    MessageRepository,
    MessageTreeRepository,
    DocumentRepository,
    UsageRepository,
    Protocol,
):
    """History on local disk. Methods raise StorageError on a corrupt or locked database."""


class PreparedImage(Protocol):
    """An image ready to send: `data` is a JPEG or PNG of `width` × `height` px, no metadata."""

    @property
    def data(self) -> bytes: ...
    @property
    def media_type(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def notes(self) -> tuple[str, ...]: ...
    @property
    def facts(self) -> ImageFacts: ...


class ImagePreparer(Protocol):
    """Pixel work (decode, orient, downscale, strip metadata, re-encode). Blocking: call it
    from a worker thread. Every method raises `ImagePrepError` with a message for people."""

    def prepare(self, data: bytes, name: str, long_edge: int) -> PreparedImage: ...

    def prepare_file(self, path: str, long_edge: int) -> PreparedImage: ...

    def thumbnail(self, data: bytes, size: int) -> bytes:
        """A PNG fitting a `size` × `size` square."""
        ...


class PreparedDocument(Protocol):
    """A document checked and ready to store: `data` is what its blob holds (the PDF, or the
    text as UTF-8); `document` has no id and a local token guess."""

    @property
    def data(self) -> bytes: ...
    @property
    def document(self) -> Document: ...


class DocumentPreparer(Protocol):
    """Reads and checks documents (PDF page count, encryption, damage; text decoding).
    Blocking: call it from a worker thread. Raises `DocumentError` with a message for people."""

    def prepare_file(self, path: str) -> PreparedDocument: ...

    def prepare_text(self, name: str, text: str) -> PreparedDocument: ...


class AttachmentStore(Protocol):
    """Content-addressed attachment blobs. Blocking file I/O; raises StorageError."""

    def put(self, data: bytes) -> str:
        """Store `data` once; returns its SHA-256 (lowercase hex)."""
        ...

    def get(self, sha256: str) -> bytes: ...

    def delete_unreferenced(self, referenced: set[str], *, min_age: float = 0.0) -> int: ...


class ConversationExchange(Protocol):
    """Conversations in and out of files (export, import; formats in `core.exchange`). Every
    method blocks: call it from a worker thread. Raises StorageError or ExchangeError."""

    def folder(self) -> str:
        """Where the last export or import was ("" before the first: the dialog's default)."""
        ...

    def conversation_ids(self) -> list[int]:
        """Every conversation, most recently updated first."""
        ...

    def snapshot(self, conversation_id: int) -> ConversationSnapshot:
        """One conversation as stored: every branch, documents, the bytes of its blobs."""
        ...

    def make_folder(self, path: str) -> None:
        """A folder for an export of many files."""
        ...

    def write_export(self, path: str, text: str, files: Mapping[str, bytes] | None = None) -> None:
        """Write `files` (relative to `path`'s folder), then `text` to `path`: atomically,
        readable by the owner alone; remember the folder."""
        ...

    def read_text(self, path: str) -> str:
        """A file to import, as text; remembers the folder."""
        ...

    def import_bundle(self, bundle: ImportBundle) -> ImportResult:
        """Add the bundle's conversations as new ones, each in one transaction."""
        ...


class LocalToolHost(Protocol):
    """The user's MCP servers, running (`desktop.mcp_host.McpHost`; tests may pass fakes).

    Called on the app's loop; the servers run on a loop of their own in another thread, so
    nothing here blocks the UI. Servers start when first needed and are shared by every
    conversation.
    """

    def configure(self, servers: Sequence[McpServerConfig]) -> None:
        """Use these servers from now on: removed, disabled or changed ones stop at once
        (a changed one starts again when next needed)."""
        ...

    def servers(self) -> list[McpServerConfig]:
        """The servers as last configured (copies), in order."""
        ...

    def statuses(self) -> list[ServerStatus]:
        """Every configured server's status, in the configured order."""
        ...

    def subscribe(self, callback: Callable[[ServerStatus], None]) -> None:
        """`callback` runs on the app's loop each time a server's status changes."""
        ...

    async def tools(self) -> list[LocalTool]:
        """The tools of every enabled server, starting those not running (in parallel).
        A server that fails to start is left out; its status says why."""
        ...

    async def start(self, name: str) -> ServerStatus:
        """Start (or restart) one server now and return its status once ready or failed."""
        ...

    async def call(
        self, server: str, tool: str, arguments: dict[str, Any], limits: ToolLimits
    ) -> ToolOutcome:
        """Run one tool call within `limits` (timeout, result size). Failures (server down
        or crashed, timeout, MCP errors) come back as `is_error` outcomes in words, never as
        exceptions. Cancelling the awaiting task ends the call at once and stops that
        server's process (it starts again when next needed)."""
        ...

    async def aclose(self) -> None:
        """Stop every server; no process is left running."""
        ...


class McpServerRepository(Protocol):
    """Where the MCP servers' settings live: a file for the settings, the keyring for the
    values of `env` and `headers` (which may hold tokens)."""

    def load(self) -> tuple[list[McpServerConfig], str | None]:
        """The servers with their secret values filled in, and a problem to show (None)."""
        ...

    def save(self, servers: Sequence[McpServerConfig]) -> str | None:
        """Save atomically; returns a problem to show (e.g. no keyring: secret values are
        kept for this run only), None when all is saved."""
        ...
