"""Image bytes to a QPixmap, for the chips above the composer and the full-size preview."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QPixmap


def pixmap_from(data: bytes) -> QPixmap:
    from PySide6.QtGui import QPixmap  # with the first image, not before the first paint

    pixmap = QPixmap()
    pixmap.loadFromData(data)
    return pixmap
