"""Answer streams run by a child process (`desktop.api.stream_child`), for the UI's sake.

PySide6 holds the GIL inside Qt calls, so the SDK parsing a stream in this process and the UI
painting it take turns: a 20,000-delta answer paints ~1.8x slower than the SDK alone reads it.
The child parses the stream and sends batches of events (text deltas joined) back over a pipe.

- Started in the background when the backend gets a key; until it has imported the SDK and
  said "ready", answers stream in-process as before (`ready` is False).
- The key travels on the child's stdin, never in its arguments or environment.
- Replies are read on the event loop (`add_reader`, no thread); requests are written by a
  writer thread (a request with images can be megabytes).
- Errors arrive as the same `core.errors` kinds with their fields. If the child dies, the
  answer fails with a retryable message and the next answer starts a new child.
- The child ends when its stdin closes: on `aclose`, and when this process dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

from desktop.api import wire
from desktop.core import errors as core
from desktop.core.ports import StreamEvent

log = logging.getLogger(__name__)

MAX_FAILED_STARTS = 3  # children that died before "ready": then stream in-process for good
CHILD_DIED = (
    "The helper process that streams answers stopped unexpectedly. Retry to send the message again."
)


def child_command() -> list[str]:
    """How to start the child: the frozen app's own binary, else this Python."""
    if getattr(sys, "frozen", False):
        return [sys.executable, wire.CHILD_FLAG]
    return [sys.executable, "-m", wire.CHILD_MODULE]


def child_environment() -> dict[str, str]:
    """This process's environment without the API key, with this copy of `desktop` importable."""
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    if getattr(sys, "frozen", False):
        return env
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def supported() -> bool:
    """The child's replies are read with `loop.add_reader` on a pipe: POSIX only."""
    return os.name == "posix"


class ChildStream:
    """One answer streamed by the child; `close()` tells the child to stop it."""

    def __init__(self, child: _Child, rid: int) -> None:
        self._child, self._rid = child, rid
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._finished = False

    async def next_batch(self) -> list[StreamEvent] | None:
        """The next events; None when the answer is complete. Raises core errors."""
        message = await self.inbox.get()
        if "events" in message:
            events: list[StreamEvent] = message["events"]
            return events
        self._finished = True
        if message.get("end"):
            return None
        if "error" in message:
            raise wire.error_from_payload(message["error"])
        raise core.DeskError(CHILD_DIED)

    def close(self) -> None:
        self._child.forget(self._rid)
        if not self._finished:
            self._finished = True
            self._child.write(wire.cancel(self._rid))


