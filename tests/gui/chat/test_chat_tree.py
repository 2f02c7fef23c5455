"""Sending along the message tree: each message follows the shown one; the request holds the
shown path only (the fake server's request log proves what was sent)."""

from __future__ import annotations

from desktop.core.conversation import ConversationSettings, Message, Role, text_block
from tests.fake_api.script import TextReply
from tests.gui.chat.test_chat import type_and_send
from tests.gui.chat.test_open_conversation import click
from tests.gui.conftest import Desk


def sent(request: dict) -> list[tuple[str, str]]:
    """(role, text) of each message a request carried."""
    return [
        (m["role"], " ".join(b["text"] for b in m["content"] if b["type"] == "text"))
        for m in request["messages"]
    ]


def test_two_messages_chain_and_the_second_request_holds_the_path(
    desk: Desk, qtbot, fake_api
) -> None:
    fake_api.enqueue(TextReply("First answer."), TextReply("Second answer."))

    type_and_send(desk, qtbot, "First question")
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    type_and_send(desk, qtbot, "Second question")
    desk.until(lambda: desk.idle() and len(desk.assistant_widgets()) == 2)

    first, second = fake_api.message_requests()
    assert sent(first) == [("user", "First question")]
    assert sent(second) == [
        ("user", "First question"),
        ("assistant", "First answer."),
        ("user", "Second question"),
    ]
    stored = desk.store.load_messages(desk.controller.conversation.id)
    assert [m.parent_id for m in stored] == [None, *(m.id for m in stored[:-1])]
    assert desk.store.current_leaf(stored[0].conversation_id) == stored[-1].id


def test_a_message_sent_on_a_branch_carries_that_branch_only(desk: Desk, qtbot, fake_api) -> None:
    """A question answered twice, the first answer chosen to be shown (as after browsing
    variants): the next message follows it and the request leaves the other one out."""
    store = desk.store
    conversation = store.create_conversation(ConversationSettings())
    store.rename_conversation(conversation.id, "Branched")
    question = store.add_message(Message(conversation.id, Role.USER, [text_block("Question")]))
    shown = store.add_message(Message(conversation.id, Role.ASSISTANT, [text_block("Old answer.")]))
    store.add_child(
        Message(conversation.id, Role.ASSISTANT, [text_block("New answer.")]), question.id
    )
    store.set_current_leaf(conversation.id, shown.id)
    desk.window.refresh_conversations()
    click(desk, qtbot, conversation.id)
    assert [w.message.text for w in desk.shown(2)] == ["Question", "Old answer."]
    fake_api.enqueue(TextReply("Third answer."))

    type_and_send(desk, qtbot, "Follow-up")
    desk.until(lambda: desk.idle() and len(desk.assistant_widgets()) == 2)

    assert sent(fake_api.message_requests()[-1]) == [
        ("user", "Question"),
        ("assistant", "Old answer."),
        ("user", "Follow-up"),
    ]
    follow_up, answer = store.load_messages(conversation.id)[-2:]
    assert follow_up.parent_id == shown.id and answer.parent_id == follow_up.id
    assert store.siblings(shown.id).label == "1/2"
