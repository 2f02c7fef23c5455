"""Images arriving by drag and drop or paste: local files, or raw image data (screenshots)."""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Any, cast

from desktop.core.images import image_url
from desktop.ui.attachments.pending import Loader
from desktop.ui.common.drops import local_files

if TYPE_CHECKING:  # the Qt types below load on the first drop or paste, not before the window
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QImage

PASTED_NAME = "Pasted image.png"
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".avif", ".ico"}
)


def split_images(paths: list[str]) -> tuple[list[str], list[str]]:
    """(images, others): files whose names say image go to the message."""
    images = [p for p in paths if PurePath(p).suffix.lower() in IMAGE_SUFFIXES]
    return images, [p for p in paths if p not in images]


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
