"""The app's few icons, drawn as vector paths in the theme's colours (crisp at any scaling).

Each icon is a filled QPainterPath on a 24-unit grid, drawn when a pixmap of the size
and device pixel ratio asked for is made, so 100-200 % displays get sharp lines, and a theme
change only means drawing them again in the new colour.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPixmap

GRID = 24.0
SIZES = (16, 20, 24, 32)  # logical px the icons are made at
RATIOS = (1.0, 2.0)  # device pixel ratios


def _send() -> QPainterPath:
    path = QPainterPath()  # an arrow up: a shaft under a head
    path.addRoundedRect(QRectF(10.9, 9, 2.2, 10.5), 1.1, 1.1)
    head = QPainterPath(QPointF(12, 4))
    head.lineTo(18.5, 10.8)
    head.lineTo(16.9, 12.3)
    head.lineTo(12, 7.2)
    head.lineTo(7.1, 12.3)
    head.lineTo(5.5, 10.8)
    head.closeSubpath()
    return path.united(head)


def _stop() -> QPainterPath:
    path = QPainterPath()
    path.addRoundedRect(QRectF(7, 7, 10, 10), 2, 2)
    return path


def _attach() -> QPainterPath:
    path = QPainterPath()  # a plus: add images or documents
    path.addRoundedRect(QRectF(10.9, 5, 2.2, 14), 1.1, 1.1)
    path.addRoundedRect(QRectF(5, 10.9, 14, 2.2), 1.1, 1.1)
    return path.simplified()


SHAPES: dict[str, Callable[[], QPainterPath]] = {
    "send": _send,
    "stop": _stop,
    "attach": _attach,
}


def icon(name: str, colour: str) -> QIcon:
    """`name`'s icon in `colour` (a palette colour string)."""
    path = SHAPES[name]()
    made = QIcon()
    for size in SIZES:
        for ratio in RATIOS:
            made.addPixmap(_draw(path, QColor(colour), size, ratio))
    return made


def _draw(path: QPainterPath, colour: QColor, size: int, ratio: float) -> QPixmap:
    """`path` filled in `colour` (shapes are outlines: no pen, so no `Qt` enums before the
    first paint, see enum_props)."""
    pixmap = QPixmap(QSize(round(size * ratio), round(size * ratio)))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QColor(0, 0, 0, 0))  # transparent
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / GRID, size / GRID)
    painter.fillPath(path, colour)
    painter.end()
    return pixmap
