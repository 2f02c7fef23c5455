"""Enum-valued Qt properties set by name, for the widgets of the first paint.

The first use of PySide6's `Qt` namespace turns all of its ~90 enums into Python enum classes
(~12 ms, more than the rest of the window's widgets). Widgets built before the first paint set
such properties through Qt's property system, by the value's name (e.g. "ScrollBarAlwaysOff"),
so that `Qt` is never touched on that path. Code that runs later uses `Qt` as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QObject


def set_enum_property(obj: QObject, name: str, value: str) -> None:
    """`obj.set<Name>(Qt.<value>)` without `Qt`; flags join with "|" ("AlignRight|AlignVCenter")."""
    if not obj.setProperty(name, value):
        raise ValueError(f"{type(obj).__name__} has no property {name!r} taking {value!r}")


def set_shortcut(obj: QObject, keys: str) -> None:
    """`obj.setShortcut(QKeySequence(keys))` without `Qt` (matching its overloads builds it)."""
    if not obj.setProperty("shortcut", keys):
        raise ValueError(f"{type(obj).__name__} takes no shortcut {keys!r}")
