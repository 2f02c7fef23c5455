"""Export and import driven through the real File menu and the sidebar's menu, with the file
dialogs answered as a person would (QFileDialog patched, as in test_batches)."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWidgets
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from desktop.storage.exchange import SqliteExchange
from desktop.ui.exchange.feature import JSON_FILTER, MARKDOWN_FILTER, ExchangeFeature
from tests.exchange_data import PNG, comparable, make_conversation
from tests.gui.conftest import Desk

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "claude_ai" / "conversations.json"


async def until(condition: Callable[[], object], timeout: float = 20.0) -> None:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.01)


def play(desk: Desk, scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `scenario`, then let the work it started end (token counts of an opened
    conversation), so no request to the API is cut off at teardown."""

    async def and_settle() -> None:
        await scenario()
        tasks = desk.controller.tasks
        await until(lambda: not any(tasks.running(group) for group in list(tasks._tasks)))

    desk.loop.run_until_complete(asyncio.wait_for(and_settle(), 60))


class Dialogs:
    """Answers the file dialogs and the message boxes; remembers what they were asked."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.save: list[tuple[str, str]] = []  # (path, filter) to answer, in order
        self.open: list[str] = []
        self.save_starts: list[str] = []
        self.warnings: list[str] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._save)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", self._open)
        monkeypatch.setattr(QMessageBox, "warning", self._warning)

    def _save(self, _parent: Any, _caption: str, start: str, *_: Any) -> tuple[str, str]:
        self.save_starts.append(start)
        return self.save.pop(0)

    def _open(self, *_: Any) -> tuple[str, str]:
        return self.open.pop(0), ""

    def _warning(self, _parent: Any, _title: str, text: str, *_: Any) -> Any:
        self.warnings.append(text)
        return QMessageBox.StandardButton.Ok


@pytest.fixture
def feature(desk: Desk) -> ExchangeFeature:
    files = SqliteExchange(desk.paths.database_path, desk.blobs, desk.paths.config_dir)
    return ExchangeFeature(desk.window, desk.controller, files, lambda: "Claude Desk test")


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


def file_action(desk: Desk, name: str) -> QAction:
    """An item of the File menu, as a person finds it there."""
    file_menu = next(a.menu() for a in desk.window.menuBar().actions() if a.text() == "&File")
    return next(a for a in file_menu.actions() if a.objectName() == name)


def open_first(desk: Desk) -> None:
    desk.controller.conversations_changed.emit()
    desk.controller.open_conversation(desk.store.list_conversations()[0])


async def shown(desk: Desk, count: int) -> list:
    """The chat's message widgets once `count` are shown and filled in."""
    view = desk.window.chat_view
    await until(lambda: len(view.message_widgets()) == count and not view.filling)
    return view.message_widgets()


def untallied(snapshot: Any) -> dict:
    same = comparable(snapshot)
    same["documents"] = [replace(d, tokens=0, tokens_exact=False) for d in same["documents"]]
    return same


def done(feature: ExchangeFeature) -> Callable[[], bool]:
    count = {"n": 0}
    feature.finished.connect(lambda _text: count.__setitem__("n", count["n"] + 1))
    feature.failed.connect(lambda _text: count.__setitem__("n", count["n"] + 1))
    start = count["n"]
    return lambda: count["n"] > start


def test_file_menu_holds_export_and_import_before_quit(desk, feature):
    file_menu = next(a.menu() for a in desk.window.menuBar().actions() if a.text() == "&File")
    texts = [a.text() for a in file_menu.actions()]
    assert texts == [
        "&New conversation",
        "&Export conversation…",
        "Export &all conversations…",
        "&Import…",
        "",
        "&Quit",
    ]
    assert not file_action(desk, "export_conversation_action").isEnabled()  # a draft is open
    make_conversation(desk.store, desk.blobs)

    async def scenario() -> None:
        open_first(desk)
        assert file_action(desk, "export_conversation_action").isEnabled()

    play(desk, scenario)


def test_markdown_then_json_export_then_import_round_trip(desk, feature, dialogs, tmp_path):
    original = make_conversation(desk.store, desk.blobs)
    out = tmp_path / "out"
    out.mkdir()
    md, js = out / "Branchy notes.md", out / "branchy.json"
    dialogs.save = [(str(md), MARKDOWN_FILTER), (str(out / "branchy"), JSON_FILTER)]
    dialogs.open = [str(js)]

    async def scenario() -> None:
        open_first(desk)
        finished = done(feature)
        file_action(desk, "export_conversation_action").trigger()
        await until(finished)
        text = md.read_text(encoding="utf-8")
        assert text.startswith("# Branchy\n") and "- b.pdf — " in text and "- a.md — " in text
        images = list((out / "Branchy notes_files").iterdir())
        assert [p.read_bytes() for p in images] == [PNG]
        assert f"](Branchy%20notes_files/{images[0].name})" in text
        assert "A chart." in text and "A graph." not in text  # the shown branch
        assert "Claude Sonnet" in text and "$" in text  # usage and cost per answer
        if os.name == "posix":
            assert stat.S_IMODE(md.stat().st_mode) == 0o600
        assert "Exported the conversation" in desk.window.statusBar().currentMessage()

        finished = done(feature)
        file_action(desk, "export_conversation_action").trigger()
        await until(finished)
        assert dialogs.save_starts[1] == str(out / "Branchy.md")  # the folder is remembered
        data = json.loads(js.read_text(encoding="utf-8"))
        assert data["format"] == "claude-desk/1" and len(data["conversations"][0]["messages"]) == 5

        finished = done(feature)
        file_action(desk, "import_action").trigger()
        await until(finished)
        assert dialogs.warnings == []
        assert (
            "Imported 1 conversation from Claude Desk" in desk.window.statusBar().currentMessage()
        )
        conversations = desk.store.list_conversations()
        assert len(conversations) == 2
        imported = desk.controller.conversation
        assert imported is not None and imported.id != original  # opened, a new one
        assert desk.window.sidebar.model.rowCount() == 2
        widgets = await shown(desk, 2)
        assert [w.message.text for w in widgets] == ["What is it?", "A chart."]
        files = feature.exchange
        # opening a conversation counts its documents' tokens with the API: compare the rest
        assert untallied(files.snapshot(imported.id)) == untallied(files.snapshot(original))

    play(desk, scenario)


