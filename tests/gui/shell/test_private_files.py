"""Private by default: under the usual umask 022 the whole app (as `desktop.app.run` starts it)
chats with an image and documents, runs a batch and exports everything; every folder under
CLAUDE_DESK_HOME is then 0700, every file 0600, and so is every export. An older installation
is made owner-only once, with one line in the log."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog

from desktop.storage.database import SqliteConversationStore
from desktop.storage.paths import AppPaths
from tests.fake_api import FakeAnthropic, TextReply
from tests.gui.attachments.test_images import drop, file_mime, png_file, strip_ready
from tests.gui.batches.test_batches import click, submit_pasted
from tests.gui.context.test_documents import counted, ready, text_file
from tests.gui.keys.test_app_key_flow import ENV_KEY, RunningApp, run
from tests.pdfs import pdf_file

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
TIGHTENED = "readable by this account only"


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """A new user's Linux machine: files 0644 and folders 0755 unless the app says otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture(autouse=True)
def environment_key(monkeypatch: pytest.MonkeyPatch, memory_keyring: Any) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", ENV_KEY)
    monkeypatch.setenv("CLAUDE_DESK_STREAM_PROCESS", "0")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes_under(home: Path) -> dict[str, int]:
    """Every folder and file under `home` (itself included) with its permission bits."""
    entries = [home, *home.rglob("*")]
    return {str(p.relative_to(home)): mode(p) for p in entries}


def not_private(modes: dict[str, int], home: Path) -> list[str]:
    return [
        f"{name} {oct(bits)}"
        for name, bits in modes.items()
        if bits != (0o700 if (home / name).is_dir() else 0o600)
    ]


