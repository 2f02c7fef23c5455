"""The Spend view's table: one row per model (chats and batches apart) with tokens, web tool
requests, and what tokens and tools cost, apart and together."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.core.pricing import cache_write_split, format_usd
from desktop.core.spend import ModelSpend, SpendSummary
from desktop.ui.common.theme_state import colour, theme_signals
from desktop.ui.spend.chart import series_color

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent

COLUMNS = (
    "Model",
    "Kind",
    "Requests",
    "Input",
    "Output",
    "Cache writes",
    "Cache reads",
    "Searches",
    "Fetches",
    "Token cost",
    "Tool cost",
    "Total",
)
UNKNOWN = "unknown"  # under a "… cost" header: the price is unknown
NONE = "—"  # no searches, so no tool fee (also for answers stored before tools were counted)


class SpendTable(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("spend_table")
        self.setAccessibleName("Spending per model")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        for column in range(len(COLUMNS)):  # every model id, count and price in full
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self._summary: SpendSummary | None = None
        theme_signals().changed.connect(self._on_theme_changed)

    def _on_theme_changed(self, _palette: object) -> None:
        if self._summary is not None:  # the items' colours are the old theme's
            self.show_summary(self._summary)

    def show_summary(self, summary: SpendSummary) -> None:
        self._summary = summary
        self.setRowCount(len(summary.models))
        colours = {series: i for i, series in enumerate(summary.series)}
        for row, spend in enumerate(summary.models):
            index = colours.get((spend.model, spend.batch))
            for column, text in enumerate(_cells(spend)):
                item = QTableWidgetItem(text)
                if column >= 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if column == 0 and index is not None:
                    item.setForeground(series_color(index))
                if text == UNKNOWN:
                    item.setForeground(colour("warning_text"))
                self.setItem(row, column, item)
        self._fit_columns()

    def needed_width(self) -> int:
        """Pixels the table needs to show every column whole (header labels, cells, frame)."""
        header = self.horizontalHeader()
        columns = sum(
            max(self.sizeHintForColumn(c), header.sectionSizeHint(c))
            for c in range(self.columnCount())
        )
        bar = self.verticalScrollBar()
        return columns + 2 * self.frameWidth() + (bar.width() if bar.isVisible() else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """The model column takes the room left over; with none left, every column keeps its
        contents' width and the table scrolls sideways (a cell is never cut)."""
        fits = self.needed_width() <= self.width()
        mode = QHeaderView.ResizeMode.Stretch if fits else QHeaderView.ResizeMode.ResizeToContents
        if self.horizontalHeader().sectionResizeMode(0) != mode:
            self.horizontalHeader().setSectionResizeMode(0, mode)

    def row_texts(self) -> list[list[str]]:
        """The table as text, row by row (what a person reads; used by tests)."""
        return [
            [item.text() if (item := self.item(r, c)) else "" for c in range(self.columnCount())]
            for r in range(self.rowCount())
        ]


def _usd(amount: Decimal | None) -> str:
    return UNKNOWN if amount is None else format_usd(amount)


def _tool_cost(spend: ModelSpend) -> str:
    if not spend.usage.web_search_requests:
        return NONE
    return _usd(spend.tool_cost)


def _cells(spend: ModelSpend) -> list[str]:
    usage = spend.usage
    writes = sum(cache_write_split(usage))
    return [
        spend.model,
        spend.kind,
        f"{spend.requests:,}",
        f"{usage.input_tokens:,}",
        f"{usage.output_tokens:,}",
        f"{writes:,}",
        f"{usage.cache_read_input_tokens:,}",
        f"{usage.web_search_requests:,}",
        f"{usage.web_fetch_requests:,}",
        _usd(spend.token_cost),
        _tool_cost(spend),
        _usd(None if spend.cost is None else spend.cost.total),
    ]
