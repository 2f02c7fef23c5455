"""Finding things in the key dialogs, for the dialog tests and the app's key-flow tests."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QWidget


def child(widget: QWidget, kind: type[Any], name: str) -> Any:
    found = widget.findChild(kind, name)
    assert found is not None, name
    return found


def status_text(dialog: QWidget) -> str:
    return str(child(dialog, QLabel, "key_status").text())


def clipped(dialog: QWidget) -> list[str]:
    """Texts of the dialog's wrapped labels that do not fit (a person would see them cut)."""
    return [
        label.text()
        for label in dialog.findChildren(QLabel)
        if label.isVisible()
        and label.wordWrap()
        and label.text()
        and label.height() < label.heightForWidth(label.width())
    ]
