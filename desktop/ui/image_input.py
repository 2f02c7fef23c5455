"""Images arriving by drag and drop or paste: local files, or raw image data (screenshots)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, cast

from desktop.core.images import image_url
from desktop.ui.attachments import Loader
from desktop.ui.restyle import repolish

if TYPE_CHECKING:  # the Qt types below load on the first drop or paste, not before the window
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QWidget

PASTED_NAME = "Pasted image.png"


def local_files(mime: QMimeData) -> list[str]:
    """Paths of the local files in `mime` (URLs of other kinds are left out)."""
    if not mime.hasUrls():
        return []
    return [path for url in mime.urls() if url.isLocalFile() and (path := _local_path(url))]


def _local_path(url: QUrl) -> str:
    """The file's path as the OS names it. `toLocalFile` reads the URL's escaped bytes as
    UTF-8; a POSIX name that is not UTF-8 (b"r\\xe9sum\\xe9.txt") then names no file, so
    its bytes are decoded as the OS does (`os.fsdecode`: surrogate escapes)."""
    path = url.toLocalFile()
    if os.name != "posix" or "\ufffd" not in path:
        return path
    from urllib.parse import unquote_to_bytes

    from PySide6.QtCore import QUrl

    raw = unquote_to_bytes(url.path(QUrl.ComponentFormattingOption.FullyEncoded))
    return os.fsdecode(raw) if url.host() in ("", "localhost") else path


def image_urls(mime: QMimeData) -> list[str]:
    """Web addresses of images in `mime`: its non-local URLs, or its text if that is one URL
    (a copied image address). Only http(s) URLs whose path ends in an image type count."""
    from PySide6.QtCore import QUrl

    web = [url for url in mime.urls() if not url.isLocalFile()] if mime.hasUrls() else []
    found = [url.toString(QUrl.ComponentFormattingOption.FullyEncoded) for url in web]
    if not found and mime.hasText():
        found = [mime.text()]
    return [url for text in found if (url := image_url(text)) is not None]


def carries_images(mime: QMimeData) -> bool:
    """True when `mime` holds files, image data or image URLs that can become attachments."""
    return bool(local_files(mime)) or mime.hasImage() or bool(image_urls(mime))


def pasted_image(mime: QMimeData) -> QImage | None:
    if not mime.hasImage():
        return None
    from PySide6.QtGui import QImage

    image = mime.imageData()
    if isinstance(image, QImage) and not image.isNull():
        return image
    return None


def png_loader(image: QImage) -> Loader:
    """A loader that encodes (a copy of) `image` as PNG; safe to run in a worker thread."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

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
