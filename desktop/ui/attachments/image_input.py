"""Images arriving by drag and drop or paste: local files, or raw image data (screenshots)."""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

from desktop.core.images import image_url, pack_pixels
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


def pixels_loader(image: QImage) -> Loader:
    """A loader that hands (a copy of) `image`'s pixels to the preparer as they are: 8-bit
    RGB, or RGBA when the image has an alpha channel; safe to run in a worker thread.

    No PNG round trip: encoding a 4K screenshot as PNG here and decoding it again in the
    preparer took longer than everything else its preparation does.
    """
    from PySide6.QtGui import QImage

    copy = image.copy()

    def load() -> bytes:
        alpha = copy.hasAlphaChannel()
        wanted = QImage.Format.Format_RGBA8888 if alpha else QImage.Format.Format_RGB888
        pixels = copy if copy.format() == wanted else copy.convertToFormat(wanted)
        mode = "RGBA" if alpha else "RGB"
        return pack_pixels(
            mode, pixels.width(), pixels.height(), pixels.bytesPerLine(), pixels.constBits()
        )

    return load
