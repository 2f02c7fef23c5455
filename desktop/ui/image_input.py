"""Images arriving by drag and drop or paste: local files, or raw image data (screenshots)."""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from desktop.ui.attachments import Loader
from desktop.ui.restyle import repolish

PASTED_NAME = "Pasted image.png"


def local_files(mime: QMimeData) -> list[str]:
    """Paths of the local files in `mime` (URLs of other kinds are left out)."""
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


def carries_images(mime: QMimeData) -> bool:
    """True when `mime` holds files or image data that can become attachments."""
    return bool(local_files(mime)) or mime.hasImage()


def pasted_image(mime: QMimeData) -> QImage | None:
    if not mime.hasImage():
        return None
    image = mime.imageData()
    if isinstance(image, QImage) and not image.isNull():
        return image
    return None


def png_loader(image: QImage) -> Loader:
    """A loader that encodes (a copy of) `image` as PNG; safe to run in a worker thread."""
    copy = image.copy()

    def load() -> bytes:
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        cast(Any, copy).save(buffer, "PNG", 90)  # light compression: fast; it is re-encoded anyway
        buffer.close()
        return bytes(data.data())

    return load


def set_drop_highlight(widget: QWidget, on: bool) -> None:
    """Show (or hide) the dashed border that says "drop here"."""
    if bool(widget.property("dropTarget")) == on:
        return
    widget.setProperty("dropTarget", on)
    repolish(widget)
