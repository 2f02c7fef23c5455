"""Honest costs: each answer's price in its footer, the conversation's total in cost_label."""

from __future__ import annotations

from tests.fake_api.script import TextReply
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import Desk

USAGE = {"input_tokens": 1000, "output_tokens": 2000, "cache_read_input_tokens": 10_000}
# claude-opus-4-8: 1,000 × $5 + 2,000 × $25 + 10,000 × $0.50 (cache reads) per million = $0.06


def test_answer_and_conversation_costs(desk: Desk, qtbot, fake_api) -> None:
    cost_label = desk.window.cost_label
    assert cost_label.objectName() == "cost_label"
    assert cost_label.text() == ""  # a new, empty conversation
    fake_api.enqueue(TextReply("First.", usage=USAGE), TextReply("Second.", usage=USAGE))
    type_and_send(desk, qtbot, "One")
    desk.until(desk.idle)
    footer = desk.last_answer().footer.text()
    assert "11,000 in" in footer and "2,000 out" in footer
    assert "10,000 read from cache" in footer
    assert footer.endswith("$0.0600")
    assert cost_label.text() == "$0.0600"
    type_and_send(desk, qtbot, "Two")
    desk.until(desk.idle)
    assert cost_label.text() == "$0.1200"
    # the total comes back when the conversation is opened again
    conversation = desk.controller.conversation
    desk.controller.new_conversation()
    assert cost_label.text() == ""
    desk.controller.open_conversation(conversation)
    assert cost_label.text() == "$0.1200"


def test_unknown_price_is_never_a_number(desk: Desk, qtbot, fake_api, aloop) -> None:
    aloop.run_until_complete(desk.controller.refresh_models())
    picker = desk.window.model_picker
    picker.setCurrentIndex(picker.findData("claude-experimental-9"))
    fake_api.enqueue(TextReply("Hi.", usage=USAGE))
    type_and_send(desk, qtbot, "Hello")
    desk.until(desk.idle)
    assert desk.last_answer().footer.text().endswith("price unknown")
    assert desk.window.cost_label.text() == "price unknown"
