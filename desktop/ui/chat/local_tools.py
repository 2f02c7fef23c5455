"""The chat's side of local (MCP) tools: which tools an answer may call, asking the user before
a call that may change something, and running the call through the `LocalToolHost`.

A call never runs without permission: a tool that is not read-only (MCP's `readOnlyHint`)
and not allowed "always" by the user waits for the prompt's answer (`permission_asked`);
Deny sends the call back to Claude as an error result. Stopping the answer cancels the wait
and the call (the host stops that server's process).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from desktop.core.local_tools import (
    DENIED,
    LocalTool,
    McpServerConfig,
    Permission,
    ServerState,
    ToolLimits,
    api_tool_name,
    error_outcome,
    needs_permission,
    tool_param,
    tool_result_block,
    unknown_tool,
)
from desktop.core.ports import LocalToolHost

if TYPE_CHECKING:  # asyncio (~40 ms) loads after the window's first paint
    import asyncio

Block = dict[str, Any]


@dataclass(eq=False)
class PermissionRequest:
    """One call waiting for the user's answer (`LocalToolAccess.answer`)."""

    message_id: int
    tool: LocalTool
    arguments: dict[str, Any]
    tool_use_id: str
    future: asyncio.Future[Permission] = field(repr=False)


class LocalToolAccess(QObject):
    """Local tools for the chat: declared per answer, each call allowed, run and answered."""

    permission_asked = Signal(object)  # PermissionRequest
    permission_closed = Signal(object)  # PermissionRequest (answered, or the answer stopped)
    always_allowed = Signal(str, str)  # server, tool: the user chose "Always for this tool"
    servers_failed = Signal(str)  # why some servers' tools were not offered to an answer

    def __init__(
        self, host: LocalToolHost, limits: Callable[[], ToolLimits], parent: QObject | None = None
    ) -> None:
        """`limits`: the tool loop's limits as the preferences hold them now."""
        super().__init__(parent)
        self.host = host
        self._configs = host.servers
        self.limits = limits
        self.pending: list[PermissionRequest] = []

    def any_enabled(self) -> bool:
        return any(config.enabled for config in self._configs())

    def starting_needed(self) -> bool:
        """Some enabled server is not running yet (an answer waits for it to start)."""
        enabled = {config.name for config in self._configs() if config.enabled}
        ready = {s.name for s in self.host.statuses() if s.state is ServerState.READY}
        return bool(enabled - ready)

    def known_params(self) -> list[Block]:
        """The `tools` entries of the servers running now (for the estimate before sending;
        servers not started yet add theirs when the message is sent)."""
        enabled = {config.name for config in self._configs() if config.enabled}
        statuses = self.host.statuses()
        return [tool_param(t) for s in statuses if s.name in enabled for t in s.tools]

    async def declare(self) -> dict[str, LocalTool]:
        """The tools an answer may call, by the name they have in the request; servers that
        failed to start are left out and said (`servers_failed`)."""
        if not self.any_enabled():
            return {}
        tools = {api_tool_name(t.server, t.name): t for t in await self.host.tools()}
        failed = [s for s in self.host.statuses() if s.state is ServerState.FAILED]
        if failed:
            names = ", ".join(s.name for s in failed)
            self.servers_failed.emit(
                f"Local tools of {names} were not offered: "
                f"{'it' if len(failed) == 1 else 'they'} could not start "
                f"({failed[0].error or 'see Settings › Local tools'})."
            )
        return tools

    async def run(self, message_id: int, use: Block, tools: dict[str, LocalTool]) -> Block:
        """Answer one `tool_use` block: ask if needed, run the call, return its `tool_result`."""
        tool = tools.get(str(use.get("name")))
        use_id = str(use.get("id"))
        if tool is None:
            return tool_result_block(use_id, unknown_tool(str(use.get("name"))))
        raw = use.get("input")
        arguments: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if needs_permission(tool, self._config(tool.server)):
            choice = await self._ask(message_id, tool, arguments, use_id)
            if choice is Permission.DENY:
                return tool_result_block(use_id, error_outcome(DENIED))
            if choice is Permission.ALWAYS:
                self.always_allowed.emit(tool.server, tool.name)
        outcome = await self.host.call(tool.server, tool.name, arguments, self.limits())
        return tool_result_block(use_id, outcome)

    def answer(self, request: PermissionRequest, choice: Permission) -> None:
        """The user's answer to `request` (from the prompt's buttons)."""
        if not request.future.done():
            request.future.set_result(choice)

    def _config(self, server: str) -> McpServerConfig:
        for config in self._configs():
            if config.name == server:
                return config
        return McpServerConfig(server)  # gone meanwhile: nothing is allowed without asking

    async def _ask(
        self, message_id: int, tool: LocalTool, arguments: dict[str, Any], use_id: str
    ) -> Permission:
        import asyncio

        future: asyncio.Future[Permission] = asyncio.get_running_loop().create_future()
        request = PermissionRequest(message_id, tool, arguments, use_id, future)
        self.pending.append(request)
        self.permission_asked.emit(request)
        try:
            return await future
        finally:  # answered, or cancelled by Stop: the prompt goes either way
            self.pending.remove(request)
            self.permission_closed.emit(request)
