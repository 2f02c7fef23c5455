"""Spend with web tools: searches are priced apart from tokens (per model, in the totals, in a
day's tooltip and in the CSV), fetches counted, and answers stored before the app counted
server tools read as none. The conversation's cost in the header includes the search fees."""

from __future__ import annotations

import csv
import sqlite3
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QFont, QHelpEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QToolTip

from desktop.core.conversation import ConversationSettings, Message, Role, Usage, text_block
from desktop.core.pricing import format_usd
from desktop.core.spend import CSV_COLUMNS, UsageRecord
from desktop.ui.spend.table import COLUMNS
from desktop.ui.spend.view import SpendView
from tests.fake_api import Fetch, Search, ToolReply
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import Desk
from tests.gui.fit import clipped_texts
from tests.gui.spend.test_spend import open_spend_by_shortcut

SOURCES = [("Tides | Example", "https://www.example.com/tides", "1 day")]
OPUS_IN, OPUS_OUT = Decimal(5) / 1_000_000, Decimal(25) / 1_000_000  # models.toml, per token
TOOL_COLUMNS = slice(COLUMNS.index("Searches"), None)


def test_web_search_answer_costs_its_searches_in_header_and_spend(
    desk: Desk, qtbot, fake_api
) -> None:
    reply = ToolReply(
        steps=[
            Search("tide times", SOURCES),
            Search("spring tides", SOURCES),
            Fetch("https://www.example.com/tides", "Tides", "High water at noon."),
        ],
        answer=["High water is at noon."],
    )
    fake_api.enqueue(reply)
    type_and_send(desk, qtbot, "When is high water?")
    desk.until(lambda: desk.idle() and desk.last_answer() is not None, timeout=30)
    conversation = desk.controller.conversation
    assert conversation is not None
    usage = desk.store.read_messages(conversation.id)[-1].usage
    assert usage is not None and (usage.web_search_requests, usage.web_fetch_requests) == (2, 1)
    tokens = usage.input_tokens * OPUS_IN + usage.output_tokens * OPUS_OUT
    fees = Decimal("0.02")  # 2 searches × $10 per 1,000

    header_cost = desk.window.findChild(QLabel, "cost_label")
    desk.until(lambda: header_cost.text() == format_usd(tokens + fees))
    assert "including $0.0200 for 2 web searches" in header_cost.toolTip()

    view = open_spend_by_shortcut(desk, qtbot)
    [row] = view.table.row_texts()
    assert row[TOOL_COLUMNS] == ["2", "1", format_usd(tokens), "$0.0200", format_usd(tokens + fees)]
    assert view.total_label.text().startswith(format_usd(tokens + fees) + " · 1 request")
    assert view.tools_label.text() == (
        f"Tokens {format_usd(tokens)} · web tools $0.0200 (2 searches · 1 fetch); "
        "fetches cost only the tokens they read."
    )


def _answer(desk: Desk, conversation: int, model: str, when: float, usage: Usage) -> None:
    message = Message(
        conversation, Role.ASSISTANT, [text_block("…")], created_at=when, model=model, usage=usage
    )
    desk.store.add_message(message)


def _seed(desk: Desk) -> None:
    """Today: Opus with 12 searches and 3 fetches, Haiku without tools; yesterday: an Opus
    answer stored before the app counted server tools (no such keys in its usage JSON)."""
    conversation = desk.store.create_conversation(ConversationSettings()).id
    now = time.time()
    opus = Usage(input_tokens=100_000, output_tokens=10_000)  # $0.50 + $0.25
    opus.web_search_requests, opus.web_fetch_requests = 12, 3  # $0.12 in fees
    _answer(desk, conversation, "claude-opus-4-8", now, opus)
    _answer(desk, conversation, "claude-haiku-4-5", now, Usage(input_tokens=1_000_000))  # $1
    _answer(desk, conversation, "claude-opus-4-8", now - 86400, Usage())
    with sqlite3.connect(desk.paths.database_path) as raw:
        raw.execute(
            "UPDATE messages SET usage_json = ? WHERE id = (SELECT max(id) FROM messages)",
            ('{"input_tokens": 200000, "output_tokens": 0}',),  # $1.00, no tool keys at all
        )
    raw.close()


