"""`FileDropTarget`: the drop highlight and the dropped files of the context panel and the batch
form, on a small widget of its own, with drag events as the window system sends them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFrame, QPlainTextEdit, QVBoxLayout, QWidget

from desktop.ui.common.drops import FileDropTarget
from tests.gui.attachments.test_non_utf8_names import dropped_urls, latin1_file

COPY = Qt.DropAction.CopyAction
LEFT, NO_MODS = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


class Target(FileDropTarget, QFrame):
    files_dropped = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.editor = QPlainTextEdit(self)
        QVBoxLayout(self).addWidget(self.editor)
        self.take_drops_on(self.editor.viewport())
        self.received: list[list[str]] = []
        self.files_dropped.connect(self.received.append)


def files_mime(tmp_path: Path) -> tuple[QMimeData, list[str]]:
    paths = [str(tmp_path / "a.pdf"), str(tmp_path / "b.txt")]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    return mime, paths


def text_mime() -> QMimeData:
    mime = QMimeData()
    mime.setText("just words")
    return mime


def enter(target: QWidget, mime: QMimeData) -> QDragEnterEvent:
    event = QDragEnterEvent(target.rect().center(), COPY, mime, LEFT, NO_MODS)
    event.ignore()
    QApplication.sendEvent(target, event)
    return event


def drop(target: QWidget, mime: QMimeData) -> QDropEvent:
    event = QDropEvent(QPointF(QPoint(target.rect().center())), COPY, mime, LEFT, NO_MODS)
    event.ignore()
    QApplication.sendEvent(target, event)
    return event


def test_files_hovering_highlight_and_a_drop_emits_them(qtbot, tmp_path: Path) -> None:
    target = Target()
    qtbot.addWidget(target)
    mime, paths = files_mime(tmp_path)
    assert enter(target, mime).isAccepted()
    assert target.property("dropTarget") is True
    QApplication.sendEvent(target, QDragLeaveEvent())
    assert target.property("dropTarget") is False
    enter(target, mime)
    assert drop(target, mime).isAccepted()
    assert target.property("dropTarget") is False
    assert target.received == [paths]


def test_a_drag_without_files_is_refused(qtbot) -> None:
    target = Target()
    qtbot.addWidget(target)
    assert not enter(target, text_mime()).isAccepted()
    assert not target.property("dropTarget")
    assert not drop(target, text_mime()).isAccepted()
    assert target.received == []


def test_files_dropped_on_a_text_box_are_files_not_typed_paths(qtbot, tmp_path: Path) -> None:
    target = Target()
    qtbot.addWidget(target)
    mime, paths = files_mime(tmp_path)
    viewport = target.editor.viewport()
    assert enter(viewport, mime).isAccepted()
    assert drop(viewport, mime).isAccepted()
    assert target.received == [paths]
    assert target.editor.toPlainText() == ""
    assert not target.property("dropTarget")  # the text box shows no highlight of the form's


@pytest.mark.skipif(os.name != "posix", reason="names are bytes on POSIX only")
@pytest.mark.parametrize("where", ["widget", "text box"])
def test_a_name_that_is_not_utf8_comes_out_as_the_os_names_it(
    qtbot, tmp_path: Path, where: str
) -> None:
    target = Target()
    qtbot.addWidget(target)
    path = latin1_file(tmp_path, b"r\xe9sum\xe9.txt", b"words")
    mime = dropped_urls([path])
    onto = target if where == "widget" else target.editor.viewport()
    enter(onto, mime)
    drop(onto, mime)
    assert target.received == [[os.fsdecode(path)]]
    assert os.path.exists(target.received[0][0])
