"""The context panel touches only the rows that changed: adding, counting, moving, removing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.attachments.test_images import drop, file_mime
from tests.gui.conftest import Desk
from tests.gui.context.test_documents import counted, names, panel, ready, text_file


def shown_order(desk: Desk) -> list[str]:
    """Row names from top to bottom, as they are laid out on screen."""
    QApplication.processEvents()
    rows = sorted(
        panel(desk).rows(), key=lambda row: row.mapTo(panel(desk), row.rect().topLeft()).y()
    )
    return [row.name_label.text() for row in rows]


def test_adding_a_document_keeps_the_other_rows_and_their_state(
    desk: Desk, qtbot, tmp_path: Path
) -> None:
    files = [text_file(tmp_path / f"{name}.txt") for name in ("one", "two", "three")]
    drop(desk.window.composer.viewport(), file_mime(files))
    desk.until(lambda: ready(desk, 3) and counted(desk))
    before = panel(desk).rows()
    details = [row.detail_label.text() for row in before]
    before[1].down_button.setFocus()
    desk.until(before[1].down_button.hasFocus)

    drop(panel(desk), file_mime([text_file(tmp_path / "four.txt")]))  # onto the panel
    rows = panel(desk).rows()
    assert rows[:3] == before and all(a is b for a, b in zip(rows, before, strict=False))
    assert rows[3].detail_label.text() == "reading…"
    assert [row.detail_label.text() for row in rows[:3]] == details
    assert before[2].down_button.isEnabled()  # no longer the last row
    assert not rows[3].down_button.isEnabled()
    assert before[1].down_button.hasFocus()  # the person's place is kept
    desk.until(lambda: ready(desk, 4) and counted(desk))
    assert panel(desk).rows()[:3] == before  # reading and counting the new one kept them too
    assert shown_order(desk) == ["one.txt", "two.txt", "three.txt", "four.txt"]


def test_moving_and_removing_keep_the_other_rows(desk: Desk, qtbot, tmp_path: Path) -> None:
    files = [text_file(tmp_path / f"{name}.txt") for name in ("one", "two", "three")]
    drop(desk.window.composer.viewport(), file_mime(files))
    desk.until(lambda: ready(desk, 3) and counted(desk))
    one, two, three = panel(desk).rows()
    qtbot.mouseClick(three.up_button, Qt.MouseButton.LeftButton)
    assert panel(desk).rows() == [one, three, two]
    assert shown_order(desk) == names(desk) == ["one.txt", "three.txt", "two.txt"]
    assert three.up_button.isEnabled() and three.down_button.isEnabled()
    assert not two.down_button.isEnabled()
    qtbot.mouseClick(one.remove_button, Qt.MouseButton.LeftButton)
    assert panel(desk).rows() == [three, two]
    assert not three.up_button.isEnabled()
    assert shown_order(desk) == ["three.txt", "two.txt"]
