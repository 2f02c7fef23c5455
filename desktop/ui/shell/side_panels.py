"""Side panels open inside the window, never wider than it.

A panel that shows takes its width from the conversation (the splitter gives it
`SIDE_PANEL_WIDTH`). If the window is too narrow for every open panel at its minimum width,
the other side panels close first (the one just opened stays), so the window itself is never
resized by a panel.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

from desktop.ui.common.panels import SIDE_PANEL_WIDTH


class SidePanels(QObject):
    def __init__(self, window: QMainWindow, splitter: QSplitter) -> None:
        super().__init__(window)
        self._window = window
        self._splitter = splitter
        self._panels: list[QWidget] = []
        self.widths: dict[str, int] = {}  # a panel's width when it first opens, by object name
        self._closed: list[Callable[[QWidget], None]] = []  # told when a panel is closed here

    def add(self, panel: QWidget, index: int) -> None:
        """A (hidden) panel at `index` of the splitter: when it shows, the conversation gives
        up its remembered width (or `SIDE_PANEL_WIDTH`) for it, as if it had been there."""
        sizes = self._splitter.sizes()
        self._splitter.insertWidget(index, panel)
        width = self.widths.get(panel.objectName(), SIDE_PANEL_WIDTH)
        self._splitter.setSizes([*sizes[:index], width, *sizes[index:]])
        self._panels.append(panel)
        panel.installEventFilter(self)

    def on_closed(self, callback: Callable[[QWidget], None]) -> None:
        """`callback(panel)` when a panel is closed to make room for another."""
        self._closed.append(callback)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget):
            self._make_room_for(watched)
        return False

    def _make_room_for(self, shown: QWidget) -> None:
        for panel in self._panels:
            if self._needed_width() <= self._splitter.width():
                return
            if panel is not shown and panel.isVisible():
                panel.setVisible(False)
                for callback in self._closed:
                    callback(panel)

    def _needed_width(self) -> int:
        """The splitter's minimum width with the panels now visible (its own size hint is
        computed only at the next layout pass, after Qt would have widened the window)."""
        splitter = self._splitter
        children = [splitter.widget(i) for i in range(splitter.count())]
        shown = [w for w in children if w is not None and not w.isHidden()]
        widths = [w.minimumWidth() or w.minimumSizeHint().width() for w in shown]
        return sum(widths) + splitter.handleWidth() * max(0, len(shown) - 1)
