"""Behaviour every secondary window (Batches, Spend) shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence, QShortcut

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


def close_on_escape(window: QWidget) -> None:
    """Esc and Ctrl+W (the platform's Close keys) close `window`."""
    keys = [QKeySequence("Esc"), QKeySequence("Ctrl+W")]
    keys += [k for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Close) if k not in keys]
    for sequence in keys:
        QShortcut(sequence, window, window.close)
