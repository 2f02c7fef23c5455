"""The streaming child process: runs the SDK's answer streams so that parsing them does not
compete with the UI for the parent's GIL.

Started by `desktop.api.stream_process` as `python -m desktop.api.stream_child` (or as the frozen
app's binary with `--stream-child`). It reads JSON lines on stdin and writes JSON lines on its
own copy of stdout (fd 1 itself is pointed at stderr, so a stray print cannot corrupt the
protocol). The messages are those of `desktop.api.wire`; a cancel for an id not started yet
is remembered. End of stdin (the parent quit or died) ends the child.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys
import threading
import time
from typing import Any, BinaryIO

from desktop.api import wire
from desktop.api.backend import AnthropicBackend
from desktop.core.errors import DeskError
from desktop.core.streaming import coalesce

FLUSH_EVERY = 0.004  # seconds: a batch holds at most this much of the SDK's parsing


class Child:
    """The child's state: one backend, the answers running, the ids cancelled early."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.backend: AnthropicBackend | None = None
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.cancelled: set[int] = set()

    def send(self, message: dict[str, Any]) -> None:
        try:
            self.out.write(wire.encode(message))
            self.out.flush()
        except OSError:  # the parent is gone: nobody is left to stream for
            os._exit(0)

    async def handle(self, message: dict[str, Any]) -> None:
        op = message.get("op")
        if op == "warm":
            await self.warm(message)
        elif op == "stream":
            rid = int(message["id"])
            if rid in self.cancelled:
                self.cancelled.discard(rid)
                return
            alive_every = message.get("alive_every")
            answer = self.stream(rid, message["key"], message["params"], alive_every)
            task = asyncio.ensure_future(answer)
            self.tasks[rid] = task
        elif op == "cancel":
            rid = int(message["id"])
            running = self.tasks.get(rid)
            if running is None:
                self.cancelled.add(rid)
            else:
                running.cancel()

    async def warm(self, message: dict[str, Any]) -> None:
        if self.backend is None:
            self.backend = AnthropicBackend(message["base_url"], float(message["timeout"]))
        self.backend.set_api_key(message["key"])
        await self.backend.sdk_client()  # imports the SDK and builds the client
        gc.collect()
        gc.freeze()  # the SDK's modules are never collected: full collections stay short
        self.send(wire.READY)

    async def stream(
        self, rid: int, key: str, params: dict[str, Any], alive_every: float | None
    ) -> None:
        backend = self.backend
        assert backend is not None, "warm comes first"
        backend.set_api_key(key)
        batch = Batch(self, rid)
        try:
            async for event in backend.stream_message(params, alive_every):
                batch.add(event)
        except asyncio.CancelledError:
            return  # the parent stopped listening
        except DeskError as error:
            batch.flush()
            self.send(wire.error(rid, error))
        except Exception as error:  # reported to the parent, never lost
            batch.flush()
            problem = DeskError(f"Unexpected problem while streaming: {error}")
            self.send(wire.error(rid, problem))
        else:
            batch.flush()
            self.send(wire.end(rid))
        finally:
            batch.close()
            self.tasks.pop(rid, None)

    async def close(self) -> None:
        for task in list(self.tasks.values()):
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        if self.backend is not None:
            await self.backend.aclose()


class Batch:
    """Events of one answer, sent at most every FLUSH_EVERY, and as soon as the loop idles."""

    def __init__(self, child: Child, rid: int) -> None:
        self.child, self.rid = child, rid
        self.events: list[dict[str, Any]] = []
        self.last = time.perf_counter()
        self.timer: asyncio.TimerHandle | None = None

    def add(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        now = time.perf_counter()
        if now - self.last >= FLUSH_EVERY:
            self.flush()
        elif self.timer is None:  # the SDK waits for the network: send what is here by then
            self.timer = asyncio.get_running_loop().call_later(FLUSH_EVERY, self.flush)

    def flush(self) -> None:
        self.close()
        self.last = time.perf_counter()
        if self.events:
            events, self.events = self.events, []
            self.child.send(wire.events(self.rid, coalesce(events)))

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


def _read_stdin(loop: asyncio.AbstractEventLoop, inbox: asyncio.Queue[Any]) -> None:
    """In a thread: stdin lines to the loop; None at end of input (or on a garbled line)."""
    try:
        for line in sys.stdin.buffer:
            loop.call_soon_threadsafe(inbox.put_nowait, wire.decode(line))
    finally:
        loop.call_soon_threadsafe(inbox.put_nowait, None)


async def serve(out: BinaryIO) -> None:
    child = Child(out)
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    threading.Thread(target=_read_stdin, args=(loop, inbox), daemon=True).start()
    try:
        while (message := await inbox.get()) is not None:
            await child.handle(message)
    finally:
        await child.close()


def main() -> int:
    """Serve the parent until its end of the pipe closes."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # prints and library chatter go to stderr, never into the protocol
    sys.stdout = sys.stderr
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        asyncio.run(serve(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
