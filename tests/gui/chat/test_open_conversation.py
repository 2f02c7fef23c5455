"""Opening a conversation fills the chat in over a few frames: newest message first."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.core.conversation import (
    ConversationSettings,
    Message,
    Role,
    text_block,
)
from desktop.ui.chat.message_body import MessageBody
from desktop.ui.chat.message_widget import MessageWidget
from tests.bench.streaming_answer import long_markdown
from tests.fake_api.script import TextReply
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import Desk
from tests.gui.shell.test_history_and_settings import click_row


def words(text: str) -> str:
    return " ".join(text.split())


def whole(text: str) -> MessageBody:
    """The answer rendered at once, as before."""
    body = MessageBody()
    body.set_markdown(text)
    return body


def stored(desk: Desk, turns: int, answer: object, title: str) -> int:
    conversation = desk.store.create_conversation(ConversationSettings())
    desk.store.rename_conversation(conversation.id, title)
    for turn in range(turns):
        text = answer(turn) if callable(answer) else str(answer)
        desk.store.add_message(
            Message(conversation.id, Role.USER, [text_block(f"{title} question {turn}")])
        )
        desk.store.add_message(Message(conversation.id, Role.ASSISTANT, [text_block(text)]))
    desk.window.refresh_conversations()
    return conversation.id


def click(desk: Desk, qtbot, conversation_id: int) -> None:
    click_row(qtbot, desk, desk.window.sidebar.model.row_of(conversation_id))


def test_a_long_conversation_shows_its_newest_message_first_then_the_page(
    desk: Desk, qtbot
) -> None:
    answers = [long_markdown(6000, seed=turn) for turn in range(40)]
    conversation_id = stored(desk, 40, answers.__getitem__, "Long")
    view = desk.window.chat_view
    click(desk, qtbot, conversation_id)
    assert view.filling
    desk.until(view.message_widgets)
    first = view.message_widgets()
    assert first[-1].objectName() == "assistant_message"
    assert words(first[-1].message.text) == words(answers[-1])
    assert len(first) < 30  # the rest of the page follows

    shown = desk.shown(30)  # the last page: turns 25..39
    questions = [w.body.toPlainText() for w in shown if w.objectName() == "user_message"]
    assert questions == [f"Long question {turn}" for turn in range(25, 40)]
    for widget, answer in zip(shown[1::2], answers[25:], strict=True):
        reference = whole(answer)
        assert words(widget.body.toPlainText()) == words(reference.toPlainText())
        assert widget.body.code_block(0) == reference.code_block(0)
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()  # the newest stays in view
    assert not view.earlier_button.isHidden()


def test_switching_quickly_shows_only_the_second_conversation(desk: Desk, qtbot) -> None:
    first = stored(desk, 30, lambda turn: long_markdown(6000, seed=turn), "First")
    second = stored(desk, 3, "A short answer.", "Second")
    view = desk.window.chat_view
    click(desk, qtbot, first)
    desk.until(view.message_widgets)
    assert view.filling  # the first is still filling in
    click(desk, qtbot, second)
    shown = desk.shown(6)
    assert {w.message.conversation_id for w in shown} == {second}
    assert [w.body.toPlainText() for w in shown[::2]] == [f"Second question {t}" for t in range(3)]

    def only_the_second_shows_until_the_first_is_gone() -> bool:
        """Checked at every poll while late work of the first runs, until it is deleted."""
        every = view.widget().findChildren(MessageWidget)
        visible = [w for w in every if not w.isHidden()]
        assert sorted(id(w) for w in visible) == sorted(id(w) for w in view.message_widgets())
        assert {w.message.conversation_id for w in visible} == {second}
        return len(every) == 6 and not view.filling

    desk.until(only_the_second_shows_until_the_first_is_gone)


def test_earlier_messages_clicked_while_the_page_fills_in_go_above_it(desk: Desk, qtbot) -> None:
    conversation_id = stored(desk, 40, lambda turn: f"Answer {turn}\n\n- a list", "Paged")
    view = desk.window.chat_view
    click(desk, qtbot, conversation_id)
    desk.until(lambda: not view.earlier_button.isHidden())
    qtbot.mouseClick(view.earlier_button, Qt.MouseButton.LeftButton)
    shown = desk.shown(60)
    questions = [w.body.toPlainText() for w in shown[::2]]
    assert questions == [f"Paged question {turn}" for turn in range(10, 40)]
    bar = view.verticalScrollBar()
    bar.setValue(0)  # scrolled up to the button; what is in view stays in place below it
    top = shown[0]
    before = top.mapTo(view.viewport(), top.rect().topLeft()).y()
    qtbot.mouseClick(view.earlier_button, Qt.MouseButton.LeftButton)
    desk.shown(80)  # all 80 in, and the fill has settled
    assert view.earlier_button.isHidden()
    assert bar.value() > 0
    # 20 messages (~1,500 px) went in above; what was in view moved by a line at most
    assert abs(top.mapTo(view.viewport(), top.rect().topLeft()).y() - before) <= 48


def test_thinking_of_an_old_answer_shows_when_opened(desk: Desk, qtbot) -> None:
    conversation = desk.store.create_conversation(ConversationSettings())
    desk.store.add_message(Message(conversation.id, Role.USER, [text_block("Why?")]))
    thinking = {"type": "thinking", "thinking": "First I **weigh** the options.", "signature": "s"}
    content = [thinking, text_block("Because.")]
    desk.store.add_message(Message(conversation.id, Role.ASSISTANT, content))
    desk.window.refresh_conversations()
    click(desk, qtbot, conversation.id)
    answer = desk.shown(2)[-1]
    assert answer.body.toPlainText() == "Because."
    assert answer.thinking is not None and answer.thinking.body.isHidden()
    qtbot.mouseClick(answer.thinking.toggle, Qt.MouseButton.LeftButton)
    assert not answer.thinking.body.isHidden()
    assert answer.thinking.body.toPlainText() == "First I weigh the options."


def test_a_history_answer_shows_what_the_whole_render_shows(desk: Desk, qtbot) -> None:
    code = "\n".join(f"line_{n} = {n}" if n % 5 else "" for n in range(1, 120))
    text = (  # long code with blank lines here and there, tables, lists, quotes
        long_markdown(8000, seed=3)
        + f"\n```python\n{code}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nafter the table\n"
    )
    conversation_id = stored(desk, 1, text, "Pieces")
    click(desk, qtbot, conversation_id)
    body = desk.shown(2)[-1].body
    reference = whole(text)
    # Every line is there, and no more (no empty line after a table in either); a blank line
    # inside long code that was cut into pieces is kept as a space.
    ours, theirs = body.toPlainText().split("\n"), reference.toPlainText().split("\n")
    assert [line.rstrip() for line in ours] == [line.rstrip() for line in theirs]
    shown_code = "\n".join(line.rstrip() for line in ours)  # code lines start with a space
    assert "\n".join(f" {line}".rstrip() for line in code.split("\n")) in shown_code
    codes = [reference.code_block(i) for i in range(text.count("```") // 2)]
    assert [body.code_block(i) for i in range(len(codes))] == codes
    assert body.markdown_text() == text


TABLES_ANSWER = (
    "Here is what is in stock:\n\n"
    "| Fruit | Count |\n|---|---|\n| apples | 3 |\n| pears | 5 |\n\n"
    "The table above sums to 8.\n\n"
    "## By shop\n\n"
    "| Shop | Open |\n|---|---|\n| north | yes |\n\n"
    "# Summary\n\n"
    "Both shops have fruit."
)


def layout_of(body: MessageBody) -> tuple[int, list[tuple[str, int]], int]:
    """What a person sees of a body: its blocks' texts and where they sit, and its height."""
    document = body.document()
    layout = document.documentLayout()
    blocks, block = [], document.begin()
    while block.isValid():
        blocks.append((block.text(), round(layout.blockBoundingRect(block).y())))
        block = block.next()
    return document.blockCount(), blocks, round(document.size().height())


def test_a_streamed_answer_with_tables_looks_the_same_when_reopened(
    desk: Desk, qtbot, fake_api
) -> None:
    fake_api.enqueue(TextReply(TABLES_ANSWER))
    type_and_send(desk, qtbot, "What fruit is there?")
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    streamed = desk.last_answer().body
    desk.until(lambda: streamed.up_to_date)
    seen_streamed = layout_of(streamed)
    height_streamed = streamed.height()
    width = streamed.document().textWidth()
    assert "The table above sums to 8." in streamed.toPlainText()

    answered = desk.store.list_conversations()[0].id
    other = stored(desk, 1, "Something else.", "Other")
    click(desk, qtbot, other)
    desk.shown(2)
    click(desk, qtbot, answered)
    reopened = desk.shown(2)[-1].body
    assert reopened is not streamed
    assert reopened.document().textWidth() == width
    assert layout_of(reopened) == seen_streamed
    assert reopened.height() == height_streamed

    # The one-shot render (a finished answer added whole, a thinking section) is the same:
    # no empty line under a table in one and not in the other.
    reference = whole(TABLES_ANSWER)
    reference.document().setTextWidth(width)
    assert layout_of(reference) == seen_streamed
    assert "" not in reference.toPlainText().split("\n")
