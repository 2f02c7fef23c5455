"""How far a tool loop may go: rounds per answer, time per call, the largest result.

Kept with the app's preferences (`Preferences.tool_limits`); `limits_edited` once typing pauses.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import QFormLayout, QSpinBox, QWidget

from desktop.core.local_tools import ToolLimits
from desktop.core.preferences import RESULT_RANGE, ROUNDS_RANGE, TIMEOUT_RANGE

PAUSE_MS = 400


class ToolLimitsForm(QWidget):
    limits_edited = Signal(object)  # ToolLimits

    def __init__(self, limits: ToolLimits, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tool_limits")
        self._limits = limits
        self._timer = QTimer(self, singleShot=True, interval=PAUSE_MS)
        self._timer.timeout.connect(self._emit)
        self.rounds = self._spin("tool_rounds", "Tool rounds per answer", ROUNDS_RANGE, 1)
        self.rounds.setToolTip("Claude may call local tools this many times before it must answer.")
        self.timeout = self._spin("tool_timeout", "Time limit per tool call", TIMEOUT_RANGE, 10)
        self.timeout.setSuffix(" s")
        self.timeout.setToolTip(
            "A call still running after this is stopped and reported as failed."
        )
        self.result = self._spin("tool_result_limit", "Largest tool result", RESULT_RANGE, 10_000)
        self.result.setSuffix(" characters")
        self.result.setGroupSeparatorShown(True)
        self.result.setToolTip("Longer results are cut to this size, with a note to Claude.")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.addRow("Tool rounds per answer", self.rounds)
        form.addRow("Time limit per tool call", self.timeout)
        form.addRow("Largest tool result", self.result)
        self.show_limits(limits)

    def _spin(self, name: str, spoken: str, bounds: tuple[int, int], step: int) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setObjectName(name)
        spin.setAccessibleName(spoken)
        spin.setRange(*bounds)
        spin.setSingleStep(step)
        spin.valueChanged.connect(self._timer_start)
        return spin

    def _timer_start(self) -> None:
        self._timer.start()

    def show_limits(self, limits: ToolLimits) -> None:
        blockers = [QSignalBlocker(s) for s in (self.rounds, self.timeout, self.result)]
        self._limits = limits
        self.rounds.setValue(limits.max_rounds)
        self.timeout.setValue(round(limits.call_timeout_s))
        self.result.setValue(limits.max_result_chars)
        del blockers
        self._timer.stop()

    def edited(self) -> ToolLimits:
        return ToolLimits(self.rounds.value(), float(self.timeout.value()), self.result.value())

    def _emit(self) -> None:
        limits = self.edited()
        if limits != self._limits:
            self._limits = limits
            self.limits_edited.emit(limits)
