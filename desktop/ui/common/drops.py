"""Drag and drop shared by every room: the local files a drop carries, the drop highlight."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from desktop.ui.common.restyle import repolish

if TYPE_CHECKING:  # the Qt types below load on the first drop, not before the window
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtWidgets import QWidget


def local_files(mime: QMimeData) -> list[str]:
    """Paths of the local files in `mime` (URLs of other kinds are left out)."""
    if not mime.hasUrls():
        return []
    return [path for url in mime.urls() if url.isLocalFile() and (path := _local_path(url))]


def _local_path(url: QUrl) -> str:
    """The file's path as the OS names it. `toLocalFile` reads the URL's escaped bytes as
    UTF-8; a POSIX name that is not UTF-8 (b"r\\xe9sum\\xe9.txt") then names no file, so
    its bytes are decoded as the OS does (`os.fsdecode`: surrogate escapes). Pass such paths
    on in `Signal(object)`: a `Signal(list)` makes QStrings of them and loses the bytes."""
    path = url.toLocalFile()
    if os.name != "posix" or "\ufffd" not in path:
        return path
    from urllib.parse import unquote_to_bytes

    from PySide6.QtCore import QUrl

    raw = unquote_to_bytes(url.path(QUrl.ComponentFormattingOption.FullyEncoded))
    return os.fsdecode(raw) if url.host() in ("", "localhost") else path


def set_drop_highlight(widget: QWidget, on: bool) -> None:
    """Show (or hide) the dashed border that says "drop here"."""
    if bool(widget.property("dropTarget")) == on:
        return
    widget.setProperty("dropTarget", on)
    repolish(widget)
