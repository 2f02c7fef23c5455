"""View › Zoom: every text larger or smaller (Ctrl++, Ctrl+−, Ctrl+0), for this run.

The application font and the stylesheet's font sizes scale together; message bodies follow
the font (their markdown sets no sizes of its own, only relative ones).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QFont

from desktop.ui.common.enum_props import set_shortcut
from desktop.ui.shell.theme import theme_controller

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QMenu

STEPS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)
NORMAL = STEPS.index(1.0)


class Zoom(QObject):
    changed = Signal(float)  # the new scale

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._base = app.font().pointSizeF()
        self._step = NORMAL

    @property
    def scale(self) -> float:
        return STEPS[self._step]

    def zoom_in(self) -> None:
        self._go(min(len(STEPS) - 1, self._step + 1))

    def zoom_out(self) -> None:
        self._go(max(0, self._step - 1))

    def reset(self) -> None:
        self._go(NORMAL)

    def _go(self, step: int) -> None:
        if step == self._step:
            return
        self._step = step
        font = QFont(self._app.font())
        font.setPointSizeF(self._base * self.scale)
        self._app.setFont(font)
        themes = theme_controller()
        if themes is not None:
            themes.set_scale(self.scale)
        self.changed.emit(self.scale)


def add_zoom_menu(menu: QMenu, zoom: Zoom) -> list[QAction]:
    """View › Zoom in / Zoom out / Actual size, with their shortcuts."""
    items = (
        ("Zoom &in", "Ctrl++", zoom.zoom_in, "zoom_in_action"),
        ("Zoom &out", "Ctrl+-", zoom.zoom_out, "zoom_out_action"),
        ("&Actual size", "Ctrl+0", zoom.reset, "zoom_reset_action"),
    )
    actions = []
    for text, keys, slot, name in items:
        action = QAction(text, menu)
        action.setObjectName(name)
        set_shortcut(action, keys)  # Ctrl+= too: see keyboard.set_up_keyboard
        action.triggered.connect(slot)
        actions.append(action)
    menu.addActions(actions)
    return actions
