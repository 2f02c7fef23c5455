"""The Batches window: a "New batch" tab and a "Batches" tab (submitted batches, results).

Thin over `BatchesController`: the list shows status, request counts and times; selecting a
batch loads its results (matched by custom_id, priced at the batch rate) into a table view
backed by `ResultsModel`, so even 10,000 rows appear without stalling the UI.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.batch_results import BatchRecord, ResultRow, export_csv, export_jsonl
from desktop.core.conversation import ConversationSettings
from desktop.ui.batches.controller import BatchesController
from desktop.ui.batches.form import BatchForm, _named
from desktop.ui.batches.results_model import ResultsModel, ResultTable
from desktop.ui.common.windows import close_on_escape

if TYPE_CHECKING:
    from PySide6.QtGui import QFontMetrics

LIST_COLUMNS = (
    "Batch",
    "Status",
    "Succeeded",
    "Errored",
    "Canceled",
    "Expired",
    "Created",
    "Ended",
    "Expires",
)
RESULT_SAMPLES = (
    "request-000001",
    "A prompt of an ordinary length",
    "no result",
    "An answer of an ordinary length",
    "stop_sequence",
    "12,345 in · 1,234 out · 12,345 cached",
    "$0.0000",
    "An error message of an ordinary length here",
)
"""A typical value per results column, for its width (columns stay resizable)."""
CELL_PADDING = 24  # px


def _result_widths(metrics: QFontMetrics) -> list[int]:
    return [metrics.horizontalAdvance(sample) + CELL_PADDING for sample in RESULT_SAMPLES]


_STATUS = {"in_progress": "in progress", "canceling": "canceling", "ended": "ended"}


def when(moment: float | None) -> str:
    return "" if not moment else time.strftime("%Y-%m-%d %H:%M", time.localtime(moment))


def write_atomic(path: str, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".export-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class BatchesView(QWidget):
    open_conversation_requested = Signal(object, object)  # BatchRecord, ResultRow

    def __init__(
        self,
        controller: BatchesController,
        settings: ConversationSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("batches_view")
        self.setAccessibleName("Batches")
        self.setWindowTitle("Batches — Claude Desk")
        close_on_escape(self)
        self.resize(1100, 720)
        self.controller = controller
        self.records: list[BatchRecord] = []
        self.shown_batch: str | None = None
        self.model = ResultsModel(self)
        self._build(settings)
        self._connect()
        self._on_controller_batches_changed(controller.records)
        controller.refresh()

    def _build(self, settings: ConversationSettings) -> None:
        column = QVBoxLayout(self)
        self.tabs = _named(QTabWidget(self), "batch_tabs", "Batches")
        self.form = BatchForm(self.controller, settings, self)
        self.tabs.addTab(self.form, "New batch")
        self.tabs.addTab(self._build_follow_tab(), "Batches")
        self.notice = _named(QLabel(self), "batch_notice", "Batch notice")
        self.notice.setWordWrap(True)
        column.addWidget(self.tabs, 1)
        column.addWidget(self.notice)

    def _build_follow_tab(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        splitter = QSplitter(Qt.Orientation.Vertical, page)
        self.batch_list = _named(
            QTableWidget(0, len(LIST_COLUMNS), page), "batch_list", "Submitted batches"
        )
        self.batch_list.setHorizontalHeaderLabels(LIST_COLUMNS)
        self.batch_list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.batch_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.batch_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.batch_list.verticalHeader().setVisible(False)
        list_header = self.batch_list.horizontalHeader()
        list_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # a few rows
        list_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.results = _named(QTableView(page), "batch_results", "Batch results")
        self.results.setModel(self.model)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setWordWrap(False)
        self.results.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.results.verticalHeader().setDefaultSectionSize(24)
        self.results.verticalHeader().setVisible(False)
        header = self.results.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for index, width in enumerate(_result_widths(self.results.fontMetrics())):
            header.resizeSection(index, width)  # 10,000 rows: sized from samples, not contents
        splitter.addWidget(self.batch_list)
        splitter.addWidget(self.results)
        splitter.setSizes([200, 420])
        column.addWidget(splitter, 1)
        self.results_summary = _named(QLabel(page), "batch_results_summary", "Results summary")
        column.addWidget(self.results_summary)
        column.addLayout(self._build_buttons(page))
        return page

    def _build_buttons(self, page: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        self.cancel_button = _named(
            QPushButton("Cancel batch", page), "batch_cancel_button", "Cancel batch"
        )
        self.retry_button = _named(
            QPushButton("Retry failed rows as a new batch", page),
            "batch_retry_button",
            "Retry failed rows",
        )
        self.open_button = _named(
            QPushButton("Open as conversation", page),
            "batch_open_conversation",
            "Open result as conversation",
        )
        self.export_csv_button = _named(
            QPushButton("Export CSV…", page), "batch_export_csv", "Export CSV"
        )
        self.export_jsonl_button = _named(
            QPushButton("Export JSONL…", page), "batch_export_jsonl", "Export JSONL"
        )
        for button in (
            self.cancel_button,
            self.retry_button,
            self.open_button,
            self.export_csv_button,
            self.export_jsonl_button,
        ):
            button.setEnabled(False)
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _connect(self) -> None:
        c = self.controller
        c.batches_changed.connect(self._on_controller_batches_changed)
        c.results_loaded.connect(self._on_controller_results_loaded)
        c.batch_submitted.connect(self._on_controller_batch_submitted)
        c.batch_ended.connect(self._on_controller_batch_ended)
        c.failed.connect(self.notice.setText)
        self.batch_list.itemSelectionChanged.connect(self._on_batch_list_selection_changed)
        self.results.selectionModel().selectionChanged.connect(self._update_buttons)
        self.results.doubleClicked.connect(self._on_open_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.export_csv_button.clicked.connect(lambda: self._on_export_clicked("csv"))
        self.export_jsonl_button.clicked.connect(lambda: self._on_export_clicked("jsonl"))

    # -- the list ----------------------------------------------------------------------------

    def selected_record(self) -> BatchRecord | None:
        rows = self.batch_list.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.records):
            return None
        record: BatchRecord = self.records[rows[0].row()]
        return record

    def select_batch(self, batch_id: str) -> None:
        for index, record in enumerate(self.records):
            if record.id == batch_id:
                self.batch_list.selectRow(index)
                return

    def _on_controller_batches_changed(self, records: list[BatchRecord]) -> None:
        selected = self.selected_record()
        self.records = list(records)
        self.batch_list.blockSignals(True)
        self.batch_list.setRowCount(len(self.records))
        for row, record in enumerate(self.records):
            for col, text in enumerate(_list_cells(record)):
                item = QTableWidgetItem(text)
                item.setToolTip(record.id if col == 0 else "")
                self.batch_list.setItem(row, col, item)
        self.batch_list.blockSignals(False)
        if selected is not None:
            self.select_batch(selected.id)
        current = self.selected_record()
        if current is not None and current.results_saved and self.shown_batch != current.id:
            self._show_results(current)
        self._update_buttons()

    def _on_batch_list_selection_changed(self) -> None:
        record = self.selected_record()
        self.model.set_table(ResultTable())
        self.shown_batch = None
        self.results_summary.setText("")
        if record is not None:
            self._show_results(record)
        self._update_buttons()

    def _show_results(self, record: BatchRecord) -> None:
        if not record.results_saved:
            self.results_summary.setText("Results appear here when the batch has ended.")
            return
        self.shown_batch = record.id
        self.results_summary.setText("Loading results…")
        self.controller.load_results(record)

    def _on_controller_results_loaded(self, batch_id: str, table: ResultTable) -> None:
        record = self.selected_record()
        if record is None or record.id != batch_id:
            return
        self.model.set_table(table)
        self.results_summary.setText(table.summary)
        self._update_buttons()

    def _on_controller_batch_submitted(self, record: BatchRecord) -> None:
        self.tabs.setCurrentIndex(1)
        self.notice.setText(f"Batch “{record.title}” submitted ({record.id}).")

    def _on_controller_batch_ended(self, record: BatchRecord) -> None:
        self.notice.setText(ended_message(record))

    def _update_buttons(self, *_args: object) -> None:
        record = self.selected_record()
        has_rows = bool(self.model.rows) and record is not None and self.shown_batch == record.id
        self.cancel_button.setEnabled(record is not None and record.info.status == "in_progress")
        self.retry_button.setEnabled(has_rows and any(r.result.can_retry for r in self.model.rows))
        self.export_csv_button.setEnabled(has_rows)
        self.export_jsonl_button.setEnabled(has_rows)
        self.open_button.setEnabled(self._selected_result() is not None)

    # -- actions -----------------------------------------------------------------------------

    def _selected_result(self) -> ResultRow | None:
        selection = self.results.selectionModel()
        rows = selection.selectedRows() if selection is not None else []
        if not rows or rows[0].row() >= len(self.model.rows):
            return None
        row = self.model.rows[rows[0].row()]
        return row if row.result.kind == "succeeded" else None

    def _on_cancel_button_clicked(self) -> None:
        record = self.selected_record()
        if record is not None:
            self.notice.setText(f"Cancelling “{record.title}”…")
            self.controller.cancel(record.id)

    def _on_retry_button_clicked(self) -> None:
        record = self.selected_record()
        if record is None:
            return
        ids = [r.custom_id for r in self.model.rows if r.result.can_retry]
        self.notice.setText(f"Sending {len(ids)} failed requests again as a new batch…")
        self.controller.retry_failed(record, ids)

    def _on_open_button_clicked(self, *_args: object) -> None:
        record, row = self.selected_record(), self._selected_result()
        if record is not None and row is not None:
            self.open_conversation_requested.emit(record, row)

    def _on_export_clicked(self, kind: str) -> None:
        record = self.selected_record()
        if record is None:
            return
        name = f"{record.id}.{kind}"
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export results", name, f"{kind.upper()} (*.{kind})"
        )
        if path:
            self.export(path, kind)

    def export(self, path: str, kind: str) -> None:
        rows = list(self.model.rows)
        self.controller.tasks.start("batch-export", self._export(path, kind, rows))

    async def _export(self, path: str, kind: str, rows: list[ResultRow]) -> None:
        import asyncio

        render = export_csv if kind == "csv" else export_jsonl
        try:
            text = await asyncio.to_thread(render, rows)
            await asyncio.to_thread(write_atomic, path, text)
        except OSError as error:
            self.notice.setText(f"Could not export to {path}: {error}")
            return
        self.notice.setText(f"Exported {len(rows):,} results to {path}.")


def _list_cells(record: BatchRecord) -> list[str]:
    info, counts = record.info, record.info.counts
    ended = info.ended
    return [
        record.title,
        _STATUS.get(info.status, info.status),
        str(counts.succeeded) if ended else "—",
        str(counts.errored) if ended else "—",
        str(counts.canceled) if ended else "—",
        str(counts.expired) if ended else "—",
        when(info.created_at),
        when(info.ended_at),
        when(info.expires_at),
    ]


def ended_message(record: BatchRecord) -> str:
    c = record.info.counts
    return (
        f"Batch “{record.title}” has ended: {c.succeeded} succeeded, {c.errored} errored, "
        f"{c.canceled} canceled, {c.expired} expired."
    )