def _tooltip_at(widget, x: int) -> str:  # type: ignore[no-untyped-def]
    """What hovering `widget` at x (half way down) shows, as a person would see it."""
    pos = QPoint(x, widget.height() // 2)
    QApplication.sendEvent(widget, QHelpEvent(QEvent.Type.ToolTip, pos, widget.mapToGlobal(pos)))
    return QToolTip.text()


def test_spend_view_shows_tool_costs_apart_and_fits(
    desk: Desk, qtbot, monkeypatch, tmp_path
) -> None:
    _seed(desk)
    desk.window.spend_action.trigger()
    view = desk.window.spend_view
    assert isinstance(view, SpendView)
    desk.until(lambda: view.summary is not None and view.summary.requests)
    view.range_picker.setCurrentIndex(view.range_picker.findText("Last 7 days"))
    desk.until(lambda: "last 7 days" in view.total_label.text())  # priced in a worker
    assert view.table.row_texts() == [
        ["claude-opus-4-8", "chat", "2", "300,000", "10,000", "0", "0",
         "12", "3", "$1.75", "$0.1200", "$1.87"],
        ["claude-haiku-4-5", "chat", "1", "1,000,000", "0", "0", "0",
         "0", "0", "$1.00", "—", "$1.00"],
    ]  # fmt: skip
    assert view.total_label.text() == "$2.87 · 3 requests · last 7 days"
    assert view.tools_label.text() == (
        "Tokens $2.75 · web tools $0.1200 (12 searches · 3 fetches); "
        "fetches cost only the tokens they read."
    )

    chart = view.chart
    plot_width = chart.width() - 64 - 12  # the chart's margins
    slot = plot_width / len(chart.days)
    today = _tooltip_at(chart, int(64 + slot * 6.5))
    assert today.splitlines()[0] == f"{date.today().isoformat()}: $1.87"
    assert today.splitlines()[-1] == "  of which web tools: $0.1200 (12 searches · 3 fetches)"
    yesterday = _tooltip_at(chart, int(64 + slot * 5.5))
    assert yesterday.splitlines()[0] == f"{(date.today() - timedelta(days=1)).isoformat()}: $1.00"
    assert "web tools" not in yesterday  # an older answer: no tool line
    QToolTip.hideText()

    target = tmp_path / "spend.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    saved: list[str] = []
    view.exported.connect(saved.append)
    view.export_button.click()
    desk.until(lambda: saved)
    rows = [dict(zip(CSV_COLUMNS, r, strict=True)) for r in list(csv.reader(target.open()))[1:]]
    tools = [(r["model"], r["web_searches"], r["web_fetches"], r["tool_cost_usd"]) for r in rows]
    assert tools == [
        ("claude-opus-4-8", "0", "0", "0"),  # yesterday's answer, stored before
        ("claude-haiku-4-5", "0", "0", "0"),
        ("claude-opus-4-8", "12", "3", "0.12"),
    ]
    assert rows[-1]["token_cost_usd"] == "0.75" and rows[-1]["cost_usd"] == "0.87"

    for size in ((view.width(), view.height()), (1280, 800)):  # as it opens, and maximised
        view.resize(*size)
        qtbot.wait(30)
        assert clipped_texts(view) == [], size
    view.close()


def _heavy() -> list[UsageRecord]:
    """A long model id (unpriced, batch) and nine-digit counts: the widest rows there are."""
    today = date.today().isoformat()
    huge = Usage(123_456_789, 12_345_678, 0, 98_765_432)
    huge.web_search_requests, huge.web_fetch_requests = 123_456, 45_678
    return [
        UsageRecord(today, "claude-sonnet-4-5-20250929", huge, batch=True, requests=234_567),
        UsageRecord(today, "claude-opus-4-8", huge, requests=234_567),
    ]


@pytest.fixture(params=[9.0, 11.0], ids=["9pt", "11pt"])
def font_size(request, qapp) -> Iterator[float]:  # type: ignore[no-untyped-def]
    """The app's font at a size (9 pt: Qt's default here; 11 pt: GNOME's), put back after."""
    before = QFont(qapp.font())
    font = QFont(before)
    font.setPointSizeF(request.param)
    qapp.setFont(font)
    yield request.param
    qapp.setFont(before)


def test_big_numbers_fit_at_1280x800_and_scroll_rather_than_cut(
    desk: Desk, qtbot, font_size: float
) -> None:
    desk.window.add_spend_source(_heavy)
    desk.window.show_spend()
    view = desk.window.spend_view
    assert view is not None
    desk.until(lambda: view.summary is not None and view.summary.requests)
    qtbot.wait(30)
    assert clipped_texts(view) == []  # as it opens
    view.resize(1280, 800)
    qtbot.wait(30)
    assert clipped_texts(view) == []
    assert not view.table.horizontalScrollBar().isVisible()  # every column in view
    view.resize(640, 600)  # narrower than the columns: the table scrolls, nothing is cut
    qtbot.wait(30)
    assert clipped_texts(view) == []
    assert view.table.horizontalScrollBar().isVisible()
    view.close()


def test_opens_wide_enough_for_its_columns_within_the_screen(desk: Desk, qtbot) -> None:
    desk.window.add_spend_source(_heavy)
    desk.window.show_spend()
    view = desk.window.spend_view
    assert view is not None
    view.resize(600, 600)  # e.g. a small size before the rows came
    desk.until(lambda: view.summary is not None and view.summary.requests)
    qtbot.wait(30)
    screen = view.screen().availableGeometry().width()
    assert 600 < view.width() <= screen  # grown, but never past the screen
    whole = view.table.needed_width() <= view.table.width()
    assert whole or view.width() == screen  # as wide as it needs, or as the screen allows
    view.resize(620, 600)  # a person's own size afterwards is kept
    view.range_picker.setCurrentIndex(view.range_picker.findText("All time"))
    desk.until(lambda: "all time" in view.total_label.text())
    assert view.width() == 620
    view.close()
