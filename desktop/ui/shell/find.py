"""Finding things from the sidebar: search results drawn with their snippet, a result opened
at its match (`chat.search_jump`), and pinning conversations to the top of the list.

Set up after the window's first paint (the plain list paints without it for that frame).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core.errors import StorageError
from desktop.core.search import ConversationHit
from desktop.ui.chat.search_jump import SearchJump
from desktop.ui.shell.conversation_rows import ConversationDelegate

if TYPE_CHECKING:
    from desktop.core.conversation import Conversation
    from desktop.ui.chat.controller import ChatController
    from desktop.ui.chat.view import ChatView
    from desktop.ui.shell.sidebar import Sidebar


def set_up_find(sidebar: Sidebar, chat: ChatView, controller: ChatController) -> SearchJump:
    """Rows with snippets and pin marks; a result opens at its match; Pin / Unpin stored."""
    sidebar.view.setItemDelegate(ConversationDelegate(sidebar.view))
    jump = SearchJump(chat, controller)

    def on_open_requested(conversation: Conversation) -> None:  # after the controller opened it
        opened = controller.conversation
        if (
            isinstance(conversation, ConversationHit)
            and conversation.message_id is not None
            and opened is not None
            and opened.id == conversation.id
        ):
            jump.go(conversation.message_id, conversation.terms)

    sidebar.open_requested.connect(on_open_requested)
    sidebar.search_changed.connect(lambda _query: jump.clear())
    sidebar.pin_requested.connect(lambda cid, pinned: set_pinned(controller, cid, pinned))
    return jump


def set_pinned(controller: ChatController, conversation_id: int, pinned: bool) -> None:
    """Pin or unpin a conversation and list the conversations again."""
    try:
        controller.store.set_pinned(conversation_id, pinned)
    except StorageError as exc:
        controller.storage_failed.emit(exc.message)
        return
    if controller.conversation is not None and controller.conversation.id == conversation_id:
        controller.conversation.pinned = pinned
    controller.conversations_changed.emit()
