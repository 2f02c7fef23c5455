"""The theme's palette as the rooms see it: the current one, and a signal when it changes.

The shell (`ui/shell/theme.py`) decides the theme and calls `publish`; rooms read `current()`
when they paint or fill, and re-render what keeps colours of its own (rendered markdown,
table items) on `theme_signals().changed`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

from desktop.core.palettes import Palette
from desktop.render import code_theme


class ThemeSignals(QObject):
    changed = Signal(object)  # the new Palette


_signals: ThemeSignals | None = None


def theme_signals() -> ThemeSignals:
    """The app's one ThemeSignals (made on first use)."""
    global _signals
    if _signals is None:
        _signals = ThemeSignals()
    return _signals


def current() -> Palette:
    """The palette in use."""
    return code_theme.palette()


def colour(role: str) -> QColor:
    """A colour of the current palette by role name ("error_text")."""
    return QColor(getattr(current(), role))


def publish(palette: Palette) -> None:
    """Make `palette` current (markdown renders in it from now on) and tell the rooms."""
    changed = palette != code_theme.palette()
    code_theme.set_palette(palette)
    if changed:
        theme_signals().changed.emit(palette)
