"""A `LocalToolHost` with scripted tools, for the chat's tool loop tests (no processes)."""

from __future__ import annotations

import asyncio
from typing import Any

from desktop.core.local_tools import LocalTool, McpServerConfig, ToolLimits, ToolOutcome
from desktop.ui.chat.local_tools import LocalToolAccess
from desktop.ui.chat.wiring import connect_local_tools
from tests.fakes_tools import FakeToolHost

TOOLS = (
    LocalTool("time", "get_time", "The current time", {"type": "object"}, read_only=True),
    LocalTool("notes", "write_note", "Save a note", {"type": "object"}),
    LocalTool("notes", "read_note", "Read the note", {"type": "object"}, read_only=True),
)


class ScriptedHost(FakeToolHost):
    """`TOOLS` of the configured servers; calls answer at once (or never, with `hang`)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.cancelled: list[str] = []
        self.hang = False
        self.running = False

    async def tools(self) -> list[LocalTool]:
        names = {s.name for s in self.servers() if s.enabled}
        return [t for t in TOOLS if t.server in names]

    async def call(
        self, server: str, tool: str, arguments: dict[str, Any], limits: ToolLimits
    ) -> ToolOutcome:
        self.calls.append((server, tool, arguments))
        if self.hang:
            self.running = True
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.cancelled.append(server)
                raise
        if tool == "get_time":
            return ToolOutcome(({"type": "text", "text": "12:00 UTC"},))
        return ToolOutcome(({"type": "text", "text": f"saved: {arguments.get('text')}"},))


def attach_local_tools(
    desk: Any, host: ScriptedHost, servers: list[McpServerConfig], limits: ToolLimits | None = None
) -> LocalToolAccess:
    """The desk's chat offers `host`'s tools of `servers` (as app.py wires the real host)."""
    host.configure(servers)
    access = LocalToolAccess(host, lambda: limits or ToolLimits())
    connect_local_tools(desk.window.chat_view, desk.controller, access)
    return access
