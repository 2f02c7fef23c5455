"""A conversation worth exporting (branches, an image, documents, usage) and a way to compare
two of them without their local ids."""

from __future__ import annotations

from dataclasses import replace

from desktop.core.conversation import (
    ConversationSettings,
    Message,
    MessageStatus,
    Role,
    Usage,
    text_block,
)
from desktop.core.documents import Document
from desktop.core.exchange import ConversationSnapshot
from desktop.core.images import ImageFacts, blob_image_block
from desktop.core.tree import MessageTree
from desktop.storage.blobs import BlobStore
from desktop.storage.database import SqliteConversationStore

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
PDF = b"%PDF-1.4\n" + b"0" * 3000


def make_conversation(store: SqliteConversationStore, blobs: BlobStore) -> int:
    """Branches (an edit and a regeneration), an image, two documents in order, usage."""
    settings = ConversationSettings(model="claude-sonnet-4-6", system_prompt="Terse.")
    conv = store.create_conversation(settings)
    store.rename_conversation(conv.id, "Branchy")
    sha = blobs.put(PNG)
    image = blob_image_block(ImageFacts("image/png", 16, 10, len(PNG), sha, "shot.png"))
    q1 = store.add_message(Message(conv.id, Role.USER, [image, text_block("What is it?")]))
    a1 = store.add_message(Message(conv.id, Role.ASSISTANT, [text_block("A chart.")],
                                   model="claude-sonnet-4-6", usage=Usage(10, 5),
                                   stop_reason="end_turn"))  # fmt: skip
    store.add_child(Message(conv.id, Role.ASSISTANT, [text_block("A graph.")],
                            model="claude-opus-4-8", usage=Usage(11, 6, 0, 900),
                            stop_reason="max_tokens"), q1.id)  # fmt: skip
    edit = store.add_child(Message(conv.id, Role.USER, [text_block("What is it, really?")]), None)
    store.add_message(Message(conv.id, Role.ASSISTANT, [text_block("Part")],
                              status=MessageStatus.STOPPED, usage=Usage(3, 1)))  # fmt: skip
    store.set_current_leaf(conv.id, a1.id or 0)
    for name, data, kind in (("b.pdf", PDF, "pdf"), ("a.md", b"# A\n", "text")):
        doc = Document(name, kind, blobs.put(data), len(data), 40, 1 if kind == "pdf" else None)
        store.add_document(conv.id, doc)
    assert edit.parent_id is None
    return conv.id


def comparable(snapshot: ConversationSnapshot) -> dict:
    """Everything but local ids (and the ids inside the tree, compared by shape)."""
    tree = MessageTree(snapshot.messages)
    order = {m.id: n for n, m in enumerate(snapshot.messages)}
    c = snapshot.conversation
    return {
        "conversation": (c.title, c.created_at, c.updated_at, c.settings),
        "messages": [
            (
                order.get(m.parent_id),
                m.role,
                m.content,
                m.status,
                m.model,
                m.stop_reason,
                m.stop_details,
                m.usage,
                m.error,
                m.created_at,
            )
            for m in snapshot.messages
        ],
        "shown": [order[m.id] for m in tree.shown_path(snapshot.current_leaf)],
        "documents": [replace(d, id=None) for d in snapshot.documents],
        "blobs": snapshot.blobs,
    }
