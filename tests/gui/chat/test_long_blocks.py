"""A long table streamed from the fake server ends up exactly as a one-shot render shows it."""

from __future__ import annotations

from itertools import pairwise

import pytest
from PySide6.QtGui import QColor, QTextTable

from desktop.ui.chat.message_body import MessageBody
from tests.bench.long_blocks import list_markdown, table_markdown
from tests.bench.streaming_answer import token_deltas
from tests.fake_api.script import TextReply
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import Desk


@pytest.fixture
def stream_mode() -> str:
    return "in-process"


def tables(body: MessageBody) -> list[tuple[int, int, list[str], list[str]]]:
    """Each table of the body: rows, columns, the cells' text, the column width constraints."""
    found = []
    for frame in body.document().rootFrame().childFrames():
        if isinstance(frame, QTextTable):
            cells = [
                frame.cellAt(r, c).firstCursorPosition().block().text()
                for r in range(frame.rows())
                for c in range(frame.columns())
            ]
            widths = [str(w.rawValue()) for w in frame.format().columnWidthConstraints()]
            found.append((frame.rows(), frame.columns(), cells, widths))
    return found


def ordinary_table(_rows: int) -> str:
    """A 25-row table: short enough to stay one table, as Qt sizes it."""
    return table_markdown(25)


@pytest.mark.parametrize(
    "make", [table_markdown, list_markdown, ordinary_table], ids=["table", "list", "25 rows"]
)
def test_a_long_block_streams_whole_and_ends_like_a_one_shot_render(
    desk: Desk, qtbot, fake_api, make
) -> None:
    text = make(150)
    fake_api.enqueue(TextReply.many_deltas(token_deltas(text, len(text) // 4)))
    type_and_send(desk, qtbot, "List every endpoint")
    desk.until(lambda: desk.idle() and desk.last_answer() is not None)
    body = desk.last_answer().body
    desk.until(lambda: not body.streaming and body.up_to_date)
    assert body.markdown_text() == text  # copy as markdown gives the exact text back
    one_shot = MessageBody()
    qtbot.addWidget(one_shot)
    one_shot.set_markdown(text)
    shown = [line for line in body.toPlainText().split("\n") if line]
    assert shown == [line for line in one_shot.toPlainText().split("\n") if line]
    assert tables(body) == tables(one_shot)
    if make is table_markdown:
        assert sum(rows for rows, *_ in tables(body)) == 151  # the header and every row
        assert "/149" in body.toPlainText()  # the last row
    if make is ordinary_table:  # one table, its columns sized by Qt as ever
        assert [(rows, set(widths)) for rows, _, _, widths in tables(body)] == [(26, {"0.0"})]
    lists = [b.textList() is not None for b in _blocks(body)]
    assert lists == [b.textList() is not None for b in _blocks(one_shot)]


def test_a_long_table_draws_as_one_table(qtbot) -> None:
    """The lines between rows are evenly spaced, where segments meet too (no seam)."""
    body = MessageBody()
    qtbot.addWidget(body)
    body.resize(700, 100)
    body.set_markdown("| a | b |\n|---|---|\n" + "".join(f"| {i} | x |\n" for i in range(45)))
    assert len(tables(body)) == 5  # drawn as segments
    image = body.grab().toImage()
    x = image.width() - 20  # inside the last column, right of its text
    lines = [y for y in range(image.height()) if QColor(image.pixel(x, y)).red() < 235]
    assert len(lines) == 47  # one line above each of the 46 rows and one below, 1 px each
    assert len({b - a for a, b in pairwise(lines)}) == 1


def _blocks(body: MessageBody) -> list:
    out, block = [], body.document().begin()
    while block.isValid():
        if block.text():
            out.append(block)
        block = block.next()
    return out
