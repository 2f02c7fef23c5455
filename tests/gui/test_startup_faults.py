"""Faults at startup: the app still opens, says what is wrong and loses nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.fake_api import FakeAnthropic
from tests.gui.test_app_key_flow import Start, run, start  # noqa: F401


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