class _Child:
    """One child process: its pipes, its writer thread, the answers it is streaming."""

    def __init__(self, base_url: str | None, timeout: float, key: str) -> None:
        self._base_url, self._timeout = base_url, timeout
        self._outbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._streams: dict[int, ChildStream] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._buffer = b""
        self._reader: tuple[asyncio.AbstractEventLoop, int] | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready = False
        self.dead = False
        self.failed_start = False
        self._stopped = False
        self.write(wire.warm(key, base_url, timeout))
        self._thread = threading.Thread(target=self._run, name="stream-child", daemon=True)
        self._thread.start()

    # -- the thread: start, wait for "ready", then write requests ------------------------------

    def _run(self) -> None:
        try:
            self.proc = subprocess.Popen(  # our own program, no shell
                child_command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=child_environment(),
                close_fds=True,
            )
        except OSError:
            log.exception("could not start the streaming child process")
            self.dead = self.failed_start = True
            return
        if self._stopped:  # stopped while it was being started: nobody needs it
            self.kill()
        writer = threading.Thread(target=self._write_all, name="stream-child-writer", daemon=True)
        writer.start()
        self._wait_ready()
        writer.join()
        self.proc.wait()

    def _write_all(self) -> None:
        assert self.proc is not None
        stdin = self.proc.stdin
        assert stdin is not None
        with contextlib.suppress(OSError):
            while (message := self._outbox.get()) is not None:
                # Encoded here, not on the UI thread: a request holds the whole conversation.
                stdin.write(wire.encode(message))
                stdin.flush()
        with contextlib.suppress(OSError):
            stdin.close()

    def _wait_ready(self) -> None:
        """Read the first line ("ready") with blocking reads; later lines go to the loop."""
        fd = self._stdout_fd()
        data = b""
        while b"\n" not in data:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
        line, _, self._buffer = data.partition(b"\n")
        if wire.is_ready(line):
            os.set_blocking(fd, False)
            self.ready = True
            return
        log.error("the streaming child process did not start")
        self.dead = self.failed_start = True
        self.kill()
        self.stop()

    def running(self) -> bool:
        """The process has not exited (a crash while idle is noticed here)."""
        if self.proc is None or self.proc.poll() is None:
            return True
        self.dead = True
        self.stop()
        return False

    def _stdout_fd(self) -> int:
        assert self.proc is not None
        assert self.proc.stdout is not None
        return self.proc.stdout.fileno()

    def write(self, message: dict[str, Any]) -> None:
        """Queue `message` for the writer thread (which encodes it); never modify it after."""
        self._outbox.put(message)

    def stop(self) -> None:
        """Close the child's stdin (it exits); idempotent."""
        self._stopped = True
        self._outbox.put(None)

    # -- the loop: requests and replies --------------------------------------------------------

    def open(self, key: str, params: dict[str, Any], alive_every: float) -> ChildStream:
        """Send a stream request; replies go to the returned stream's inbox."""
        self._attach(asyncio.get_running_loop())
        with self._lock:
            if self.dead:
                raise core.DeskError(CHILD_DIED)
            rid = next(self._ids)
            stream = self._streams[rid] = ChildStream(self, rid)
        self.write(wire.stream(rid, key, params, alive_every))
        return stream

    def forget(self, rid: int) -> None:
        self._streams.pop(rid, None)

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read replies on `loop` (moved if an earlier answer ran on another loop)."""
        if self._reader is not None and self._reader[0] is loop:
            return
        self._detach()
        fd = self._stdout_fd()
        loop.add_reader(fd, self._on_readable)
        self._reader = (loop, fd)

    def _detach(self) -> None:
        if self._reader is not None:
            loop, fd = self._reader
            self._reader = None
            with contextlib.suppress(Exception):
                loop.remove_reader(fd)

    def _on_readable(self) -> None:
        try:
            data = os.read(self._stdout_fd(), 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._on_gone()
            return
        *lines, self._buffer = (self._buffer + data).split(b"\n")
        for line in lines:
            try:
                message = wire.decode(line)
            except ValueError:
                log.error("the streaming child sent an unreadable line; stopping it")
                self.kill()
                self._on_gone()
                return
            stream = self._streams.get(message.get("id", 0))
            if stream is not None:
                stream.inbox.put_nowait(message)

    def _on_gone(self) -> None:
        """The child's stdout closed: it exited or crashed. Fail what it was streaming."""
        self._detach()
        with self._lock:
            self.dead = True
            streams = list(self._streams.values())
        for stream in streams:
            stream.inbox.put_nowait({"died": True})
        self.stop()

    def kill(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(OSError):
                self.proc.kill()

    async def aclose(self) -> None:
        """Stop the child and wait until it has exited (killed after 3 s, or at once while it
        is still importing the SDK)."""
        self._detach()
        self.stop()
        if not self.ready:
            self.kill()
        await asyncio.to_thread(self._thread.join, 3.0)
        if self._thread.is_alive():
            self.kill()
            await asyncio.to_thread(self._thread.join, 2.0)
        self.dead = True


class StreamProcess:
    """The current child, restarted after a crash; `open` streams one answer through it."""

    def __init__(self, base_url: str | None, timeout: float) -> None:
        self._base_url, self._timeout = base_url, timeout
        self._child: _Child | None = None
        self._retired: list[_Child] = []
        self._failed_starts = 0
        self.served = 0  # answers streamed through a child

    @property
    def ready(self) -> bool:
        child = self._child
        return child is not None and child.ready and not child.dead and child.running()

    def start(self, key: str) -> None:
        """Start a child in the background unless one is running (or they keep failing)."""
        child = self._child
        if child is not None and not child.dead:
            return
        if child is not None:
            self._failed_starts += child.failed_start
            self._retire(child)
        if self._failed_starts >= MAX_FAILED_STARTS:
            return
        self._child = _Child(self._base_url, self._timeout, key)

    def stop(self) -> None:
        """Stop the child (no key any more: it must not keep one)."""
        if self._child is not None:
            self._retire(self._child)

    def _retire(self, child: _Child) -> None:
        child.stop()
        self._retired.append(child)
        self._child = None

    @property
    def failed_to_start(self) -> bool:
        """The last child died (or could not be run) before it was ready."""
        child = self._child
        return child is not None and child.dead and child.failed_start

    async def stream(
        self, key: str, params: dict[str, Any], alive_every: float
    ) -> AsyncGenerator[StreamEvent, None]:
        """One answer through the child (`ready` must be True); closing cancels it there.
        The child's events include its pings (bytes without events for `alive_every` s)."""
        stream = self.open(key, params, alive_every)
        try:
            while (events := await stream.next_batch()) is not None:
                for event in events:
                    yield event
        finally:
            stream.close()  # on Stop too: the child cancels its request

    def open(self, key: str, params: dict[str, Any], alive_every: float) -> ChildStream:
        assert self._child is not None
        stream = self._child.open(key, params, alive_every)
        self.served += 1
        return stream

    @property
    def pid(self) -> int | None:
        proc = self._child.proc if self._child is not None else None
        return proc.pid if proc is not None else None

    async def aclose(self) -> None:
        children, self._retired = self._retired, []
        if self._child is not None:
            children.append(self._child)
            self._child = None
        for child in children:
            await child.aclose()
