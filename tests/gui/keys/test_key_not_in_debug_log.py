"""The API key never reaches a log, even with every logger at DEBUG: the whole app (first run,
key check, a chat, a token count, a relaunch that reads the key from the keyring) against the
fake server, every record written to a file that is then searched for the key.

Executors log their calls' arguments and results at DEBUG (qasync's does), so the key must never
be an argument or a result of work handed to a thread."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop import app as desk_app
from desktop.app import key_status_text
from desktop.core.ports import KeySource
from tests.fake_api import FakeAnthropic, TextReply
from tests.gui.keys.test_app_key_flow import Start, checked, run, start, type_key  # noqa: F401
from tests.keyring_memory import MemoryKeyring

KEY = "sk-ant-api03-" + "DebugLog" * 10 + "-secrAA"


@pytest.fixture(autouse=True)
def streams_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_DESK_STREAM_PROCESS", "0")


def _levels() -> dict[str, tuple[int, bool]]:
    return {
        name: (logger.level, logger.disabled)
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }


def _restore(levels: dict[str, tuple[int, bool]]) -> None:
    """Every logger back as it was (loggers made since: unset), so later tests do not format
    and capture every library's DEBUG records (markdown-it's made a later test time out)."""
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.setLevel(levels.get(name, (logging.NOTSET, False))[0])
            logger.disabled = levels.get(name, (logging.NOTSET, False))[1]


def _everything_at_debug() -> None:
    logging.getLogger().setLevel(logging.DEBUG)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            logger.setLevel(logging.DEBUG)
            logger.disabled = False


@pytest.fixture
def debug_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aloop: asyncio.AbstractEventLoop
) -> Iterator[Path]:
    """Every logger at DEBUG (also after the app sets its levels), all records into a file."""
    path = tmp_path / "debug.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    before = root.level
    levels = _levels()
    root.addHandler(handler)
    original = desk_app.setup_logging

    def setup_then_debug(*args: Any) -> Any:
        result = original(*args)
        _everything_at_debug()
        return result

    monkeypatch.setattr(desk_app, "setup_logging", setup_then_debug)
    _everything_at_debug()
    aloop.set_debug(True)  # qasync's own loop logging too
    try:
        yield path
    finally:
        aloop.set_debug(False)
        root.removeHandler(handler)
        handler.close()
        root.setLevel(before)
        _restore(levels)


def test_a_chat_a_key_check_and_a_count_log_no_key(
    aloop: asyncio.AbstractEventLoop,
    start: Start,  # noqa: F811
    fake_api: FakeAnthropic,
    memory_keyring: MemoryKeyring,
    debug_log: Path,
) -> None:
    async def scenario() -> None:
        app = start(fake_api.base_url)
        welcome = await app.wait_dialog("welcome_dialog")
        type_key(app, welcome, KEY)  # the key check
        assert await checked(app, welcome) == ""
        await app.until(lambda: app.key_label() == key_status_text(KeySource.KEYRING))
        await app.until(app.models_listed)

        composer = app.window.composer
        composer.setFocus()
        app.qtbot.keyClicks(composer, "Count me")  # a token count after the typing pause
        await app.until(lambda: any(r.path.endswith("count_tokens") for r in fake_api.requests))
        composer.clear()

        fake_api.enqueue(TextReply("Hello from the log test."))
        answer = await app.send("Hello there")
        assert "log test" in answer.body.toPlainText()
        await app.close()

        again = start(fake_api.base_url)  # reads the key from the keyring, in a worker
        await again.until(lambda: again.key_label() == key_status_text(KeySource.KEYRING))
        await again.until(again.models_listed)
        await again.close()

    run(aloop, scenario())
    text = debug_log.read_text(encoding="utf-8")
    assert "DEBUG" in text and "qasync" in text  # the libraries' DEBUG records were written
    lines = [line[:300] for line in text.splitlines() if KEY[20:40] in line]
    assert lines == []
    assert KEY not in text
