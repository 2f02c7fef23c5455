"""A local MCP server as a child process, speaking JSON-RPC lines on stdin/stdout.

Our own transport (the SDK's `stdio_client` hides the process): the host must be able to kill
a server's whole process group at once when a call is cancelled, and to tell a crash, an exit
code and garbage on stdout apart. The child runs in a session of its own (its own process
group); on Linux it also gets SIGTERM when the host's thread ends (PR_SET_PDEATHSIG), so a
killed app leaves no server behind. Elsewhere a server sees its stdin close when the app
dies, which ends well-behaved servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from collections import deque
from threading import Lock
from typing import TYPE_CHECKING, Any

import anyio
import mcp_types as types
from mcp.client.stdio import get_default_environment
from mcp.shared.message import SessionMessage

if TYPE_CHECKING:
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

    from desktop.core.local_tools import McpServerConfig

LINUX = sys.platform.startswith("linux")
POSIX = os.name == "posix"
READ_SIZE = 1 << 16
MAX_LINE = 64 << 20  # one message over 64 MiB is a broken server, not a big result
_PR_SET_PDEATHSIG = 1


class StderrTail:
    """The last lines a server wrote to stderr (thread-safe: the UI reads it)."""

    def __init__(self, lines: int = 20, width: int = 500) -> None:
        self._lines: deque[str] = deque(maxlen=lines)
        self._width = width
        self._lock = Lock()

    def add(self, data: bytes) -> None:
        text = data.decode("utf-8", "replace").rstrip()
        with self._lock:
            self._lines.extend(line[: self._width] for line in text.splitlines())

    def text(self) -> str:
        with self._lock:
            return "\n".join(self._lines)


class StdioTransport:
    """The SDK's `Transport` shape over a child process; `process` is set once entered."""

    def __init__(self, config: McpServerConfig, stderr: StderrTail, grace_s: float) -> None:
        self._config = config
        self._stderr = stderr
        self._grace_s = grace_s
        self.process: asyncio.subprocess.Process | None = None
        self.closed = asyncio.Event()  # stdout ended: the server exited (or closed it)
        self.garbage = 0  # stdout lines that were not JSON-RPC
        self.garbage_sample = ""
        self._tasks: list[asyncio.Task[None]] = []
        self._streams: list[Any] = []

    async def __aenter__(
        self,
    ) -> tuple[
        MemoryObjectReceiveStream[SessionMessage | Exception],
        MemoryObjectSendStream[SessionMessage],
    ]:
        env = get_default_environment() | self._config.env
        self.process = process = await asyncio.create_subprocess_exec(
            self._config.command,
            *self._config.args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            start_new_session=POSIX,
            preexec_fn=_die_with_parent() if LINUX else None,
        )
        to_session, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](8)
        write_stream, from_session = anyio.create_memory_object_stream[SessionMessage](8)
        self._streams = [to_session, read_stream, write_stream, from_session]
        assert process.stdout is not None
        assert process.stdin is not None
        assert process.stderr is not None
        self._tasks = [
            asyncio.create_task(self._read_stdout(process.stdout, to_session)),
            asyncio.create_task(self._write_stdin(process.stdin, from_session, to_session)),
            asyncio.create_task(self._read_stderr(process.stderr)),
        ]
        return read_stream, write_stream

    async def __aexit__(self, *exc_info: object) -> None:
        with anyio.CancelScope(shield=True):
            await self._shutdown()

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.returncode

    def kill(self) -> None:
        """SIGKILL the server's process group now (no grace: a call was cancelled)."""
        if self.process is not None and self.process.returncode is None:
            _signal_group(self.process.pid, signal.SIGKILL)

    async def wait_exit(self, timeout: float) -> bool:
        """True once the process has exited (polled: `wait()` also waits for pipes)."""
        process = self.process
        deadline = asyncio.get_running_loop().time() + timeout
        while process is not None and process.returncode is None:
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    async def _shutdown(self) -> None:
        """Close stdin, give the server `grace_s` to exit, then SIGTERM and SIGKILL its group."""
        for stream in self._streams:
            stream.close()
        process = self.process
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()
            for sig, wait in ((None, self._grace_s), (signal.SIGTERM, 1.0), (signal.SIGKILL, 2.0)):
                if sig is not None:
                    _signal_group(process.pid, sig)
                if await self.wait_exit(wait):
                    break
            _signal_group(process.pid, signal.SIGKILL)  # what else of it is left in its group
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        _close_transport(process)

    async def _read_stdout(
        self,
        stdout: asyncio.StreamReader,
        to_session: MemoryObjectSendStream[SessionMessage | Exception],
    ) -> None:
        buffer = bytearray()
        try:
            while chunk := await stdout.read(READ_SIZE):
                newline = chunk.rfind(b"\n")
                buffer.extend(chunk)
                if newline < 0:
                    if len(buffer) > MAX_LINE:
                        self._note_garbage(bytes(buffer[:200]))
                        buffer.clear()
                    continue
                end = len(buffer) - len(chunk) + newline
                lines = bytes(buffer[:end]).split(b"\n")
                del buffer[: end + 1]
                for line in lines:
                    await self._deliver(line, to_session)
        finally:
            self.closed.set()
            to_session.close()

    async def _deliver(
        self, line: bytes, to_session: MemoryObjectSendStream[SessionMessage | Exception]
    ) -> None:
        if not line.strip():
            return
        try:
            message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
        except ValueError:
            self._note_garbage(line)
            return
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
            await to_session.send(SessionMessage(message))

    def _note_garbage(self, line: bytes) -> None:
        self.garbage += 1
        if not self.garbage_sample:
            self.garbage_sample = line[:120].decode("utf-8", "replace").strip()

    async def _write_stdin(
        self,
        stdin: asyncio.StreamWriter,
        from_session: MemoryObjectReceiveStream[SessionMessage],
        to_session: MemoryObjectSendStream[SessionMessage | Exception],
    ) -> None:
        try:
            async for message in from_session:
                data = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                stdin.write(data.encode() + b"\n")
                await stdin.drain()
        except (OSError, anyio.ClosedResourceError, anyio.BrokenResourceError):
            to_session.close()  # the server is gone: let the session see the end

    async def _read_stderr(self, stderr: asyncio.StreamReader) -> None:
        with contextlib.suppress(ValueError):  # a line over the reader's limit: keep reading
            while line := await stderr.readline():
                self._stderr.add(line)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if POSIX:
            os.killpg(pid, sig)
        else:  # pragma: no cover - Windows: no process groups to signal
            os.kill(pid, signal.SIGTERM)


def _close_transport(process: asyncio.subprocess.Process | None) -> None:
    """Close the subprocess transport now (else it warns when collected)."""
    transport = getattr(process, "_transport", None)
    if transport is not None:
        with contextlib.suppress(Exception):
            transport.close()


def _die_with_parent() -> Any:
    """A `preexec_fn` asking Linux to SIGTERM the child when the thread that started it ends.

    `prctl` is looked up here, in the parent: the child only calls it (no import, no lookup
    after the fork). None when libc cannot be loaded.
    """
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def set_pdeathsig() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return set_pdeathsig
