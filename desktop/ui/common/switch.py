"""An on/off switch: a checkable button drawn as a track with a knob, in the theme's colours."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QAbstractButton, QWidget

TRACK = QSize(34, 18)


class Switch(QAbstractButton):
    """Checkable; Space toggles it, like a check box. Give it an accessible name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFixedSize(TRACK.width() + 4, TRACK.height() + 4)

    def sizeHint(self) -> QSize:
        return QSize(TRACK.width() + 4, TRACK.height() + 4)

    def paintEvent(self, _event: QPaintEvent) -> None:
        role, palette = QPalette.ColorRole, self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QRectF(2, 2, TRACK.width(), TRACK.height())
        radius = track.height() / 2
        if self.hasFocus():
            painter.setPen(palette.color(role.Accent))
            painter.drawRoundedRect(track.adjusted(-1.5, -1.5, 1.5, 1.5), radius + 1, radius + 1)
        painter.setPen(Qt.PenStyle.NoPen)
        on = self.isChecked()
        painter.setBrush(palette.color(role.Accent if on else role.Mid))
        if not self.isEnabled():
            painter.setOpacity(0.45)
        painter.drawRoundedRect(track, radius, radius)
        knob = track.height() - 4
        x = track.right() - knob - 2 if on else track.left() + 2
        painter.setBrush(palette.color(role.BrightText))  # the theme's text on its accent
        painter.drawEllipse(QRectF(x, track.top() + 2, knob, knob))
        painter.end()
