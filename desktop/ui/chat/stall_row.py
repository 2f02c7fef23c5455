"""On a streaming answer that has had no data for a while: say so, with Stop and Retry."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.core.notices import stall_text


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
