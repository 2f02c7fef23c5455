"""One Claude Desk per data folder: a real second launch (`desktop.launch.main` in another
process, same CLAUDE_DESK_HOME) brings the running window forward and exits 0 without opening
the history; a lock and a socket file left by a crash do not stop the next start."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDir
from PySide6.QtWidgets import QWidget

from desktop.single_instance import LOCK_NAME, SingleInstance, server_name
from tests.fake_api import FakeAnthropic
from tests.gui.keys.test_app_key_flow import RunningApp
from tests.gui.settings.test_preferences import Start, run, started

ROOT = Path(__file__).resolve().parents[3]
SECOND_LAUNCH = """
import sys
from desktop import launch
status = launch.main([])
loaded = [m for m in ("sqlite3", "desktop.storage.database", "desktop.app") if m in sys.modules]
print("loaded:", ",".join(loaded) or "none")
sys.exit(status)
"""
SECOND_TIMEOUT = 60.0
HOLD_LOCK = (  # another process holding the data folder's lock, then ...
    "import os, sys, time; from desktop.storage.folder_lock import FolderLock; "
    "lock = FolderLock(sys.argv[1]); assert lock.acquire(); "
)


@pytest.fixture(autouse=True)
def key_and_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-" + "Instance" * 10 + "-instAA")
    monkeypatch.setenv("CLAUDE_DESK_STREAM_PROCESS", "0")


@pytest.fixture
def start(aloop: asyncio.AbstractEventLoop, qtbot: Any) -> Iterator[Start]:
    apps: list[RunningApp] = []

    def start_app(base_url: str) -> RunningApp:
        apps.append(RunningApp(qtbot, base_url))
        return apps[-1]

    yield start_app
    for app in apps:
        if not app.served.done():
            aloop.run_until_complete(app.close())


async def second_launch(home: Path) -> subprocess.CompletedProcess[str]:
    """`claude-desk` started again with the same data folder, in a thread: the first app
    keeps running on this loop meanwhile."""
    env = {**os.environ, "CLAUDE_DESK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-c", SECOND_LAUNCH]
    return await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=SECOND_TIMEOUT
    )


def history_files(home: Path) -> dict[str, tuple[int, int]]:
    data = home / "data"
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in data.glob("history*")}


def test_a_second_launch_brings_the_window_forward_and_exits(
    aloop: asyncio.AbstractEventLoop, start: Start, fake_api: FakeAnthropic, desk_home: Path, qtbot
) -> None:
    other = QWidget()  # another window has the focus
    qtbot.addWidget(other)

    async def scenario() -> None:
        app = start(fake_api.base_url)
        await started(app)
        other.show()
        other.activateWindow()
        await app.until(lambda: other.isActiveWindow() and not app.window.isActiveWindow(), 5)
        app.window.showMinimized()
        before = history_files(desk_home)

        second = await second_launch(desk_home)

        assert second.returncode == 0, second.stderr
        assert "already running; its window was brought forward" in second.stderr
        assert "loaded: none" in second.stdout  # never opened (nor imported) the history
        assert history_files(desk_home) == before
        await app.until(app.window.isActiveWindow, 5)
        assert not app.window.isMinimized()
        await app.close()
        later = SingleInstance(desk_home / "data")  # released at quit: the next run may start
        assert later.claim()
        later.release()

    run(aloop, scenario())


def socket_path(home: Path) -> Path:
    """Where QLocalServer puts the socket for a plain name on Unix."""
    return Path(QDir.tempPath()) / server_name(home / "data")


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave no file behind")
def test_a_crashed_runs_lock_and_socket_file_do_not_stop_the_next_start(
    aloop: asyncio.AbstractEventLoop, start: Start, fake_api: FakeAnthropic, desk_home: Path
) -> None:
    data = desk_home / "data"
    data.mkdir(parents=True)
    subprocess.run(  # takes the lock and dies without giving it back, as a crash does
        [sys.executable, "-c", HOLD_LOCK + "os._exit(0)", str(data)], check=True, cwd=ROOT
    )
    assert (data / LOCK_NAME).exists()
    stale = socket_path(desk_home)
    with socket.socket(socket.AF_UNIX) as leftover:  # a socket file nobody listens on
        leftover.bind(str(stale))
    stale_inode = stale.stat().st_ino

    async def scenario() -> None:
        app = start(fake_api.base_url)
        await started(app)
        assert app.desk.instance is not None and app.desk.instance.listening
        assert (data / LOCK_NAME).read_text().split("\n")[0] == str(os.getpid())
        assert stat.S_ISSOCK(stale.stat().st_mode) and stale.stat().st_ino != stale_inode
        second = await second_launch(desk_home)  # the new server answers
        assert second.returncode == 0, second.stderr
        await app.close()
        assert not stale.exists()

    run(aloop, scenario())


def test_the_lock_is_held_until_its_process_ends_however_old(tmp_path: Path) -> None:
    hold = HOLD_LOCK + "print('held', flush=True); time.sleep(60)"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        an_hour_ago = time.time() - 3600
        os.utime(tmp_path / LOCK_NAME, (an_hour_ago, an_hour_ago))
        assert not SingleInstance(tmp_path).claim()
        holder.kill()  # killed, never released: the OS lets go
        holder.wait(10)
        mine = SingleInstance(tmp_path)
        assert mine.claim()
        assert not SingleInstance(tmp_path).claim()  # not twice, even within one process
        mine.release()
    finally:
        holder.kill()
        holder.wait(10)


def test_server_names_differ_by_data_folder(tmp_path: Path) -> None:
    a, b = server_name(tmp_path / "a"), server_name(tmp_path / "b")
    assert a != b and a == server_name(tmp_path / "a")
    assert len(str(Path(QDir.tempPath()) / a)) < 100  # Unix socket paths are short
