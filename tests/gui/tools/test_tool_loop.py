"""The tool loop in the chat, driven as a person would: Claude calls the user's local tools
over several rounds; a tool that may change things asks first (Allow once / Always / Deny);
every round is a request of its own, its usage counted in the answer; the calls, results
and the final answer are shown while streaming and again after reopening.

The host here is a scripted `LocalToolHost` (tests/gui/tools/scripted_host.py); the same
loop against real MCP servers is in test_real_servers.py."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from desktop.core.local_tools import McpServerConfig
from desktop.ui.chat.permission_prompt import PermissionPrompt
from desktop.ui.chat.tool_blocks import tool_activity
from tests.fake_api import LocalCall, TextReply, ToolUseReply
from tests.gui.conftest import Desk
from tests.gui.tools.scripted_host import ScriptedHost, attach_local_tools


def _send(qtbot, desk: Desk, text: str) -> None:
    qtbot.keyClicks(desk.window.composer, text)
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)


def _prompt(desk: Desk) -> PermissionPrompt | None:
    answer = desk.last_answer()
    prompts = answer.findChildren(PermissionPrompt) if answer is not None else []
    visible = [p for p in prompts if p.isVisible()]
    return visible[0] if visible else None


def _click(qtbot, desk: Desk, name: str) -> None:
    desk.until(lambda: _prompt(desk) is not None, timeout=20)
    prompt = _prompt(desk)
    assert prompt is not None
    qtbot.mouseClick(prompt.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def test_three_rounds_with_allow_once_and_deny(desk: Desk, qtbot, fake_api) -> None:
    host = ScriptedHost()
    servers = [McpServerConfig("time"), McpServerConfig("notes")]
    attach_local_tools(desk, host, servers)
    fake_api.enqueue(
        ToolUseReply([LocalCall("time__get_time", {"zone": "UTC"})], "Let me check the time.")
    )
    fake_api.enqueue(ToolUseReply([LocalCall("notes__write_note", {"text": "lunch at noon"})]))
    fake_api.enqueue(ToolUseReply([LocalCall("notes__write_note", {"text": "again"})]))
    fake_api.enqueue(TextReply("It is noon in UTC; I saved your note once."))
    _send(qtbot, desk, "What time is it? Save a note.")

    _click(qtbot, desk, "allow_once_button")  # round 2: write_note may change things
    _click(qtbot, desk, "deny_button")  # round 3: denied, sent back as an error
    desk.until(desk.idle, timeout=30)

    assert host.calls == [
        ("time", "get_time", {"zone": "UTC"}),
        ("notes", "write_note", {"text": "lunch at noon"}),
    ]
    bodies = [r.body for r in fake_api.requests if r.path == "/v1/messages"]
    assert len(bodies) == 4  # each round is a request
    declared = {t["name"] for t in bodies[0]["tools"]}
    assert {"time__get_time", "notes__write_note"} <= declared
    last = bodies[-1]["messages"]
    results = [
        b
        for m in last
        if m["role"] == "user"
        for b in m["content"]
        if b.get("type") == "tool_result"
    ]
    assert len(results) == 3
    assert results[2]["is_error"] is True and "denied" in results[2]["content"][0]["text"]
    assert "12:00" in results[0]["content"][0]["text"]
    assert host.servers()[1].always_allowed == []  # "once" is not remembered

    answer = desk.last_answer()
    activity = tool_activity(answer)
    lines = [row.toggle.text() for row in activity.rows.values()]
    assert len(lines) == 3
    assert lines[0].startswith("▸ ✓ time › get_time")
    assert lines[2].startswith("▸ ✗ notes › write_note") and "denied" in lines[2]
    assert answer.body.markdown_text().startswith("Let me check the time.\n\nIt is noon")
    usage = desk.controller.history.messages()[-1].usage
    assert usage is not None and usage.output_tokens > 0
    # every round's usage is in the answer's (four requests' input, summed)
    assert usage.input_tokens >= 4
    assert usage.extra_requests == 3 and "4 requests" in answer.footer.text()

    conversation = desk.controller.conversation
    desk.controller.new_conversation()
    desk.controller.open_conversation(conversation)
    reopened = desk.shown(2)[-1]
    again = [row.toggle.text() for row in tool_activity(reopened).rows.values()]
    assert again == lines
    assert reopened.body.markdown_text() == answer.body.markdown_text()


def test_always_allow_is_remembered_and_stop_cancels_a_waiting_call(
    desk: Desk, qtbot, fake_api
) -> None:
    host = ScriptedHost()
    servers = [McpServerConfig("notes")]
    access = attach_local_tools(desk, host, servers)
    allowed: list[tuple[str, str]] = []

    def on_always(server: str, tool: str) -> None:  # as the app does: the host's settings
        allowed.append((server, tool))
        servers[0].always_allowed.append(tool)
        host.configure(servers)

    access.always_allowed.connect(on_always)
    fake_api.enqueue(ToolUseReply([LocalCall("notes__write_note", {"text": "a"})]))
    fake_api.enqueue(ToolUseReply([LocalCall("notes__write_note", {"text": "b"})]))
    fake_api.enqueue(TextReply("Saved both."))
    _send(qtbot, desk, "Save two notes.")
    _click(qtbot, desk, "allow_always_button")
    desk.until(desk.idle, timeout=30)
    assert allowed == [("notes", "write_note")]
    assert [c[2]["text"] for c in host.calls] == ["a", "b"]  # the second ran without asking

    host.hang = True  # the next call never ends
    fake_api.enqueue(ToolUseReply([LocalCall("notes__read_note", {})]))
    _send(qtbot, desk, "Read it back.")
    desk.until(lambda: host.running, timeout=20)
    qtbot.mouseClick(desk.window.composer_row.stop_button, Qt.MouseButton.LeftButton)
    desk.until(desk.idle, timeout=20)
    assert host.cancelled == ["notes"]
    message = desk.controller.history.messages()[-1]
    assert message.status == "stopped"
    assert [b["type"] for b in message.content] == ["tool_use"]  # no result: not sent back

    fake_api.enqueue(TextReply("Fine."))
    _send(qtbot, desk, "Never mind.")
    desk.until(desk.idle, timeout=30)
    sent = [r.body for r in fake_api.requests if r.path == "/v1/messages"][-1]["messages"]
    assert all(
        b.get("type") != "tool_use" or b.get("name") != "notes__read_note"
        for m in sent
        for b in m["content"]
    )


def test_a_paused_server_tool_turn_is_sent_back_and_goes_on(desk: Desk, qtbot, fake_api) -> None:
    from tests.fake_api import Search, ToolReply

    sources = [("Tide tables", "https://tides.example.org/", "1 day")]
    fake_api.enqueue(
        ToolReply([Search("tides today", sources)], ["Still looking."], stop_reason="pause_turn")
    )
    fake_api.enqueue(TextReply("High tide is at 14:05."))
    settings = desk.controller.settings.copy()
    settings.tools.web_search = True
    desk.controller.update_settings(settings)
    _send(qtbot, desk, "When is high tide?")
    desk.until(desk.idle, timeout=30)

    bodies = [r.body for r in fake_api.requests if r.path == "/v1/messages"]
    assert len(bodies) == 2
    last = bodies[1]["messages"][-1]
    assert last["role"] == "assistant"  # the paused turn, as it came, no user turn added
    kinds = [b["type"] for b in last["content"]]
    assert kinds == ["server_tool_use", "web_search_tool_result", "text"]
    message = desk.controller.history.messages()[-1]
    assert message.status == "complete" and message.stop_reason == "end_turn"
    assert message.text == "Still looking.High tide is at 14:05."
    assert "2 requests" in desk.last_answer().footer.text()


def test_the_round_limit_ends_the_answer_with_continue(desk: Desk, qtbot, fake_api) -> None:
    from desktop.core.local_tools import ToolLimits

    host = ScriptedHost()
    attach_local_tools(desk, host, [McpServerConfig("time")], ToolLimits(max_rounds=2))
    for _ in range(3):
        fake_api.enqueue(ToolUseReply([LocalCall("time__get_time", {})], "Again. "))
    _send(qtbot, desk, "Keep checking the time")
    desk.until(desk.idle, timeout=30)
    assert len(host.calls) == 2  # the third call is not run
    answer = desk.last_answer()
    assert answer.message.stop_reason == "tool_use"
    assert "limit of tool rounds" in answer.notice_label.text()
    assert answer.continue_button.isVisible()
    fake_api.enqueue(TextReply("It is still noon."))
    qtbot.mouseClick(answer.continue_button, Qt.MouseButton.LeftButton)
    desk.until(lambda: desk.idle() and desk.last_answer() is not answer, timeout=30)
    sent = [r.body for r in fake_api.requests if r.path == "/v1/messages"][-1]["messages"]
    unanswered = [b for m in sent for b in m["content"] if b.get("type") == "tool_use"]
    assert len(unanswered) == 2  # the third call (never run) is not sent back


def test_always_allow_in_the_chat_shows_in_settings_and_is_saved(
    desk: Desk, qtbot, fake_api
) -> None:
    from desktop.core.local_tools import ServerState, ServerStatus, ToolLimits
    from desktop.ui.shell.local_tools import attach_local_tools as attach_to_window
    from tests.fakes_tools import MemoryMcpServers
    from tests.gui.tools.scripted_host import TOOLS

    host = ScriptedHost()
    servers = MemoryMcpServers([McpServerConfig("notes")])
    host.configure(servers.stored)
    attach_to_window(desk.window, host, servers, ToolLimits, lambda _limits: None)
    notes_tools = tuple(t for t in TOOLS if t.server == "notes")
    host.push(ServerStatus("notes", ServerState.READY, tools=notes_tools))
    desk.window.settings_button.click()  # Settings: the section reads the servers
    section = desk.window.settings_panel.local_tools
    desk.until(lambda: section.loaded and "notes" in section.rows)
    box = section.rows["notes"].allow_boxes["write_note"]
    assert not box.isChecked()

    fake_api.enqueue(ToolUseReply([LocalCall("notes__write_note", {"text": "x"})]))
    fake_api.enqueue(TextReply("Saved."))
    _send(qtbot, desk, "Save a note")
    _click(qtbot, desk, "allow_always_button")
    desk.until(desk.idle, timeout=30)
    assert box.isChecked()  # the settings show the choice
    desk.until(lambda: servers.stored[0].always_allowed == ["write_note"])  # and it is saved
    assert host.servers()[0].always_allowed == ["write_note"]  # the host asks no more


def test_the_tools_menu_opens_the_mcp_settings(desk: Desk, qtbot, fake_api) -> None:
    from desktop.core.local_tools import ToolLimits
    from desktop.ui.shell.local_tools import attach_local_tools as attach_to_window
    from tests.fakes_tools import MemoryMcpServers
    from tests.gui.chat.test_server_tools import _click_menu_action

    host = ScriptedHost()
    servers = MemoryMcpServers([McpServerConfig("notes")])
    host.configure(servers.stored)
    attach_to_window(desk.window, host, servers, ToolLimits, lambda _limits: None)
    panel = desk.window.settings_panel  # built after the first paint, hidden
    desk.until(lambda: panel.local_tools.loaded)
    assert not panel.isVisible()
    _click_menu_action(qtbot, desk, "MCP servers…")
    section = panel.local_tools
    desk.until(lambda: panel.isVisible() and section.isVisible())
    viewport = panel.scroll_area.viewport()

    def section_in_view() -> bool:
        top = section.mapTo(viewport, section.rect().topLeft()).y()
        return 0 <= top < viewport.height()

    desk.until(section_in_view)
    assert "notes" in section.rows


def test_the_answer_says_while_local_tools_start(desk: Desk, qtbot, fake_api) -> None:
    import asyncio

    class SlowStart(ScriptedHost):
        async def tools(self):  # type: ignore[no-untyped-def]
            await asyncio.sleep(0.5)  # servers starting
            return await super().tools()

    attach_local_tools(desk, SlowStart(), [McpServerConfig("time")])
    fake_api.enqueue(TextReply("No tools needed."))
    _send(qtbot, desk, "Hello")
    answer = desk.last_answer()
    desk.until(lambda: answer._wait_row is not None and answer.wait_row.isVisible())
    assert answer.wait_label.text() == "Starting local tools…"  # no retry countdown
    desk.until(desk.idle, timeout=30)
    assert not answer.wait_row.isVisible()
