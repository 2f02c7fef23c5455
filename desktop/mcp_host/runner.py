"""One MCP server's life on the host's loop: start, list tools, calls, crash, restart, stop.

Everything here runs on the host's own loop (`desktop.mcp_host.host`). A server's SDK session
is opened and closed by one task (`_serve`), as the SDK's task groups require; calls come from
other tasks on the same loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

import mcp_types as types
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from desktop.core.local_tools import (
    LocalTool,
    McpServerConfig,
    ServerState,
    ServerStatus,
    ToolLimits,
    ToolOutcome,
    Transport,
    error_outcome,
)
from desktop.mcp_host import words
from desktop.mcp_host.options import RunnerOptions
from desktop.mcp_host.results import tool_outcome
from desktop.mcp_host.stdio import StderrTail, StdioTransport

CLIENT_INFO = types.Implementation(name="claude-desk", version="1")
MAX_TOOL_PAGES = 100


class ServerRunner:
    """One configured server. `publish(self)` is called on each change of its status."""

    def __init__(
        self,
        config: McpServerConfig,
        options: RunnerOptions,
        publish: Callable[[ServerRunner], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._options = options
        self._publish = publish
        self._clock = clock
        self.stderr = StderrTail(options.stderr_lines)
        self.state = ServerState.STOPPED
        self.error = ""
        self.tools: tuple[LocalTool, ...] = ()
        self._transport: StdioTransport | None = None
        self._client: Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[bool] | None = None
        self._stop = asyncio.Event()
        self._failures: deque[float] = deque()
        self._gave_up = False

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs (stdio only)."""
        transport = self._transport
        process = transport.process if transport else None
        return process.pid if process and process.returncode is None else None

    def status(self) -> ServerStatus:
        transport = self._transport
        warning = ""
        if transport is not None and transport.garbage:
            warning = words.garbage_warning(transport.garbage, transport.garbage_sample)
        return ServerStatus(
            name=self.config.name,
            state=self.state,
            error=self.error,
            stderr_tail=self.stderr.text(),
            tools=self.tools,
            warning=warning,
        )

    async def ensure(self) -> bool:
        """Running (started now if needed, unless it failed too often): True once ready."""
        task = self._task
        if task is not None and not task.done():
            if not self._ending():
                assert self._ready is not None
                return await asyncio.shield(self._ready)
            await asyncio.wait([task])  # let it wind down and say why, then start anew
        if not self._may_start():
            return False
        return await self._launch()

    async def restart(self) -> ServerStatus:
        """Stop, forget earlier failures, start; the status once ready or failed."""
        await self.stop()
        self._failures.clear()
        self._gave_up = False
        await self._launch()
        return self.status()

    async def stop(self) -> None:
        """Close the session and end the process (stdin closed, then signals)."""
        task = self._task
        if task is None or task.done():
            return
        self._stop.set()
        if self._ready is not None and not self._ready.done():
            task.cancel()  # still starting: nothing to wind down politely
        await asyncio.wait([task])

    async def kill(self) -> None:
        """Stop at once: SIGKILL the process group, then wait for the session to end."""
        if self._transport is not None:
            self._transport.kill()
        await self.stop()

    async def call(self, tool: str, arguments: dict[str, Any], limits: ToolLimits) -> ToolOutcome:
        """One tool call; every failure comes back as an error outcome. Cancelling the
        awaiting task kills the server (it starts again when next needed)."""
        client = self._client
        if client is None:
            return error_outcome(f"{self.config.name} is not running. {self.error}".strip())
        try:
            async with asyncio.timeout(limits.call_timeout_s):
                result = await client.call_tool(tool, arguments)
        except TimeoutError:
            seconds = f"{limits.call_timeout_s:g}"
            return error_outcome(
                f"`{tool}` of {self.config.name} did not answer within {seconds} s."
            )
        except asyncio.CancelledError:
            await self.kill()
            raise
        except Exception as exc:
            return error_outcome(await self._call_failed(tool, exc))
        return tool_outcome(result, limits.max_result_chars)

    def _ending(self) -> bool:
        """Asked to stop, or its process has closed stdout (it exited or is exiting)."""
        transport = self._transport
        return self._stop.is_set() or (transport is not None and transport.closed.is_set())

    async def _call_failed(self, tool: str, exc: Exception) -> str:
        transport = self._transport
        if transport is not None and transport.closed.is_set():
            if self._task is not None:  # its status says FAILED before the call returns
                await asyncio.wait([self._task], timeout=10)
            code = transport.exit_code
            how = f" (exit code {code})" if code is not None else ""
            return f"{self.config.name} stopped while running `{tool}`{how}."
        return f"`{tool}` of {self.config.name} failed: {words.describe(exc)}"

    def _may_start(self) -> bool:
        now, window = self._clock(), self._options.restart_window_s
        while self._failures and now - self._failures[0] > window:
            self._failures.popleft()
        if len(self._failures) <= self._options.max_restarts:
            return True
        if not self._gave_up:
            self._gave_up = True
            self.error = words.gave_up(self.error, len(self._failures), window)
            self._publish(self)
        return False

    async def _launch(self) -> bool:
        loop = asyncio.get_running_loop()
        self._ready = ready = loop.create_future()
        self._stop = asyncio.Event()
        self._task = loop.create_task(self._serve(ready), name=f"mcp:{self.config.name}")
        return await asyncio.shield(ready)

    async def _serve(self, ready: asyncio.Future[bool]) -> None:
        """The session's whole life; ends STOPPED when asked to, FAILED otherwise."""
        self._set(ServerState.STARTING, "")
        reason: str | None = None
        try:
            async with contextlib.AsyncExitStack() as stack:
                async with asyncio.timeout(self._options.start_timeout_s):
                    client = await stack.enter_async_context(self._connect())
                    tools = await _list_tools(client, self.config.name)
                self._client, self.tools = client, tools
                self._set(ServerState.READY, "")
                ready.set_result(True)
                await self._until_stopped_or_closed()
            if not self._stop.is_set():
                reason = self._exit_words("unexpectedly")
        except asyncio.CancelledError:
            pass  # stopped while starting (or the host is closing)
        except Exception as exc:
            reason = self._start_words(exc) if not ready.done() else words.describe(exc)
        finally:
            self._client, self.tools = None, ()
        if reason is not None:
            self._failures.append(self._clock())
        self._set(ServerState.STOPPED if reason is None else ServerState.FAILED, reason or "")
        if not ready.done():
            ready.set_result(False)

    @contextlib.asynccontextmanager
    async def _connect(self) -> AsyncIterator[Client]:
        config = self.config
        if config.transport is Transport.STDIO:
            self._transport = StdioTransport(config, self.stderr, self._options.stop_grace_s)
            async with Client(self._transport, client_info=CLIENT_INFO, cache=None) as client:
                yield client
            return
        self._transport = None
        async with contextlib.AsyncExitStack() as stack:
            if config.transport is Transport.SSE:
                streams = sse_client(config.url, headers=dict(config.headers))
            else:
                http = await stack.enter_async_context(create_mcp_http_client(dict(config.headers)))
                streams = streamable_http_client(config.url, http_client=http)
            client = Client(streams, client_info=CLIENT_INFO, cache=None)
            yield await stack.enter_async_context(client)

    async def _until_stopped_or_closed(self) -> None:
        waits = [asyncio.ensure_future(self._stop.wait())]
        if self._transport is not None:
            waits.append(asyncio.ensure_future(self._transport.closed.wait()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    def _exit_words(self, during: str) -> str:
        transport = self._transport
        code = transport.exit_code if transport else None
        return words.exited(self.config.name, code, bool(self.stderr.text()), during)

    def _start_words(self, exc: BaseException) -> str:
        transport = self._transport
        if transport is not None and transport.closed.is_set() and transport.process:
            return self._exit_words("while starting")
        if isinstance(words.leaf(exc), TimeoutError):
            sample = transport.garbage_sample if transport else ""
            return words.too_slow(self.config.name, self._options.start_timeout_s, sample)
        return words.start_failed(self.config, exc)

    def _set(self, state: ServerState, error: str) -> None:
        self.state, self.error = state, error
        self._publish(self)


async def _list_tools(client: Client, server: str) -> tuple[LocalTool, ...]:
    found: list[LocalTool] = []
    cursor: str | None = None
    for _ in range(MAX_TOOL_PAGES):
        page = await client.list_tools(cursor=cursor)
        found.extend(_local_tool(server, tool) for tool in page.tools)
        cursor = page.next_cursor
        if cursor is None:
            break
    return tuple(found)


def _local_tool(server: str, tool: types.Tool) -> LocalTool:
    hints = tool.annotations
    return LocalTool(
        server=server,
        name=tool.name,
        description=tool.description or "",
        input_schema=dict(tool.input_schema),
        read_only=bool(hints and hints.read_only_hint),
        title=tool.title or (hints.title if hints and hints.title else ""),
    )
