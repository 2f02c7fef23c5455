"""The running app (`open_desk` + `DeskApp.serve`, as a launch runs it) with an MCP server set
up: Settings › Tools lists it, Claude's call reaches the real server through the chat, the
server's env value stays in the keyring, and quitting ends the server's process."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.storage.mcp_servers import McpServerFile
from desktop.storage.paths import AppPaths
from desktop.ui.chat.tool_blocks import tool_activity
from tests.fake_api import FakeAnthropic, LocalCall, TextReply, ToolUseReply
from tests.gui.keys.test_app_key_flow import RunningApp
from tests.mcp_processes import alive, gone_soon, time_server

ENV_KEY = "sk-ant-api03-" + "ToolsKey" * 10 + "-toolsA"
SECRET = "tz-token-5f1e0c-never-in-a-file"


@pytest.fixture(autouse=True)
def key_and_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", ENV_KEY)
    monkeypatch.setenv("CLAUDE_DESK_STREAM_PROCESS", "0")


def test_the_app_offers_the_servers_tools_and_stops_them_at_quit(
    aloop: asyncio.AbstractEventLoop, qtbot: Any, fake_api: FakeAnthropic, memory_keyring: Any
) -> None:
    paths = AppPaths.resolve().ensure()
    server = time_server()
    server.env = {"TIME_TOKEN": SECRET}
    assert McpServerFile.in_config_dir(paths.config_dir).save([server]) is None
    fake_api.enqueue(
        ToolUseReply([LocalCall("time__get_current_time", {"timezone": "UTC"})], "Checking.")
    )
    fake_api.enqueue(TextReply("It is the time the server said."))
    seen: dict[str, Any] = {}

    async def scenario() -> None:
        app = RunningApp(qtbot, fake_api.base_url)
        await app.until(lambda: app.desk.mcp_host is not None)
        qtbot.mouseClick(app.window.settings_button, Qt.MouseButton.LeftButton)
        section = app.window.settings_panel.local_tools
        await app.until(lambda: "time" in section.rows)
        answer = await app.send("What time is it in UTC?")
        rows = tool_activity(answer).rows.values()
        seen["rows"] = [row.toggle.text() for row in rows]
        host = app.desk.mcp_host
        assert host is not None
        seen["pid"] = pid = host.pid("time")
        seen["alive"] = pid is not None and alive(pid)
        seen["status"] = section.rows["time"].status_label.text()
        await app.until(lambda: app.desk.collector is not None)  # services all started
        seen["gc while running"] = gc.isenabled()  # only the UI thread collects (a timer)
        await app.close()
        seen["gc after"] = gc.isenabled()

    aloop.run_until_complete(scenario())
    assert seen["rows"][0].startswith("▸ ✓ time › get_current_time")
    assert seen["alive"] and "Ready" in seen["status"]
    assert gone_soon(seen["pid"])  # quitting ended the server
    assert (seen["gc while running"], seen["gc after"]) == (False, True)
    sent = [r.body for r in fake_api.requests if r.path == "/v1/messages"]
    assert any(t["name"] == "time__get_current_time" for t in sent[0]["tools"])
    files = [f for d in paths.folders for f in d.rglob("*") if f.is_file()]
    assert files and not [f for f in files if SECRET.encode() in f.read_bytes()]
    assert SECRET in memory_keyring.store.values()  # where the value lives
