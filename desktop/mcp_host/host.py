"""`McpHost`: the user's MCP servers, run on an asyncio loop of their own in a daemon thread.

The app's loop (the UI thread) only hands work over and gets results and status changes back,
so starting servers, the SDK's parsing and a 5 MB result never stall the UI. The `mcp` SDK
(≈1 s to import) is imported on that thread too, when the first server starts.

Lifecycle of a server: STOPPED until a conversation needs its tools (`tools()` starts every
enabled server at once), STARTING, READY; FAILED with the reason and its stderr tail when it
cannot start or dies (it is started again on next use, at most `max_restarts` times within
`restart_window_s`); STOPPED again after `configure` changed it, a cancelled call killed it,
or `aclose`; DISABLED while the user has it switched off.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from desktop.background import BackgroundLoop
from desktop.core.local_tools import McpServerConfig, ServerState, ServerStatus, error_outcome
from desktop.mcp_host.options import RunnerOptions

if TYPE_CHECKING:
    from desktop.core.local_tools import LocalTool, ToolLimits, ToolOutcome
    from desktop.mcp_host.runner import ServerRunner

StatusCallback = Callable[[ServerStatus], None]


class McpHost:
    """`core.ports.LocalToolHost` over the `mcp` SDK (stdio, streamable HTTP and SSE servers).

    Args:
        start_timeout_s: how long a server may take to start and list its tools.
        max_restarts: automatic starts after failures within `restart_window_s`; after that a
            server stays FAILED until `start(name)` (a person's "Start again").
        restart_window_s: see `max_restarts`.
        stop_grace_s: how long a server may take to exit after its stdin closed, before it is
            sent SIGTERM (then SIGKILL).
    """

    def __init__(
        self,
        *,
        start_timeout_s: float = 30.0,
        max_restarts: int = 3,
        restart_window_s: float = 60.0,
        stop_grace_s: float = 1.0,
    ) -> None:
        self._options = RunnerOptions(
            start_timeout_s=start_timeout_s,
            max_restarts=max_restarts,
            restart_window_s=restart_window_s,
            stop_grace_s=stop_grace_s,
        )
        self._background = BackgroundLoop("mcp-host")
        self._lock = threading.Lock()
        self._configs: dict[str, McpServerConfig] = {}
        self._statuses: dict[str, ServerStatus] = {}
        self._subscribers: list[tuple[StatusCallback, asyncio.AbstractEventLoop]] = []
        # On the host's loop only:
        self._runners: dict[str, ServerRunner] = {}
        self._retiring: set[asyncio.Task[None]] = set()

    # -- the app's side (any thread; callbacks go to the subscriber's loop) ---------------------

    def configure(self, servers: Sequence[McpServerConfig]) -> None:
        configs = {s.name: _copy(s) for s in servers}
        changed: list[ServerStatus] = []
        with self._lock:
            old, self._configs = self._configs, configs
            statuses: dict[str, ServerStatus] = {}
            for name, config in configs.items():
                before = self._statuses.get(name)
                kept = name in old and _same_launch(old[name], config) and before is not None
                status = before if kept and before else _idle_status(config)
                statuses[name] = status
                if status is not before:
                    changed.append(status)
            self._statuses = statuses
        self._notify(changed)
        self._background.loop.call_soon_threadsafe(self._apply, configs)

    def servers(self) -> list[McpServerConfig]:
        with self._lock:
            return [_copy(config) for config in self._configs.values()]

    def statuses(self) -> list[ServerStatus]:
        with self._lock:
            return list(self._statuses.values())

    def subscribe(self, callback: StatusCallback) -> None:
        loop = _caller_loop()
        with self._lock:
            self._subscribers.append((callback, loop))

    async def tools(self) -> list[LocalTool]:
        return await self._background.run(self._tools_here)

    async def start(self, name: str) -> ServerStatus:
        return await self._background.run(lambda: self._start_here(name))

    async def call(
        self, server: str, tool: str, arguments: dict[str, Any], limits: ToolLimits
    ) -> ToolOutcome:
        return await self._background.run(lambda: self._call_here(server, tool, arguments, limits))

    async def aclose(self) -> None:
        await self._background.run(self._stop_all_here)
        await asyncio.to_thread(self._background.close)

    def pid(self, name: str) -> int | None:
        """The process id of a running stdio server (for tests and diagnostics)."""
        runner = self._runners.get(name)
        return runner.pid if runner else None

    def _notify(self, statuses: Sequence[ServerStatus]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for status in statuses:
            for callback, loop in subscribers:
                with contextlib.suppress(RuntimeError):  # that loop is closed
                    loop.call_soon_threadsafe(callback, status)

    # -- the host's loop -------------------------------------------------------------------------

    def _apply(self, configs: dict[str, McpServerConfig]) -> None:
        """Stop the servers that were removed, disabled or changed; keep the others."""
        for name, runner in list(self._runners.items()):
            config = configs.get(name)
            if config is not None and config.enabled and _same_launch(runner.config, config):
                runner.config = config
                continue
            del self._runners[name]
            task = asyncio.get_running_loop().create_task(runner.stop())
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    def _runner(self, name: str) -> ServerRunner | None:
        """The runner of an enabled, configured server (made on first use)."""
        with self._lock:
            config = self._configs.get(name)
        if config is None or not config.enabled:
            return None
        runner = self._runners.get(name)
        if runner is None:
            from desktop.mcp_host.runner import ServerRunner  # imports the SDK

            runner = self._runners[name] = ServerRunner(config, self._options, self._publish)
        return runner

    def _publish(self, runner: ServerRunner) -> None:
        """A runner's status changed: keep it (unless the runner was replaced) and tell."""
        if self._runners.get(runner.config.name) is not runner:
            return
        status = runner.status()
        with self._lock:
            if status.name not in self._statuses:
                return
            self._statuses[status.name] = status
        self._notify([status])

    async def _tools_here(self) -> list[LocalTool]:
        with self._lock:
            names = [name for name, config in self._configs.items() if config.enabled]
        runners = [r for r in map(self._runner, names) if r is not None]
        ready = await asyncio.gather(*(r.ensure() for r in runners))
        pairs = zip(runners, ready, strict=True)
        return [tool for runner, ok in pairs if ok for tool in runner.tools]

    async def _start_here(self, name: str) -> ServerStatus:
        runner = self._runner(name)
        if runner is None:
            with self._lock:
                known = self._statuses.get(name)
            return known or ServerStatus(name, ServerState.FAILED, error=f"No server named {name}.")
        return await runner.restart()

    async def _call_here(
        self, server: str, tool: str, arguments: dict[str, Any], limits: ToolLimits
    ) -> ToolOutcome:

        runner = self._runner(server)
        if runner is None:
            return error_outcome(f"The MCP server {server} is not set up or is switched off.")
        if not await runner.ensure():
            return error_outcome(f"The MCP server {server} is not running. {runner.error}".strip())
        return await runner.call(tool, arguments, limits)

    async def _stop_all_here(self) -> None:
        stops = [asyncio.ensure_future(r.stop()) for r in self._runners.values()]
        await asyncio.gather(*stops, *self._retiring, return_exceptions=True)
        self._runners = {}


def _same_launch(a: McpServerConfig, b: McpServerConfig) -> bool:
    """Whether `b` runs the same server as `a` (only permissions may differ)."""
    return replace(a, always_allowed=[]) == replace(b, always_allowed=[])


def _copy(config: McpServerConfig) -> McpServerConfig:
    """A copy the caller cannot change under the host's feet."""
    return replace(
        config,
        args=list(config.args),
        env=dict(config.env),
        headers=dict(config.headers),
        always_allowed=list(config.always_allowed),
    )


def _idle_status(config: McpServerConfig) -> ServerStatus:
    state = ServerState.STOPPED if config.enabled else ServerState.DISABLED
    return ServerStatus(config.name, state)


def _caller_loop() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()
