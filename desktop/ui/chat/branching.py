"""Edit and resend, regenerate, variants and Branch from here: the message tree in the chat.

Works through the chat controller's public API and its store. A new branch below a shown
message (an edit of a question, a regenerated answer) replaces what the view shows from that
message down: those messages leave the open history and the view (`messages_removed`); the
edited question comes through `message_added`, the answer the usual way
(`ChatController.start_answer`). The old branch stays in the store, a variant of the new one
(‹ 2/3 ›, `variants_changed`). Showing another variant re-opens the conversation on that
branch, filled in like any opening. Branch from here copies the path into a new conversation
(`ConversationStore.branch_conversation`: settings and documents too, blobs shared) and
opens it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from desktop.core.conversation import Message, Role
from desktop.core.errors import StorageError
from desktop.core.tree import TreeError, branch_title, cut_at, edited_content, last_answer
from desktop.ui.common.enum_props import set_shortcut

if TYPE_CHECKING:
    from desktop.ui.chat.controller import ChatController

log = logging.getLogger(__name__)

BUSY = "Wait for the answer to finish (or stop it) first."
EMPTY_EDIT = "The edited message is empty: type what to send."
NO_ANSWER = "There is no answer to regenerate yet."


class Branching(QObject):
    """Edits, regenerations, variants and branches of the open conversation."""

    variants_changed = Signal(object)  # {message id: Variants} of shown messages with siblings
    messages_removed = Signal(list)  # ids no longer on the shown path (a new branch below)
    message_added = Signal(object)  # an edited question, to show at the end
    refused = Signal(str)  # why an action was not done, for the status bar
    storage_failed = Signal(str)
    branched = Signal(object)  # the new Conversation made by Branch from here

    def __init__(self, chat: ChatController, parent: QObject | None = None) -> None:
        super().__init__(parent if parent is not None else chat)
        self._chat = chat
        self.storage_failed.connect(chat.storage_failed)
        self.regenerate_action = QAction("&Regenerate last answer", self)
        self.regenerate_action.setObjectName("regenerate_action")
        set_shortcut(self.regenerate_action, "Ctrl+R")
        self.regenerate_action.triggered.connect(self.regenerate_last)
        chat.conversation_opened.connect(lambda _c, page, _more: self._report(page))
        chat.earlier_loaded.connect(lambda page, _more: self._report(page))
        chat.message_added.connect(lambda message: self._report([message]))

    # -- what a person asks ---------------------------------------------------------------

    def edit(self, message_id: int, text: str) -> bool:
        """Send `text` instead of the question `message_id`: a new sibling of it (a new root
        for the first question) and an answer to it. False if nothing was sent."""
        path = self._shown_path()
        old = _find(path, message_id)
        if path is None or old is None or old.role is not Role.USER:
            return False
        content = edited_content(old.content, text)
        if not content:
            self.refused.emit(EMPTY_EDIT)
            return False
        chat = self._chat
        assert chat.conversation is not None
        try:
            edited = Message(chat.conversation.id, Role.USER, content)
            user = chat.store.add_child(edited, old.parent_id)
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
            return False
        self._cut(path, message_id)
        chat.history.added(user)
        self.message_added.emit(user)
        self._report([user])
        chat.start_answer(user.id)
        return True

    def regenerate(self, answer_id: int, model: str = "") -> bool:
        """Ask again what `answer_id` answered (with `model`, else the conversation's); the
        new answer is a sibling of the old one. False if nothing was sent."""
        path = self._shown_path()
        answer = _find(path, answer_id)
        if path is None or answer is None or answer.role is not Role.ASSISTANT:
            return False
        if answer.parent_id is None:
            return False  # an answer without a question (not made by the app)
        self._cut(path, answer_id)
        self._chat.start_answer(answer.parent_id, model or None)
        return True

    def regenerate_last(self) -> bool:
        """Regenerate the latest answer shown (Ctrl+R)."""
        path = self._shown_path()
        if path is None:
            return False
        answer = last_answer(path)
        if answer is None or answer.id is None:
            self.refused.emit(NO_ANSWER)
            return False
        return self.regenerate(answer.id)

    def show_variant(self, message_id: int) -> bool:
        """Show the branch through `message_id` (a sibling of a shown message)."""
        chat = self._chat
        conversation = chat.conversation
        if conversation is None or not self._idle():
            return False
        try:
            leaf = chat.store.set_current_leaf(conversation.id, message_id)
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
            return False
        if leaf is None:
            return False
        chat.open_conversation(conversation)
        return True

    def branch(self, message_id: int) -> bool:
        """Branch from here: a new conversation holding the path up to `message_id`, opened."""
        chat = self._chat
        conversation = chat.conversation
        if conversation is None or not self._idle():
            return False
        title = branch_title(conversation.title)
        try:
            new = chat.store.branch_conversation(conversation.id, message_id, title)
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
            return False
        except ValueError:
            log.warning("message %s is not in conversation %s", message_id, conversation.id)
            return False
        self.branched.emit(new)
        chat.open_conversation(new)
        return True

    # -- internals ------------------------------------------------------------------------

    def _idle(self) -> bool:
        if self._chat.is_streaming:
            self.refused.emit(BUSY)
            return False
        return True

    def _shown_path(self) -> list[Message] | None:
        """The open conversation's shown path, or None (with a reason) when it cannot change."""
        chat = self._chat
        if chat.conversation is None or not self._idle():
            return None
        try:
            return chat.history.messages()
        except StorageError as exc:
            self.storage_failed.emit(exc.message)
            return None

    def _cut(self, path: list[Message], message_id: int) -> None:
        """Take `message_id` and what follows it off the shown path (the store keeps them)."""
        try:
            _above, below = cut_at(path, message_id)
        except TreeError:
            return
        ids = [m.id for m in below if m.id is not None]
        self._chat.history.removed(*ids)
        self.messages_removed.emit(ids)

    def _report(self, messages: list[Message]) -> None:
        """Tell the view which of `messages` have variants (one query for a page)."""
        ids = [m.id for m in messages if m.id is not None]
        if not ids:
            return
        try:
            found = self._chat.store.variants(ids)
        except StorageError as exc:  # the arrows are missing; the chat itself works
            log.warning("variants unavailable: %s", exc.message)
            return
        shown = {i: v for i, v in found.items() if v.count > 1}
        if shown:
            self.variants_changed.emit(shown)


def _find(path: list[Message] | None, message_id: int) -> Message | None:
    return next((m for m in path or [] if m.id == message_id), None)
