"""Drag and drop shared by every room: the local files a drop carries, the drop highlight."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.ui.common.restyle import repolish

if TYPE_CHECKING:  # the Qt types below load on the first drop, not before the window
    from PySide6.QtCore import QMimeData
    from PySide6.QtWidgets import QWidget


def local_files(mime: QMimeData) -> list[str]:
    """Paths of the local files in `mime` (URLs of other kinds are left out)."""
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


def set_drop_highlight(widget: QWidget, on: bool) -> None:
    """Show (or hide) the dashed border that says "drop here"."""
    if bool(widget.property("dropTarget")) == on:
        return
    widget.setProperty("dropTarget", on)
    repolish(widget)
