"""Drag and drop shared by every room: the local files a drop carries, the drop highlight, and
`FileDropTarget` for a widget that takes dropped files."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent

from desktop.ui.common.restyle import repolish

if TYPE_CHECKING:  # the Qt types below load on the first drop, not before the window
    from PySide6.QtCore import QMimeData, QObject, QUrl, SignalInstance
    from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
    from PySide6.QtWidgets import QWidget
    from PySide6.QtWidgets import QWidget as _DropBase
else:
    _DropBase = object

_DRAG_EVENTS = (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)


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


class FileDropTarget(_DropBase):
    """Mixin, listed before the Qt class, for a widget that takes dropped local files.

    The widget (with `setAcceptDrops(True)`) shows the drop highlight while files hover over it
    and emits the dropped paths in its `files_dropped = Signal(object)` (a `Signal(list)` would
    lose the bytes of names that are not UTF-8). `take_drops_on` makes files dropped on some of
    its children count too (text boxes, which would type the paths in). Its event filter goes
    only on those children, never on the widget itself.
    """

    files_dropped: SignalInstance

    def take_drops_on(self, *children: QWidget) -> None:
        """Files dropped on `children` are emitted as dropped here (no highlight there)."""
        for child in children:
            child.installEventFilter(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            set_drop_highlight(self, True)
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        set_drop_highlight(self, False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        set_drop_highlight(self, False)
        files = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _DRAG_EVENTS:
            drag = cast("QDropEvent", event)
            files = local_files(drag.mimeData())
            if files:
                drag.acceptProposedAction()
                if event.type() == QEvent.Type.Drop:
                    self.files_dropped.emit(files)
                return True
        return super().eventFilter(watched, event)
