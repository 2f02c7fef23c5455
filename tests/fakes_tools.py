"""Fakes for the local-tools ports: a scripted MCP host and an in-memory server repository.

`FakeToolHost` runs no process: a test scripts what `start` reports (`script_start`) and pushes
status changes (`push`) that reach subscribers as the real host's would. `MemoryMcpServers`
keeps saved copies and can be told to return a save problem (no keyring).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Sequence
from typing import Any

from desktop.core.local_tools import (
    LocalTool,
    McpServerConfig,
    ServerState,
    ServerStatus,
    ToolLimits,
    ToolOutcome,
)


class FakeToolHost:
    """Implements `core.ports.LocalToolHost`."""

    def __init__(self) -> None:
        self.configured: list[list[McpServerConfig]] = []  # every configure() call, in order
        self.started: list[str] = []
        self._statuses: dict[str, ServerStatus] = {}
        self._order: list[str] = []
        self._subscribers: list[Callable[[ServerStatus], None]] = []
        self._on_start: dict[str, ServerStatus] = {}
        self.closed = False

    # -- scripting ----------------------------------------------------------------------------

    def script_start(self, status: ServerStatus) -> None:
        """What `start(status.name)` ends in (default: ready with no tools)."""
        self._on_start[status.name] = status

    def push(self, status: ServerStatus) -> None:
        """A status change, told to every subscriber."""
        self._statuses[status.name] = status
        for callback in list(self._subscribers):
            callback(status)

    def servers(self) -> list[McpServerConfig]:
        return copy.deepcopy(self.configured[-1]) if self.configured else []

    # -- the port -------------------------------------------------------------------------------

    def configure(self, servers: Sequence[McpServerConfig]) -> None:
        self.configured.append(copy.deepcopy(list(servers)))
        self._order = [s.name for s in servers]
        for server in servers:
            if not server.enabled:
                self.push(ServerStatus(server.name, ServerState.DISABLED))
        self._statuses = {n: s for n, s in self._statuses.items() if n in self._order}

    def statuses(self) -> list[ServerStatus]:
        return [self._statuses.get(n, ServerStatus(n)) for n in self._order]

    def subscribe(self, callback: Callable[[ServerStatus], None]) -> None:
        self._subscribers.append(callback)

    async def tools(self) -> list[LocalTool]:
        return [t for s in self._statuses.values() for t in s.tools]

    async def start(self, name: str) -> ServerStatus:
        self.started.append(name)
        self.push(ServerStatus(name, ServerState.STARTING))
        await asyncio.sleep(0)
        status = self._on_start.get(name, ServerStatus(name, ServerState.READY))
        self.push(status)
        return status

    async def call(
        self, server: str, tool: str, arguments: dict[str, Any], limits: ToolLimits
    ) -> ToolOutcome:
        return ToolOutcome(({"type": "text", "text": f"{tool}({arguments})"},))

    async def aclose(self) -> None:
        self.closed = True


class MemoryMcpServers:
    """Implements `core.ports.McpServerRepository` in memory."""

    def __init__(
        self, servers: Sequence[McpServerConfig] = (), load_problem: str | None = None
    ) -> None:
        self.stored = copy.deepcopy(list(servers))
        self.saves = 0
        self.load_problem = load_problem
        self.save_problem: str | None = None  # what the next saves return (e.g. no keyring)

    def load(self) -> tuple[list[McpServerConfig], str | None]:
        return copy.deepcopy(self.stored), self.load_problem

    def save(self, servers: Sequence[McpServerConfig]) -> str | None:
        self.stored = copy.deepcopy(list(servers))
        self.saves += 1
        return self.save_problem
