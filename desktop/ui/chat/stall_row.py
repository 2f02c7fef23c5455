"""On a streaming answer that has had no data for a while: say so, with Stop and Retry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.core.notices import stall_text

if TYPE_CHECKING:
    from desktop.ui.chat.message_widget import MessageWidget


class StallRow(QFrame):
    """ "No data from the API for 30 s — still waiting", Stop and Retry (hidden otherwise)."""

    stop_requested = Signal()
    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stall_notice")
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        self.label = QLabel(self)
        self.label.setObjectName("stall_label")
        self.label.setWordWrap(True)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setObjectName("stall_stop_button")
        self.stop_button.setToolTip("End this request and keep what has arrived")
        self.stop_button.clicked.connect(self.stop_requested)
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.setObjectName("stall_retry_button")
        self.retry_button.setToolTip("End this request and ask again")
        self.retry_button.clicked.connect(self.retry_requested)
        row.addWidget(self.label, 1)
        row.addWidget(self.stop_button)
        row.addWidget(self.retry_button)

    def show_silence(self, seconds: float) -> None:
        """No data for `seconds`; 0 hides the row (data came again, or the answer ended)."""
        if seconds > 0:
            self.label.setText(stall_text(seconds))
        self.setVisible(seconds > 0)


def stall_row(widget: MessageWidget) -> StallRow | None:
    """The answer's stall row, if it ever stalled."""
    return widget.findChild(StallRow, "stall_notice")


def show_stall(widget: MessageWidget, seconds: float) -> None:
    """On the answer `widget` shows: no data for `seconds` (0: hide), with Stop and Retry,
    which ask as the widget's own Cancel (of a wait) and Retry do. The row is built above
    the footer on the first stall; the run hides it when its stream ends."""
    row = stall_row(widget)
    if row is None:
        if seconds <= 0:
            return
        row = StallRow(widget)
        row.stop_requested.connect(widget.cancel_wait_requested)
        row.retry_requested.connect(lambda: widget.retry_requested.emit(widget.message.id))
        layout = widget.layout()
        assert isinstance(layout, QBoxLayout)
        layout.insertWidget(layout.indexOf(widget.footer), row)
    row.show_silence(seconds)
