"""Finding text a person would see cut off: labels, buttons and table cells too narrow for it."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLabel, QWidget

BUTTON_PADDING = 8  # px a button's frame and margins take at least (Fusion)
CELL_MARGINS = 6  # px: item views draw text 3 px in from each side (focus frame margin + 1)


def clipped_texts(root: QWidget) -> list[str]:
    """What is cut in `root`'s visible widgets, one line per place."""
    found: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.width() <= 0:
            continue
        if isinstance(widget, QLabel):
            found += _label(widget)
        elif isinstance(widget, QAbstractButton) and widget.text():
            need = widget.fontMetrics().horizontalAdvance(widget.text().replace("&", ""))
            if need + BUTTON_PADDING > widget.width():
                found.append(f"button {widget.objectName()!r}: {widget.text()!r}")
        elif isinstance(widget, QAbstractItemView):
            found += _cells(widget)
    return found


def _label(label: QLabel) -> list[str]:
    text = label.text()
    if not text or label.textFormat().name == "RichText" or text.lstrip().startswith("<"):
        return []  # rich text lays itself out (tables, links)
    if label.wordWrap():
        cut = label.height() < label.heightForWidth(label.width())
    else:
        widest = max(label.fontMetrics().horizontalAdvance(line) for line in text.splitlines())
        cut = widest > label.contentsRect().width()
    return [f"label {label.objectName()!r}: {text!r}"] if cut else []


def _cells(view: QAbstractItemView) -> list[str]:
    model = view.model()
    if model is None:
        return []
    found = []
    metrics = view.fontMetrics()
    root = QModelIndex()
    for row in range(min(model.rowCount(root), 50)):
        columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(root)
        for column in range(columns):
            index = model.index(row, column)
            rect = view.visualRect(index)
            text = index.data()
            if not isinstance(text, str) or not text or rect.width() <= 0:
                continue
            need = metrics.horizontalAdvance(text.splitlines()[0]) + CELL_MARGINS
            if need > rect.width():
                found.append(f"cell {view.objectName()!r} [{row}, {column}]: {text!r}")
    return found
