"""The Spend view: chats cost money, the view shows it per day and per model, and exports CSV."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from desktop.core.conversation import Usage
from desktop.core.spend import CSV_COLUMNS, UsageRecord
from desktop.ui.spend.view import SpendView
from tests.fake_api.script import TextReply
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import Desk

USAGE = {"input_tokens": 1000, "output_tokens": 2000, "cache_read_input_tokens": 10_000}
# claude-opus-4-8 per answer: 1,000 × $5 + 2,000 × $25 + 10,000 × $0.50 per million = $0.06;
# caching saved 10,000 × $4.50 per million = $0.045


def open_spend_by_shortcut(desk: Desk, qtbot) -> SpendView:
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_S, ctrl_shift)
    view = desk.window.spend_view
    assert view is not None and view.objectName() == "spend_view"
    loaded: list[bool] = []
    view.loaded.connect(lambda: loaded.append(True))
    desk.until(lambda: loaded or (view.summary is not None and view.summary.requests))
    return view


def test_spend_view_after_chatting(desk: Desk, qtbot, fake_api, monkeypatch, tmp_path) -> None:
    fake_api.enqueue(TextReply("First.", usage=USAGE), TextReply("Second.", usage=USAGE))
    type_and_send(desk, qtbot, "One")
    desk.until(desk.idle)
    type_and_send(desk, qtbot, "Two")
    desk.until(desk.idle)
    action = desk.window.spend_action
    assert action.shortcut().toString() == "Ctrl+Shift+S"
    view_menu = next(a.menu() for a in desk.window.menuBar().actions() if a.text() == "&View")
    assert action in view_menu.actions()
    view = open_spend_by_shortcut(desk, qtbot)
    assert view.isVisible()
    assert view.total_label.text() == "$0.1200 · 2 requests · last 30 days"
    assert view.saved_label.text().startswith("Prompt caching saved $0.0900")
    assert view.unpriced_label.isHidden()
    assert view.table.row_texts() == [
        ["claude-opus-4-8", "chat", "2", "2,000", "4,000", "0", "20,000",
         "0", "0", "$0.1200", "—", "$0.1200"]  # no searches or fetches: no tool fee
    ]  # fmt: skip
    assert view.tools_label.text() == "Web tools: none used in this range."
    # the chart has today's bar, painted in the first series colour
    chart = view.chart
    assert chart.days[-1].day == date.today().isoformat()
    assert chart.series == [("claude-opus-4-8", False)]
    image: QImage = chart.grab().toImage()
    bar_x = int(chart.width() - 12 - (chart.width() - 76) / len(chart.days) / 2)
    colours = {image.pixelColor(bar_x, y).name() for y in range(image.height())}
    assert "#c96442" in colours

    target = tmp_path / "spend.csv"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "CSV files (*.csv)")
    )
    saved: list[str] = []
    view.exported.connect(saved.append)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    desk.until(lambda: saved)
    rows = list(csv.reader(target.open(encoding="utf-8")))
    expected = [date.today().isoformat(), "claude-opus-4-8", "chat", "2", "2000", "4000"]
    expected += ["0", "0", "20000", "0.12", "0.09", "0", "0", "0.12", "0"]
    assert rows == [list(CSV_COLUMNS), expected]
    assert "Saved" in view.status_label.text()
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["spend.csv"]  # no temp left


def test_batch_source_is_shown_as_batch_at_half_price(desk: Desk, qtbot) -> None:
    today = date.today().isoformat()

    def batches() -> list[UsageRecord]:  # what Message Batches will report
        return [UsageRecord(today, "claude-opus-4-8", Usage(1_000_000), batch=True, requests=5)]

    def mystery() -> list[UsageRecord]:
        return [UsageRecord(today, "claude-mystery-1", Usage(5000), requests=3)]

    desk.window.add_spend_source(batches)
    desk.window.add_spend_source(mystery)
    desk.window.spend_action.trigger()  # the menu item
    view = desk.window.spend_view
    assert view is not None
    desk.until(lambda: view.summary is not None)
    assert view.table.row_texts() == [
        ["claude-opus-4-8", "batch", "5", "1,000,000", "0", "0", "0",
         "0", "0", "$2.50", "—", "$2.50"],
        ["claude-mystery-1", "chat", "3", "5,000", "0", "0", "0",
         "0", "0", "unknown", "—", "unknown"],
    ]  # fmt: skip
    assert view.total_label.text() == "$2.50 · 8 requests · last 30 days"
    assert not view.unpriced_label.isHidden()
    assert "claude-mystery-1: 3 answers" in view.unpriced_label.text()
    assert view.chart.series == [("claude-opus-4-8", True)]


def test_range_choice_and_failing_source(desk: Desk, qtbot) -> None:
    def old_and_new() -> list[UsageRecord]:
        return [
            UsageRecord("2001-01-01", "claude-opus-4-8", Usage(1_000_000)),
            UsageRecord(date.today().isoformat(), "claude-opus-4-8", Usage(2_000_000)),
        ]

    desk.window.spend_sources[:] = [old_and_new]
    desk.window.show_spend()
    view = desk.window.spend_view
    assert view is not None
    desk.until(lambda: view.summary is not None)
    assert view.total_label.text().startswith("$10.00")
    view.range_picker.setCurrentIndex(view.range_picker.findText("All time"))
    desk.until(lambda: "all time" in view.total_label.text())  # priced in a worker
    assert view.total_label.text().startswith("$15.00 · 2 requests · all time")
    assert len(view.chart.days) > 9000  # every day since 2001

    def broken() -> list[UsageRecord]:
        raise OSError("disk on fire")

    desk.window.add_spend_source(broken)
    view.summary = None
    desk.window.show_spend()
    desk.until(lambda: view.status_label.text())
    assert view.total_label.text() == "Spending could not be read"
    assert "disk on fire" in view.status_label.text()
    assert not view.export_button.isEnabled()


def test_export_to_unwritable_place_says_so(desk: Desk, tmp_path: Path) -> None:
    desk.window.show_spend()
    view = desk.window.spend_view
    assert view is not None
    loaded: list[bool] = []
    view.loaded.connect(lambda: loaded.append(True))
    desk.until(lambda: loaded)
    view.export(str(tmp_path / "missing-folder" / "spend.csv"))
    desk.until(lambda: "Could not write" in view.status_label.text())


def test_chart_scale_and_day_tooltips(qtbot) -> None:
    from decimal import Decimal

    from desktop.core.spend import DaySpend
    from desktop.ui.spend.chart import SpendChart, axis_usd, nice_ceiling

    assert [nice_ceiling(Decimal(x)) for x in ("0", "0.0031", "0.7", "1", "1.76", "42")] == [
        Decimal(0),
        Decimal("0.005"),
        Decimal(1),
        Decimal(1),
        Decimal(2),
        Decimal(50),
    ]
    assert [axis_usd(Decimal(x)) for x in ("0", "0.005", "0.5", "2", "1000")] == [
        "$0",
        "$0.005",
        "$0.50",
        "$2.00",
        "$1,000",
    ]
    chart = SpendChart()
    qtbot.addWidget(chart)
    chart.resize(476, 240)  # a 400 px plot: 100 px per day
    series = [("claude-opus-4-8", False), ("claude-opus-4-8", True)]
    days = [DaySpend(f"2026-11-0{i}") for i in range(1, 5)]
    days[2] = DaySpend("2026-11-03", {series[0]: Decimal("1.5"), series[1]: Decimal("0.25")})
    chart.set_data(days, series)
    assert chart.peak() == Decimal(2)
    day = chart.day_at(64 + 250)
    assert day is not None and day.day == "2026-11-03"
    assert chart._day_tip(day).splitlines() == [
        "2026-11-03: $1.75",
        "  claude-opus-4-8: $1.50",
        "  claude-opus-4-8 (batch): $0.2500",
    ]
    assert chart.day_at(10) is None
    assert "the most on 2026-11-03" in chart.toolTip()


def test_more_days_than_pixels_paint_each_columns_tallest_day(qtbot) -> None:
    from decimal import Decimal

    from desktop.core.spend import DaySpend
    from desktop.ui.spend.chart import SpendChart

    series = [("claude-opus-4-8", False)]
    days = [DaySpend(f"d{i}", {series[0]: Decimal(1 + (i % 5 == 3) * 9)}) for i in range(3500)]
    chart = SpendChart()
    qtbot.addWidget(chart)
    chart.resize(700, 260)
    chart.set_data(days, series)
    columns = chart._tallest_per_column(600 / len(days))
    assert len(columns) < 700  # one bar per pixel column, not 3,500
    assert {stack[0][1] for _, stack in columns} == {1.0}  # each column shows its tallest day
    assert chart.peak() == Decimal(10)
    chart.grab()  # paints without error