def test_sidebar_menu_exports_that_conversation(desk, feature, dialogs, tmp_path, monkeypatch):
    make_conversation(desk.store, desk.blobs)
    desk.controller.conversations_changed.emit()  # listed, not opened
    target = tmp_path / "from-sidebar.json"
    dialogs.save = [(str(target), JSON_FILTER)]
    picked: list[str] = []

    class PickingMenu(QMenu):
        """The sidebar's menu, where the person picks "Export…" (no popup offscreen)."""

        def popup(self, *_: Any) -> None:
            picked.extend(a.text() for a in self.actions())
            next(a for a in self.actions() if a.text() == "Export…").trigger()

    monkeypatch.setattr(QtWidgets, "QMenu", PickingMenu)  # the sidebar imports it on use

    async def scenario() -> None:
        finished = done(feature)
        view = desk.window.sidebar.view
        view.customContextMenuRequested.emit(view.visualRect(view.model().index(0, 0)).center())
        await until(finished)
        assert picked == ["Pin", "Rename…", "Delete…", "Export…"]
        assert dialogs.save_starts[0].endswith("Branchy.md")
        data = json.loads(target.read_text(encoding="utf-8"))
        assert [c["title"] for c in data["conversations"]] == ["Branchy"]

    play(desk, scenario)


def test_export_all_as_json_and_as_markdown_folder(desk, feature, dialogs, tmp_path):
    make_conversation(desk.store, desk.blobs)
    make_conversation(desk.store, desk.blobs)
    dialogs.save = [
        (str(tmp_path / "all.json"), JSON_FILTER),
        (str(tmp_path / "all.md"), MARKDOWN_FILTER),
    ]

    async def scenario() -> None:
        for _ in range(2):
            finished = done(feature)
            file_action(desk, "export_all_action").trigger()
            await until(finished)
        data = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
        assert len(data["conversations"]) == 2 and len(data["blobs"]) == 3  # shared blobs once
        names = sorted(p.name for p in (tmp_path / "all").iterdir())
        assert names == ["Branchy (2).md", "Branchy (2)_files", "Branchy.md", "Branchy_files"]

    play(desk, scenario)


def test_claude_ai_import_keeps_branches_and_says_what_was_skipped(desk, feature, dialogs):
    dialogs.open = [str(FIXTURE)]

    async def scenario() -> None:
        finished = done(feature)
        file_action(desk, "import_action").trigger()
        await until(finished)
        status = desk.window.statusBar().currentMessage()
        assert status.startswith("Imported 2 conversations from claude.ai; ")
        assert "2 attachments without text were skipped" in status
        assert "1 conversation without messages was skipped" in status
        titles = sorted(c.title for c in desk.store.list_conversations())
        assert titles == ["Sourdough starter", "Untitled"]
        opened = desk.controller.conversation
        assert opened is not None and opened.title == "Sourdough starter"
        widgets = await shown(desk, 4)
        assert widgets[-1].message.text == "On the counter, feed it every 12 hours."
        assert desk.store.siblings(widgets[2].message.id).label == "2/2"  # the fridge branch kept

    play(desk, scenario)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"format": "claude-desk/1", "conversations": [{"title": "x", "mess', "not valid JSON"),
        ('{"hello": "world"}', "neither a Claude Desk export nor a claude.ai"),
        ('{"format": "claude-desk/2", "conversations": []}', "cannot read"),
        (b"\xff\xfe\x00garbage", "not text in UTF-8"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_imported(
    desk, feature, dialogs, tmp_path, content, words
):
    make_conversation(desk.store, desk.blobs)
    bad = tmp_path / "bad.json"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content, encoding="utf-8")
    dialogs.open = [str(bad)]

    async def scenario() -> None:
        finished = done(feature)
        file_action(desk, "import_action").trigger()
        await until(finished)
        assert len(dialogs.warnings) == 1 and words in dialogs.warnings[0]
        assert [c.title for c in desk.store.list_conversations()] == ["Branchy"]
        assert file_action(desk, "import_action").isEnabled()  # ready for the next try

    play(desk, scenario)
