"""Re-applying stylesheet rules after a dynamic property (``[dropTarget="true"]``) changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

_TOGGLE = "/* restyled */"


def repolish(widget: QWidget) -> None:
    """Make the stylesheet re-evaluate `widget` (and repaint it).

    Setting a different (empty) stylesheet of its own does what `style().unpolish/polish`
    does, without bringing the QStyle object into Python: that wraps the style's enums the
    first time (~600 members, ~8 ms on the UI thread, e.g. in the middle of a drop).
    A widget with a stylesheet of its own is re-polished the usual way, keeping it.
    """
    own = widget.styleSheet()
    if own in ("", _TOGGLE):
        widget.setStyleSheet("" if own == _TOGGLE else _TOGGLE)
    else:
        widget.style().unpolish(widget)
        widget.style().polish(widget)
    widget.update()
