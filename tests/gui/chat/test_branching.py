"""Edit and resend, regenerate, ‹ n/m › variants and Branch from here, driven through the
message widgets' own buttons; the fake server's request log proves what was sent: the path to
the shown message only, with the cache breakpoint on the latest turn."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu

from desktop.core.conversation import ConversationSettings, Message, Role, text_block
from desktop.core.documents import Document
from desktop.core.images import ImageFacts, blob_image_block
from desktop.ui.chat.message_actions import MessageActions
from desktop.ui.chat.message_editor import MessageEditor
from tests.fake_api.script import TextReply
from tests.gui.chat.test_chat import type_and_send
from tests.gui.chat.test_chat_tree import sent
from tests.gui.chat.test_open_conversation import click
from tests.gui.conftest import Desk

EPHEMERAL = {"type": "ephemeral"}


def texts(desk: Desk, count: int) -> list[str]:
    return [w.message.text for w in desk.shown(count)]


def ask(desk: Desk, qtbot, fake_api, *turns: tuple[str, str]) -> None:
    """Send each question in the composer and wait for its scripted answer."""
    for question, answer in turns:
        fake_api.enqueue(TextReply(answer))
        type_and_send(desk, qtbot, question)
        desk.until(lambda a=answer: desk.idle() and answer_is(desk, a), timeout=30)


def answer_is(desk: Desk, text: str) -> bool:
    """The last answer shown is `text` and the view has settled."""
    answer = desk.last_answer()
    view = desk.window.chat_view
    return answer is not None and answer.message.text == text and not view.filling


def press(qtbot, button) -> None:
    assert button.isVisible(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def latest_turn_marked(request: dict) -> bool:
    """The cache breakpoint sits on the last block of the latest user turn (and only there,
    among the messages)."""
    marks = [
        (i, j)
        for i, m in enumerate(request["messages"])
        for j, block in enumerate(m["content"])
        if "cache_control" in block
    ]
    last = len(request["messages"]) - 1
    return marks == [(last, len(request["messages"][last]["content"]) - 1)]


def test_editing_an_earlier_question_sends_the_new_path_and_keeps_the_old_branch(
    desk: Desk, qtbot, fake_api
) -> None:
    ask(desk, qtbot, fake_api, ("First question", "First answer."), ("Second", "Second answer."))
    first_question = desk.shown(4)[0]

    press(qtbot, first_question.tree_actions.edit_button)
    editor = first_question.findChild(MessageEditor)
    assert editor is not None and editor.text_box.hasFocus()
    assert not first_question.body.isVisible()
    editor.text_box.selectAll()
    qtbot.keyClicks(editor.text_box, "First question, edited")
    fake_api.enqueue(TextReply("Answer to the edit."))
    press(qtbot, editor.save_button)
    desk.until(lambda: desk.idle() and desk.last_answer().message.text == "Answer to the edit.")

    assert texts(desk, 2) == ["First question, edited", "Answer to the edit."]
    request = fake_api.message_requests()[-1]
    assert sent(request) == [("user", "First question, edited")]
    assert latest_turn_marked(request)
    store, conversation_id = desk.store, desk.controller.conversation.id
    assert len(store.read_tree(conversation_id)) == 6  # the old branch is kept
    edited = desk.shown(2)[0]
    assert edited.tree_actions.variant_label.text() == "2/2"
    assert edited.message.parent_id is None  # a second root beside the first question

    press(qtbot, edited.tree_actions.previous_button)  # back to the old branch, whole
    assert texts(desk, 4) == ["First question", "First answer.", "Second", "Second answer."]
    assert desk.shown(4)[0].tree_actions.variant_label.text() == "1/2"
    ask(desk, qtbot, fake_api, ("Third", "Third answer."))
    assert sent(fake_api.message_requests()[-1]) == [
        ("user", "First question"),
        ("assistant", "First answer."),
        ("user", "Second"),
        ("assistant", "Second answer."),
        ("user", "Third"),
    ]


def test_the_actions_come_with_the_pointer_over_a_message(desk: Desk, qtbot, fake_api) -> None:
    """A page of history is built without the buttons; hovering a message brings them."""
    ask(desk, qtbot, fake_api, ("Hover me", "Hovered."))
    question, answer = desk.shown(2)
    assert question.findChild(MessageActions) is None and answer.findChild(MessageActions) is None

    qtbot.mouseMove(answer, answer.rect().center())
    qtbot.waitUntil(lambda: answer.findChild(MessageActions) is not None)
    actions = answer.findChild(MessageActions)
    assert actions.regenerate_button.isVisible() and actions.branch_button.isVisible()
    assert question.findChild(MessageActions) is None


def test_an_edit_cancelled_with_esc_leaves_the_message_as_it_was(
    desk: Desk, qtbot, fake_api
) -> None:
    ask(desk, qtbot, fake_api, ("Keep me", "Kept."))
    question = desk.shown(2)[0]
    press(qtbot, question.tree_actions.edit_button)
    editor = question.findChild(MessageEditor)
    qtbot.keyClicks(editor.text_box, " and more")
    qtbot.keyClick(editor.text_box, Qt.Key.Key_Escape)

    assert editor.isHidden() and question.body.isVisible()
    assert question.body.toPlainText() == "Keep me"
    assert len(fake_api.message_requests()) == 1
    assert len(desk.store.read_tree(desk.controller.conversation.id)) == 2


def test_an_edit_while_an_answer_streams_is_refused_and_keeps_its_text(
    desk: Desk, qtbot, fake_api
) -> None:
    ask(desk, qtbot, fake_api, ("Question", "Answer."))
    fake_api.enqueue(TextReply("slow " * 200, delay=0.01))
    type_and_send(desk, qtbot, "Another")
    question = desk.window.chat_view.message_widgets()[0]
    press(qtbot, question.tree_actions.edit_button)
    editor = question.findChild(MessageEditor)
    editor.text_box.selectAll()
    qtbot.keyClicks(editor.text_box, "Changed my mind")
    press(qtbot, editor.save_button)

    assert "Wait for the answer" in desk.window.statusBar().currentMessage()
    assert editor.isVisible() and editor.text_box.toPlainText() == "Changed my mind"
    desk.controller.stop()
    desk.until(desk.idle)


def test_regenerating_keeps_each_variant_with_its_own_usage_and_model(
    desk: Desk, qtbot, fake_api
) -> None:
    catalog = desk.controller.catalog
    other = next(m for m in catalog if m.id != desk.controller.settings.model)
    ask(desk, qtbot, fake_api, ("Name a colour", "Blue."))
    usages = [{"output_tokens": n, "input_tokens": 100 + n} for n in (222, 333)]
    fake_api.enqueue(TextReply("Red.", usage=usages[0]))
    press(qtbot, desk.last_answer().tree_actions.regenerate_button)
    desk.until(lambda: desk.idle() and desk.last_answer().message.text == "Red.")
    assert desk.last_answer().tree_actions.variant_label.text() == "2/2"

    fake_api.enqueue(TextReply("Green.", usage=usages[1]))
    press(qtbot, desk.last_answer().tree_actions.other_model_button)
    menu = desk.last_answer().findChild(QMenu, "regenerate_model_menu")
    qtbot.waitUntil(menu.isVisible)
    [choice] = [a for a in menu.actions() if a.data() == other.id]
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(choice).center())
    desk.until(lambda: desk.idle() and desk.last_answer().message.text == "Green.")

    first, second, third = fake_api.message_requests()
    for request in (first, second, third):
        assert sent(request) == [("user", "Name a colour")]  # the path to the question only
        assert latest_turn_marked(request)
    assert second["model"] == first["model"] != third["model"] == other.id
    answer = desk.last_answer()
    assert answer.tree_actions.variant_label.text() == "3/3"
    assert answer.message.model == other.id and "333 out" in answer.footer.text()
    assert texts(desk, 2) == ["Name a colour", "Green."]  # the old answers left the view

    press(qtbot, answer.tree_actions.previous_button)
    desk.until(lambda: answer_is(desk, "Red."))
    assert desk.last_answer().tree_actions.variant_label.text() == "2/3"
    assert "222 out" in desk.last_answer().footer.text()
    press(qtbot, desk.last_answer().tree_actions.previous_button)
    desk.until(lambda: answer_is(desk, "Blue."))
    assert desk.last_answer().tree_actions.variant_label.text() == "1/3"
    assert not desk.last_answer().tree_actions.previous_button.isEnabled()

    ask(desk, qtbot, fake_api, ("And another?", "Yellow."))
    assert sent(fake_api.message_requests()[-1]) == [
        ("user", "Name a colour"),
        ("assistant", "Blue."),
        ("user", "And another?"),
    ]


def test_ctrl_r_regenerates_the_last_answer(desk: Desk, qtbot, fake_api) -> None:
    ask(desk, qtbot, fake_api, ("One", "Uno."), ("Two", "Dos."))
    fake_api.enqueue(TextReply("Deux."))
    desk.window.composer.setFocus()
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    desk.until(lambda: desk.idle() and desk.last_answer().message.text == "Deux.")

    assert texts(desk, 4) == ["One", "Uno.", "Two", "Deux."]
    request = fake_api.message_requests()[-1]
    assert sent(request) == [("user", "One"), ("assistant", "Uno."), ("user", "Two")]
    assert latest_turn_marked(request)
    assert desk.window.branching.regenerate_action in desk.window.chat_menu.actions()


def seeded(desk: Desk) -> tuple[int, list[Message], str, str]:
    """A conversation with its own settings, a document and an image in its first question,
    and a second answer on another branch; returns its id, shown path, image and document
    blob hashes."""
    store, blobs = desk.store, desk.blobs
    assert blobs is not None
    image_sha = blobs.put(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    document_sha = blobs.put(b"# Notes\n\nThe sky is blue on clear days.\n")
    settings = ConversationSettings(system_prompt="Answer in one word.", cache_ttl="1h")
    conversation = store.create_conversation(settings)
    store.rename_conversation(conversation.id, "Colours")
    store.add_document(conversation.id, Document("notes.md", "text", document_sha, 40, 12))
    image = blob_image_block(ImageFacts("image/png", 8, 8, 72, image_sha, "dot.png"))
    cid = conversation.id
    path = [store.add_message(Message(cid, Role.USER, [image, text_block("What colour?")]))]
    path.append(store.add_message(Message(cid, Role.ASSISTANT, [text_block("Blue.")])))
    path.append(store.add_message(Message(cid, Role.USER, [text_block("Sure?")])))
    path.append(store.add_message(Message(cid, Role.ASSISTANT, [text_block("Yes.")])))
    store.add_child(Message(cid, Role.ASSISTANT, [text_block("Azure.")]), path[0].id)
    store.set_current_leaf(cid, path[1].id)
    desk.window.refresh_conversations()
    return cid, path, image_sha, document_sha


def test_branch_from_here_opens_a_new_conversation_with_the_path_up_to_it(
    desk: Desk, qtbot, fake_api
) -> None:
    old_id, _path, image_sha, document_sha = seeded(desk)
    blob_files = sorted(p.name for p in desk.blobs.root.rglob("*") if p.is_file())
    click(desk, qtbot, old_id)
    assert texts(desk, 4) == ["What colour?", "Blue.", "Sure?", "Yes."]

    press(qtbot, desk.shown(4)[1].tree_actions.branch_button)  # on "Blue."
    desk.until(lambda: desk.controller.conversation.id != old_id)

    store, new = desk.store, desk.controller.conversation
    assert new.title == "Colours (branch)"
    assert desk.window.sidebar.model.row_of(new.id) is not None  # listed
    assert desk.window.sidebar.model.row_of(old_id) is not None
    assert texts(desk, 2) == ["What colour?", "Blue."]
    assert new.settings == store.get_conversation(old_id).settings
    assert [d.sha256 for d in store.list_documents(new.id)] == [document_sha]
    copied = store.read_tree(new.id)
    assert [m.text for m in copied] == ["What colour?", "Blue."]
    assert copied[0].content[0]["source"]["sha256"] == image_sha
    assert copied[1].parent_id == copied[0].id and copied[0].parent_id is None
    assert sorted(p.name for p in desk.blobs.root.rglob("*") if p.is_file()) == blob_files
    assert len(store.read_tree(old_id)) == 5  # the original is untouched

    ask(desk, qtbot, fake_api, ("And at night?", "Black."))
    request = fake_api.message_requests()[-1]
    assert request["system"][0]["text"] == "Answer in one word."
    first_turn = request["messages"][0]["content"]
    assert first_turn[0]["type"] == "document" and first_turn[0]["cache_control"]["ttl"] == "1h"
    assert [m["role"] for m in request["messages"]] == ["user", "assistant", "user"]
    assert request["messages"][1]["content"][0]["text"] == "Blue."
    assert request["messages"][-1]["content"][-1] == {
        "type": "text",
        "text": "And at night?",
        "cache_control": EPHEMERAL,
    }
    assert any(b["type"] == "image" for b in first_turn)
    QApplication.processEvents()