class SaveDialogs:
    """`QFileDialog.getSaveFileName` answered as a person would: the name it suggests, in the
    `folder` they pick. Records the path each dialog suggested."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.suggested: list[str] = []

    def __call__(self, _parent: Any, _title: str, suggested: str = "", *_a: Any) -> tuple:
        self.suggested.append(suggested)
        return str(self.folder / Path(suggested).name), ""


async def chat_with_an_image_and_documents(app: RunningApp, fake_api: FakeAnthropic, tmp: Path):
    files = [
        pdf_file(tmp / "report.pdf", pages=2),
        text_file(tmp / "notes.md"),
        png_file(tmp / "photo.png"),
    ]
    drop(app.window.composer.viewport(), file_mime(files))
    desk = app.desk  # the helpers read its controller and window, as they do a test's Desk
    await app.until(lambda: ready(desk, 2) and strip_ready(desk, 1) and counted(desk))
    fake_api.enqueue(TextReply("A chart, a report and notes."))
    answer = await app.send("What are these?")
    assert "a report and notes" in answer.body.toPlainText()
    sent = fake_api.message_requests()[-1]
    kinds = [block["type"] for m in sent["messages"] for block in m["content"]]
    assert "image" in kinds and kinds.count("document") == 2


async def batch_and_its_exports(app: RunningApp, fake_api: FakeAnthropic) -> None:
    await app.until(lambda: app.desk.batch_feature is not None)
    feature, batches = app.desk.batch_feature, app.desk.batches
    assert feature is not None and batches is not None
    batches.first_poll = 0.05
    fake_api.batches.polls_before_end = 1
    view = feature.show_view()
    await submit_pasted(view, "one\ntwo")
    await app.until(lambda: view.records and view.records[0].results_saved, 20)
    view.select_batch(view.records[0].id)
    await app.until(lambda: len(view.model.rows) == 2)
    click(view.export_csv_button)
    await app.until(lambda: "Exported 2 results" in view.notice.text())
    click(view.export_jsonl_button)
    await app.until(lambda: view.notice.text().endswith(".jsonl."))


async def spend_export(app: RunningApp) -> Path:
    app.window.show_spend()
    view = app.window.spend_view
    assert view is not None
    await app.until(lambda: view.export_button.isEnabled())
    saved: list[str] = []
    view.exported.connect(saved.append)
    click(view.export_button)
    await app.until(lambda: saved)
    view.close()
    return Path(saved[0])


def test_everything_the_app_writes_is_owner_only(
    aloop: asyncio.AbstractEventLoop,
    qtbot: Any,
    fake_api: FakeAnthropic,
    desk_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()  # the person's own folder: 0755, as their umask makes it
    dialogs = SaveDialogs(exports)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialogs)

    async def scenario() -> None:
        app = RunningApp(qtbot, fake_api.base_url)
        try:
            await app.until(app.models_listed)
            await chat_with_an_image_and_documents(app, fake_api, tmp_path)
            await batch_and_its_exports(app, fake_api)
            await spend_export(app)
            running = modes_under(desk_home)  # while the database is open: -wal and -shm
        finally:
            await app.close()
        names = {Path(name).name for name in running}
        for expected in ("history.sqlite3-wal", "history.sqlite3-shm", "claude-desk.log"):
            assert expected in names
        blobs = [n for n in running if n.startswith("data/blobs/") and len(Path(n).name) == 64]
        assert len(blobs) == 3  # the photo, the PDF and the notes
        assert "config/exports.json" in running
        assert not_private(running, desk_home) == []
        assert not_private(modes_under(desk_home), desk_home) == []  # after closing, too

    run(aloop, scenario())
    written = sorted(p.name for p in exports.iterdir())
    assert len(written) == 3 and written[0].startswith("claude-desk-spend-")
    assert {oct(mode(p)) for p in exports.iterdir()} == {oct(0o600)}
    assert mode(exports) == 0o755  # the person's folder is theirs: left as it was
    # the first dialog suggested a bare name; the later ones open in the folder used last
    assert os.path.dirname(dialogs.suggested[0]) == ""
    assert [os.path.dirname(s) for s in dialogs.suggested[1:]] == [str(exports)] * 2


def old_installation(home: Path) -> AppPaths:
    """Claude Desk as an earlier version left it under umask 022: 0755 folders, 0644 files."""
    paths = AppPaths.resolve()
    for folder in (*paths.folders, paths.data_dir / "blobs" / "ab"):
        folder.mkdir(parents=True, exist_ok=True)
    SqliteConversationStore(paths.database_path).close()
    (paths.log_dir / "claude-desk.log").write_text("an old line\n")
    (paths.data_dir / "blobs" / "ab" / ("ab" + "0" * 62)).write_bytes(b"old image")
    for entry in [home, *home.rglob("*")]:
        entry.chmod(0o755 if entry.is_dir() else 0o644)
    return paths


def log_lines(paths: AppPaths, text: str) -> list[str]:
    lines = (paths.log_dir / "claude-desk.log").read_text().splitlines()
    return [line for line in lines if text in line]


def test_an_older_installation_is_made_private_once_with_one_log_line(
    aloop: asyncio.AbstractEventLoop, qtbot: Any, fake_api: FakeAnthropic, desk_home: Path
) -> None:
    paths = old_installation(desk_home)
    assert not_private(modes_under(desk_home), desk_home) != []

    async def scenario() -> None:
        for _run in range(2):
            app = RunningApp(qtbot, fake_api.base_url)
            await app.until(app.models_listed)
            await app.close()

    run(aloop, scenario())
    lines = log_lines(paths, TIGHTENED)
    assert len(lines) == 1, lines
    assert " INFO desktop: Made 9 folders and files " in lines[0]
    assert str(paths.data_dir) in lines[0]
    modes = modes_under(desk_home)
    modes.pop(".")  # the home folder was the test's, not one the app made
    assert not_private(modes, desk_home) == []
    assert logging.getLogger().handlers == [] or all(
        not str(getattr(h, "baseFilename", "")).startswith(str(desk_home))
        for h in logging.getLogger().handlers
    )
