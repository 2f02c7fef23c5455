"""The main window's size, position and splitter sizes: kept at close, put back at start.

The geometry is Qt's own (`saveGeometry` / `restoreGeometry`, kept as base64). A window that
would come back on no current screen (a monitor unplugged since) is centred on the primary
screen instead, at most its size. The splitter's sizes are kept by part name (`sidebar`,
`context_panel`, `settings_panel`): the side panels join the splitter after the first paint,
and hidden ones have no size, so Qt's `QSplitter.saveState` (sizes by position) would not fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSplitter

from desktop.core.preferences import WindowState

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from desktop.ui.shell.main_window import MainWindow

SIDEBAR = "sidebar"
MIN_PART = 80  # px: a remembered size below this is not used


def _splitter(window: QMainWindow) -> QSplitter:
    splitter = window.centralWidget()
    assert isinstance(splitter, QSplitter)
    return splitter


def window_state(window: MainWindow, before: WindowState | None = None) -> WindowState:
    """The window's place now; panels hidden now keep the size they had in `before`."""
    sizes = dict(before.splitter) if before is not None else {}
    splitter = _splitter(window)
    for index, size in enumerate(splitter.sizes()):
        part = splitter.widget(index)
        if part is not None and part.objectName() and size > 0 and part.isVisible():
            sizes[part.objectName()] = size
    geometry = bytes(window.saveGeometry().toBase64().data()).decode("ascii")
    return WindowState(geometry, sizes)


def restore_window_state(window: MainWindow, state: WindowState) -> None:
    """Put the window (not yet shown) where `state` says, on a screen that exists now."""
    if state.geometry:
        saved = QByteArray.fromBase64(state.geometry.encode("ascii"))
        if window.restoreGeometry(saved):
            fit_on_screen(window)
    window.side_panels.widths.update(
        {name: size for name, size in state.splitter.items() if name != SIDEBAR}
    )
    sidebar = state.splitter.get(SIDEBAR, 0)
    splitter = _splitter(window)
    if sidebar >= MIN_PART and splitter.count() == 2:
        width = max(window.width(), sidebar + MIN_PART)
        splitter.setSizes([sidebar, width - sidebar])


def fit_on_screen(window: QMainWindow) -> None:
    """Centre the window on the primary screen unless a current screen shows a good piece of
    it (MIN_PART square); never larger than that screen."""
    frame = window.frameGeometry()
    screens = QGuiApplication.screens()
    for screen in screens:
        seen = screen.availableGeometry().intersected(frame)
        if seen.width() >= MIN_PART and seen.height() >= MIN_PART:
            return
    if not screens:
        return
    area = QGuiApplication.primaryScreen().availableGeometry()
    window.resize(min(window.width(), area.width()), min(window.height(), area.height()))
    frame = window.frameGeometry()
    frame.moveCenter(area.center())
    window.move(frame.topLeft())
