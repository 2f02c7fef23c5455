"""A table model over a batch's result rows: only the visible cells are ever formatted.

Setting 10,000 rows is one model reset (no per-row widgets); `QTableView` asks for the few
dozen cells on screen. Columns: id, prompt, status, answer, stop reason, usage, cost, error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.core.batch_results import ResultRow, results_summary
from desktop.core.pricing import format_usd
from desktop.ui.common.theme_state import colour

COLUMNS = ("ID", "Prompt", "Status", "Answer", "Stop reason", "Usage", "Cost", "Error")
PREVIEW = 80
_STATUS = {
    "succeeded": "succeeded",
    "errored": "errored",
    "canceled": "canceled",
    "expired": "expired",
    "missing": "no result",
}
Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


def usage_text(row: ResultRow) -> str:
    usage = row.result.usage
    if usage is None:
        return ""
    text = f"{usage.total_input_tokens:,} in · {usage.output_tokens:,} out"
    cache = usage.cache_read_input_tokens + usage.cache_creation_input_tokens
    if cache:
        text += f" (cache: {usage.cache_read_input_tokens:,} read, "
        text += f"{usage.cache_creation_input_tokens:,} written)"
    return text


def error_text(row: ResultRow) -> str:
    r = row.result
    if not r.failed:
        return ""
    advice = "worth retrying" if r.retry_worthwhile else "fix the request"
    if r.kind == "errored":
        return f"{r.error_type}: {r.error_message} — {advice}"
    if r.kind == "missing":
        return "no result for this request"
    return f"{r.kind} — {advice}"


def cost_text(row: ResultRow) -> str:
    if row.cost is None:
        return "price unknown"
    return format_usd(row.cost.total)


def cell(row: ResultRow, column: int) -> str:
    r = row.result
    if column == 0:
        return row.custom_id
    if column == 1:
        return _one_line(row.prompt)
    if column == 2:
        return _STATUS.get(r.kind, r.kind)
    if column == 3:
        return _one_line(r.text)
    if column == 4:
        return r.stop_reason or ""
    if column == 5:
        return usage_text(row)
    if column == 6:
        return cost_text(row)
    return error_text(row)


@dataclass(frozen=True, slots=True)
class ResultTable:
    """Rows with their cell texts made in advance (in a worker thread), and a summary line."""

    rows: list[ResultRow] = field(default_factory=list)
    cells: list[tuple[str, ...]] = field(default_factory=list)
    summary: str = ""


def build_table(rows: list[ResultRow]) -> ResultTable:
    """Format every cell now (call it off the UI thread): painting then only looks them up.

    Every hundred rows the thread lets go of the GIL for a moment, so the UI thread
    never waits a whole switch interval (5 ms) for it more than once per frame.
    """
    cells = []
    for number, row in enumerate(rows):
        if number % 100 == 0:
            time.sleep(0)
        cells.append(tuple(cell(row, column) for column in range(len(COLUMNS))))
    return ResultTable(rows, cells, results_summary(rows))


class ResultsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.table = ResultTable()

    @property
    def rows(self) -> list[ResultRow]:
        return self.table.rows

    def set_table(self, table: ResultTable) -> None:
        self.beginResetModel()
        self.table = table
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == _DISPLAY:  # formatted in the worker (build_table): painting only looks up
            return self.table.cells[index.row()][index.column()]
        row = self.rows[index.row()]
        if role == _TOOLTIP:
            return self._tooltip(row, index.column())
        if role == _FOREGROUND and row.result.failed and index.column() in (2, 7):
            return colour("error_text")
        if role == _ALIGNMENT and index.column() == 6:
            return _RIGHT
        return None

    def _tooltip(self, row: ResultRow, column: int) -> str | None:
        if column == 1:
            return row.prompt[:2000]
        if column == 3:
            return row.result.text[:2000]
        if column == 6 and row.cost is not None:
            c = row.cost
            return (
                f"At the batch price (50 %): input {format_usd(c.input)}, cache writes "
                f"{format_usd(c.cache_write)}, cache reads {format_usd(c.cache_read)}, "
                f"output {format_usd(c.output)}"
            )
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None
