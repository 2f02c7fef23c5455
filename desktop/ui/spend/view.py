"""The Spend view: what chats (and batches) cost per day and per model, and CSV export.

Records come from `UsageSource` callables (the history database; Message Batches can add its
own), read in a worker thread; pricing them is a few thousand Decimal operations at most.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import DeskError
from desktop.core.ports import ExportFiles
from desktop.core.pricing import format_usd
from desktop.core.spend import (
    RANGES,
    SpecFor,
    SpendSummary,
    UsageRecord,
    UsageSource,
    csv_text,
    first_day,
    in_range,
    summarize,
    tools_text,
)
from desktop.ui.common.tasks import TaskRegistry
from desktop.ui.common.windows import close_on_escape
from desktop.ui.spend.chart import Bars, SpendChart, bar_stacks
from desktop.ui.spend.table import SpendTable

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)

LOAD_GROUP = "spend:load"
EXPORT_GROUP = "spend:export"
RANGE_GROUP = "spend:range"
CSV_FILTER = "CSV files (*.csv);;All files (*)"


def read_sources(sources: list[UsageSource]) -> list[UsageRecord]:
    """Every source's records (blocking: runs in a worker thread)."""
    return [record for source in sources for record in source()]


class SpendView(QDialog):
    """Totals for a range, a chart per day, a table per model, what caching saved, CSV."""

    loaded = Signal()  # records were read (or reading failed) and the view shows them
    exported = Signal(str)  # the CSV file's path

    def __init__(
        self,
        sources: list[UsageSource],
        spec_for: SpecFor,
        tasks: TaskRegistry,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = date.today,
        exports: ExportFiles,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("spend_view")
        self.setAccessibleName("Spend")
        self.setWindowTitle("Spend — Claude Desk")
        close_on_escape(self)
        self.resize(1000, 660)  # twelve columns with millions of tokens; fits 1280×800
        self.sources = sources
        self._spec_for = spec_for
        self._tasks = tasks
        self._today = today
        self.exports = exports
        self.records: list[UsageRecord] = []
        self.summary: SpendSummary | None = None
        self._widened = False  # grown once to show the table whole
        self._build()

    def _build(self) -> None:
        column = QVBoxLayout(self)
        top = QHBoxLayout()
        self.range_picker = QComboBox(self)
        self.range_picker.setObjectName("spend_range")
        self.range_picker.setAccessibleName("Range of days")
        for label, days in RANGES:
            self.range_picker.addItem(label, days)
        self.range_picker.setCurrentIndex(1)  # the last 30 days
        self.range_picker.currentIndexChanged.connect(self._on_range_picker_changed)
        self.total_label = self._label("spend_total", "Total spent in the range")
        self.total_label.setStyleSheet("font-size: 18px; font-weight: 600;")
        top.addWidget(self.range_picker)
        top.addWidget(self.total_label, 1)
        column.addLayout(top)
        self.tools_label = self._label("spend_tools", "Token and web tool costs")
        self.tools_label.setWordWrap(True)
        self.saved_label = self._label("spend_saved", "What prompt caching saved")
        self.unpriced_label = self._label("spend_unpriced", "Models without a known price")
        self.unpriced_label.setWordWrap(True)
        self.chart = SpendChart(self)
        self.table = SpendTable(self)
        labels = (self.tools_label, self.saved_label, self.unpriced_label)
        for widget in (*labels, self.chart, self.table):
            column.addWidget(widget)
        column.setStretchFactor(self.chart, 3)
        column.setStretchFactor(self.table, 1)
        column.addLayout(self._build_buttons())

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.status_label = self._label("spend_status", "Export status")
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.setObjectName("spend_export")
        self.export_button.setAccessibleName("Export spending as CSV")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setObjectName("spend_refresh")
        self.refresh_button.clicked.connect(self.reload)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        row.addWidget(self.status_label, 1)
        for button in (self.refresh_button, self.export_button, close):
            row.addWidget(button)
        return row

    def _label(self, name: str, accessible: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setAccessibleName(accessible)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # -- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read every source again in a worker thread; the view updates when they are read."""
        import asyncio

        self.total_label.setText("Reading your history…")
        self.export_button.setEnabled(False)
        sources = list(self.sources)
        work = asyncio.to_thread(read_sources, sources)
        self._tasks.start(LOAD_GROUP, work, on_done=self._on_load_done)

    def _on_load_done(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            if not isinstance(error, DeskError):
                log.error("spending could not be read", exc_info=error)
            message = error.message if isinstance(error, DeskError) else str(error)
            self.total_label.setText("Spending could not be read")
            self.status_label.setText(message)
            self.loaded.emit()
        else:
            self.records = task.result()
            self.show_range()  # `loaded` once the range is priced and shown

    @property
    def range_start(self) -> str | None:
        return first_day(self.range_picker.currentData(), self._today())

    def show_range(self) -> None:
        """Price the chosen range's records in a worker thread (years of history take ~0.1 s)
        and show them; a range chosen meanwhile supersedes the one being priced."""
        import asyncio

        records, start, today, spec_for = (
            self.records,
            self.range_start,
            self._today(),
            self._spec_for,
        )

        def price() -> tuple[SpendSummary, Bars]:
            summary = summarize(records, spec_for, start, today)
            return summary, bar_stacks(summary.days, summary.series)

        self._tasks.start(RANGE_GROUP, asyncio.to_thread(price), on_done=self._on_range_done)

    def _on_range_done(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        if (error := task.exception()) is not None:
            log.error("spending could not be priced", exc_info=error)
            self.status_label.setText(f"Spending could not be priced: {error}")
        else:
            self._show_summary(*task.result())
        self.loaded.emit()

    def _show_summary(self, summary: SpendSummary, bars: Bars | None = None) -> None:
        self.summary = summary
        label = self.range_picker.currentText().lower()
        noun = "request" if summary.requests == 1 else "requests"
        self.total_label.setText(
            f"{format_usd(summary.total.total)} · {summary.requests:,} {noun} · {label}"
        )
        self.tools_label.setText(tools_text(summary))
        self.saved_label.setText(_saved_text(summary))
        self.unpriced_label.setText(_unpriced_text(summary))
        self.unpriced_label.setVisible(bool(summary.unpriced))
        self.chart.set_data(summary.days, summary.series, bars)
        self.table.show_summary(summary)
        self._widen_for_table()
        self.export_button.setEnabled(bool(in_range(self.records, self.range_start)))

    def _widen_for_table(self) -> None:
        """Once, when the first rows are shown: grow (never shrink) so every column shows
        whole, within the screen's width — larger fonts or nine-digit counts need more than
        the size the view opens with. Later a person's own size is kept."""
        if self._widened or not self.table.rowCount():
            return
        self._widened = True
        need = self.table.needed_width() + self.width() - self.table.width()
        screen = self.screen().availableGeometry().width()
        if need > self.width() and self.width() < screen:
            self.resize(min(need, screen), self.height())

    def _on_range_picker_changed(self, _index: int) -> None:
        self.show_range()

    # -- export -------------------------------------------------------------------------------

    def _on_export_button_clicked(self) -> None:
        name = os.path.join(
            self.exports.folder(), f"claude-desk-spend-{self._today().isoformat()}.csv"
        )
        path, _filter = QFileDialog.getSaveFileName(self, "Export spending", name, CSV_FILTER)
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        """Write the chosen range's records as CSV to `path` (made and written in a worker)."""
        import asyncio

        records = in_range(self.records, self.range_start)
        spec_for, write_text = self._spec_for, self.exports.write_text
        self.status_label.setText("Exporting…")
        work = asyncio.to_thread(lambda: write_text(path, csv_text(records, spec_for)))
        self._tasks.start(EXPORT_GROUP, work, on_done=lambda task: self._on_export_done(task, path))

    def _on_export_done(self, task: asyncio.Task[Any], path: str) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            reason = getattr(error, "strerror", None) or str(error)
            self.status_label.setText(f"Could not write {path}: {reason}. Choose another place.")
            return
        self.status_label.setText(f"Saved {path}")
        self.exported.emit(path)

    def closeEvent(self, event: Any) -> None:
        self._tasks.cancel(LOAD_GROUP)
        self._tasks.cancel(RANGE_GROUP)
        super().closeEvent(event)


def _saved_text(summary: SpendSummary) -> str:
    saved = summary.total.saved_by_cache
    if summary.total.cache_read == 0 and summary.total.cache_write == 0:
        return "Prompt caching: not used in this range."
    if saved >= 0:
        return f"Prompt caching saved {format_usd(saved)} (net of the extra paid for cache writes)."
    return (
        f"Prompt caching cost {format_usd(-saved)} more than it saved (writes not yet read back)."
    )


def _unpriced_text(summary: SpendSummary) -> str:
    parts = [
        f"{m.model}{' (batch)' if m.batch else ''}: {m.requests:,} "
        f"{'answer' if m.requests == 1 else 'answers'}"
        for m in summary.unpriced
    ]
    return "Price unknown, not in the totals — " + "; ".join(parts) if parts else ""
