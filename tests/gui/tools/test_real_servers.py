"""The chat's tool loop against real MCP servers from PyPI, driven as a person would:
mcp-server-time (a read-only tool: no question) and mcp-server-git over a temporary repository
(tools that write: the permission prompt fires), and the fixture server whose `hang` never
answers (Stop ends the loop and the server's process)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from desktop.core.local_tools import ToolLimits
from desktop.mcp_host import McpHost
from desktop.ui.chat.local_tools import LocalToolAccess
from desktop.ui.chat.permission_prompt import PermissionPrompt
from desktop.ui.chat.tool_blocks import tool_activity
from desktop.ui.shell.local_tools import attach_local_tools
from tests.fake_api import LocalCall, TextReply, ToolUseReply
from tests.fakes_tools import MemoryMcpServers
from tests.gui.conftest import Desk
from tests.mcp_processes import alive, git_repository, git_server, gone_soon, time_server, unruly


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    repo = git_repository(tmp_path)
    (repo / "notes.txt").write_text("lunch at noon\n")
    return repo


@pytest.fixture
def host(desk: Desk) -> Iterator[McpHost]:
    host = McpHost()
    yield host
    desk.loop.run_until_complete(host.aclose())


def _wire(desk: Desk, host: McpHost, servers: list) -> LocalToolAccess:  # type: ignore[type-arg]
    host.configure(servers)
    limits = ToolLimits(call_timeout_s=60)
    return attach_local_tools(desk.window, host, MemoryMcpServers(servers), lambda: limits, print)


def _answer_prompt(qtbot, desk: Desk, button: str) -> PermissionPrompt:
    def visible() -> PermissionPrompt | None:
        answer = desk.last_answer()
        found = (
            [p for p in answer.findChildren(PermissionPrompt) if p.isVisible()] if answer else []
        )
        return found[0] if found else None

    desk.until(lambda: visible() is not None, timeout=60)
    prompt = visible()
    assert prompt is not None
    qtbot.mouseClick(prompt.findChild(QPushButton, button), Qt.MouseButton.LeftButton)
    return prompt


def test_time_and_git_over_three_rounds(desk: Desk, qtbot, fake_api, host, repository) -> None:
    _wire(desk, host, [time_server(), git_server(repository)])
    fake_api.enqueue(
        ToolUseReply([LocalCall("time__get_current_time", {"timezone": "UTC"})], "First, the time.")
    )
    fake_api.enqueue(
        ToolUseReply(
            [LocalCall("git__git_add", {"repo_path": str(repository), "files": ["notes.txt"]})]
        )
    )
    fake_api.enqueue(
        ToolUseReply(
            [LocalCall("git__git_commit", {"repo_path": str(repository), "message": "notes"})]
        )
    )
    fake_api.enqueue(TextReply("I staged notes.txt; you chose not to commit it."))
    qtbot.keyClicks(desk.window.composer, "Stage and commit my notes")
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)

    prompt = _answer_prompt(qtbot, desk, "allow_once_button")  # git_add writes: asked
    assert "git_add" in prompt.findChild(QLabel, "permission_question").text()
    _answer_prompt(qtbot, desk, "deny_button")  # git_commit: denied
    desk.until(desk.idle, timeout=60)

    staged = subprocess.run(
        ["git", "-C", str(repository), "diff", "--cached", "--name-only"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert staged == ["notes.txt"]  # allowed once: it ran
    log = subprocess.run(
        ["git", "-C", str(repository), "log", "--oneline"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(log) == 1  # denied: never ran
    requests = [r.body for r in fake_api.requests if r.path == "/v1/messages"]
    assert len(requests) == 4
    declared = {t["name"] for t in requests[0]["tools"]}
    assert {"time__get_current_time", "git__git_add", "git__git_commit"} <= declared
    results = [
        b for m in requests[-1]["messages"] if m["role"] == "user" for b in m["content"]
        if b.get("type") == "tool_result"
    ]  # fmt: skip
    assert "UTC" in results[0]["content"][0]["text"]  # the real server's answer
    assert not results[1].get("is_error")
    assert results[2]["is_error"] is True
    lines = [row.toggle.text() for row in tool_activity(desk.last_answer()).rows.values()]
    assert [line.split(" — ")[0] for line in lines] == [
        "▸ ✓ time › get_current_time", "▸ ✓ git › git_add", "▸ ✗ git › git_commit",
    ]  # fmt: skip
    assert "4 requests" in desk.last_answer().footer.text()


def test_stop_during_a_call_ends_the_loop_and_the_server(desk: Desk, qtbot, fake_api, host) -> None:
    access = _wire(desk, host, [unruly()])
    fake_api.enqueue(ToolUseReply([LocalCall("unruly__echo", {"text": "warm up"})]))
    fake_api.enqueue(ToolUseReply([LocalCall("unruly__hang", {})]))
    qtbot.keyClicks(desk.window.composer, "Run the slow thing")
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)
    _answer_prompt(qtbot, desk, "allow_once_button")  # hang is not read-only
    desk.until(lambda: host.pid("unruly") is not None, timeout=60)
    pid = host.pid("unruly")
    assert pid is not None and alive(pid)
    desk.until(lambda: not access.pending, timeout=30)  # allowed: the call goes to the server
    with pytest.raises(TimeoutError):
        desk.until(desk.idle, timeout=1.0)  # `hang` never answers: still running after 1 s
    qtbot.mouseClick(desk.window.composer_row.stop_button, Qt.MouseButton.LeftButton)
    desk.until(desk.idle, timeout=30)
    assert gone_soon(pid)  # Stop ended the call and the server's process
    message = desk.controller.history.messages()[-1]
    assert message.status == "stopped"
    assert len([r for r in fake_api.requests if r.path == "/v1/messages"]) == 2  # no more rounds


def test_a_server_that_cannot_start_is_said_and_the_others_still_work(
    desk: Desk, qtbot, fake_api, host
) -> None:
    from desktop.core.local_tools import McpServerConfig

    broken = McpServerConfig("broken", command="no-such-mcp-server-command")
    _wire(desk, host, [time_server(), broken])
    fake_api.enqueue(ToolUseReply([LocalCall("time__get_current_time", {"timezone": "UTC"})]))
    fake_api.enqueue(TextReply("Done."))
    qtbot.keyClicks(desk.window.composer, "Time?")
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)
    desk.until(desk.idle, timeout=60)
    said = desk.window.statusBar().currentMessage()
    assert said.startswith("Local tools of broken were not offered: it could not start")
    assert "command not found" in said
    declared = {t["name"] for t in fake_api.requests[0].body["tools"]}
    assert "time__get_current_time" in declared and not any("broken" in n for n in declared)
    assert desk.controller.history.messages()[-1].status == "complete"
