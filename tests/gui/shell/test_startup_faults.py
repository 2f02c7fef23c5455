"""Faults at startup: the app still opens, says what is wrong and loses nothing."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.app import open_desk
from desktop.cli import Options
from desktop.storage.paths import AppPaths
from tests.fake_api import FakeAnthropic
from tests.gui.keys.test_app_key_flow import Start, run, start  # noqa: F401
from tests.unit.test_database import damage_inside


def click_in_next_box(label: str) -> list[list[str]]:
    """Click the button `label` in the next message box that opens; returns the buttons it
    offered (a box without that button is closed, so the test fails rather than hangs)."""
    offered: list[list[str]] = []
    tries = [250]  # about five seconds

    def click_when_shown() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            tries[0] -= 1
            if tries[0] > 0:
                QTimer.singleShot(20, click_when_shown)
            return
        buttons = [b.text() for b in box.buttons()]
        offered.append(buttons)
        wanted = [b for b in box.buttons() if b.text() == label]
        if wanted:
            wanted[0].click()
        else:
            box.reject()

    QTimer.singleShot(20, click_when_shown)
    return offered


def damaged_history() -> tuple[AppPaths, bytes]:
    paths = AppPaths.resolve().ensure()
    return paths, damage_inside(paths.database_path)


@pytest.fixture(autouse=True)
def streams_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_DESK_STREAM_PROCESS", "0")


def test_a_log_folder_that_cannot_be_written_leaves_the_app_running_without_a_file_log(
    aloop: asyncio.AbstractEventLoop,
    start: Start,  # noqa: F811
    fake_api: FakeAnthropic,
    desk_home: Path,
) -> None:
    desk_home.mkdir(parents=True)
    (desk_home / "logs").write_text("a file where the log folder should be")

    async def scenario() -> None:
        app = start(fake_api.base_url)
        assert app.window.isVisible()
        message = app.window.statusBar().currentMessage()
        assert "Running without a log file" in message
        assert str(desk_home / "logs") in message
        await app.wait_dialog("welcome_dialog")  # and the app goes on starting
        assert not app.served.done()

    run(aloop, scenario())
    assert (desk_home / "logs").read_text() == "a file where the log folder should be"


def test_a_damaged_history_is_found_at_start_and_moved_aside_on_request(
    aloop: asyncio.AbstractEventLoop,
    start: Start,  # noqa: F811
    fake_api: FakeAnthropic,
) -> None:
    paths, damaged = damaged_history()
    offered = click_in_next_box("Move aside and start fresh")

    async def scenario() -> None:
        app = start(fake_api.base_url)
        assert offered == [["Move aside and start fresh", "Quit"]]
        kept = list(paths.data_dir.glob("history.sqlite3.corrupt-*[0-9]"))
        assert [p.read_bytes() for p in kept] == [damaged]
        assert f"kept as {kept[0]}" in app.window.statusBar().currentMessage()
        assert app.desk.store.list_conversations() == []  # a fresh history, in use
        await app.wait_dialog("welcome_dialog")

    run(aloop, scenario())


def test_quit_on_a_damaged_history_leaves_it_as_it_was(aloop: asyncio.AbstractEventLoop) -> None:
    paths, damaged = damaged_history()
    offered = click_in_next_box("Quit")
    root = logging.getLogger()
    before = set(root.handlers)
    desk = open_desk(QApplication.instance(), Options())  # type: ignore[arg-type]
    for handler in set(root.handlers) - before:
        root.removeHandler(handler)
        handler.close()
    assert desk is None
    assert offered == [["Move aside and start fresh", "Quit"]]
    assert paths.database_path.read_bytes() == damaged
    assert list(paths.data_dir.glob("*.corrupt-*")) == []


def test_storage_problems_show_one_warning_that_does_not_stop_the_app(desk, qtbot) -> None:
    """A failing disk fails every save: one warning box, kept up to date, shown without a
    nested event loop (the app's tasks go on while it shows)."""
    desk.controller.storage_failed.emit("The disk is full (first save).")
    desk.controller.storage_failed.emit("The disk is full (second save).")
    boxes = [
        b for b in desk.window.findChildren(QMessageBox, "storage_problem_box") if b.isVisible()
    ]
    assert len(boxes) == 1
    assert boxes[0].text() == "The disk is full (second save)."
    ticks: list[int] = []
    QTimer.singleShot(10, lambda: ticks.append(1))
    desk.until(lambda: ticks)  # the app's loop runs on while the box is up
    qtbot.mouseClick(boxes[0].button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert not boxes[0].isVisible()
