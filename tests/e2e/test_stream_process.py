"""Answers streamed by the child process (desktop.api.stream_process) against the fake server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.api.backend import AnthropicBackend
from desktop.api.stream_process import CHILD_DIED, StreamProcess
from desktop.core import errors
from desktop.core.streaming import StreamState, apply
from tests.fake_api import (
    DropConnection,
    ErrorReply,
    FakeAnthropic,
    MidStreamError,
    SseFile,
    Stall,
    TextReply,
)
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the child process is POSIX only")

SSE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "sse"
KEY = "sk-ant-api03-child-SECRET-4d2b8e"
PARAMS: dict[str, Any] = {
    "model": "claude-opus-4-8",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Hello"}],
}
READY_TIMEOUT = 60.0
CAP_S = 30.0  # a generous cap on a condition wait, far below the stalls it must cut short


class Rig:
    """One event loop, the fake server and a backend streaming through its child."""

    def __init__(self, api: FakeAnthropic, timeout: float = 10.0) -> None:
        self.api = api
        self.loop = asyncio.new_event_loop()
        self.backend = AnthropicBackend(api.base_url, timeout=timeout, stream_process=True)
        self.backend.set_api_key(KEY)
        self.wait_ready()

    @property
    def process(self) -> StreamProcess:
        process = self.backend.stream_process
        assert process is not None
        return process

    def wait_ready(self) -> None:
        self.until(lambda: self.process.ready, READY_TIMEOUT)

    def until(self, condition: Callable[[], object], timeout: float = 10.0) -> None:
        async def wait() -> None:
            deadline = time.perf_counter() + timeout
            while not condition():
                assert time.perf_counter() < deadline, "condition not met in time"
                await asyncio.sleep(0.01)

        self.loop.run_until_complete(wait())

    def collect(self, params: dict[str, Any] = PARAMS) -> list[dict[str, Any]]:
        return self.collect_from(self.backend, params)

    def collect_from(
        self, backend: AnthropicBackend, params: dict[str, Any] = PARAMS
    ) -> list[dict[str, Any]]:
        async def run() -> list[dict[str, Any]]:
            return [event async for event in backend.stream_message(params)]

        return self.loop.run_until_complete(run())

    def error(self) -> errors.DeskError:
        with pytest.raises(errors.DeskError) as caught:
            self.collect()
        return caught.value

    def close(self) -> None:
        self.loop.run_until_complete(self.backend.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def rig(server: FakeAnthropic) -> Iterator[Rig]:
    """One child for the module's tests that do not kill it."""
    shared = Rig(server)
    try:
        yield shared
    finally:
        shared.close()


def fold(events: list[dict[str, Any]]) -> StreamState:
    state = StreamState()
    for event in events:
        state = apply(event, state)
    return state


def in_process(api: FakeAnthropic, reply: Any) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        backend = AnthropicBackend(api.base_url, timeout=10.0)
        backend.set_api_key(KEY)
        try:
            return [event async for event in backend.stream_message(PARAMS)]
        finally:
            await backend.aclose()

    api.enqueue(reply)
    return asyncio.run(run())


def same_answer(child: list[dict[str, Any]], local: list[dict[str, Any]]) -> None:
    a, b = fold(child), fold(local)
    assert a.content() == b.content()
    assert (a.stop_reason, a.stop_details, a.usage, a.model) == (
        b.stop_reason,
        b.stop_details,
        b.usage,
        b.model,
    )
    assert a.finished == b.finished


# -- the same answers -------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SSE_DIR.glob("*.sse")), ids=lambda p: p.stem)
def test_recorded_streams_fold_to_the_same_message(rig: Rig, path: Path) -> None:
    served = rig.process.served
    rig.api.enqueue(SseFile(path))
    child = rig.collect()
    assert rig.process.served == served + 1  # it went through the child
    same_answer(child, in_process(rig.api, SseFile(path)))


def test_many_deltas_arrive_joined_with_thinking_and_text(rig: Rig) -> None:
    reply = TextReply("word " * 4000, thinking="hmm " * 500, delta_size=3)
    rig.api.enqueue(reply)
    child = rig.collect()
    local = in_process(rig.api, reply)
    same_answer(child, local)
    assert fold(child).text == "word " * 4000
    assert len(child) < len(local) / 4  # batches: deltas of one block joined


def test_api_errors_keep_their_kind_and_fields(rig: Rig) -> None:
    rig.api.enqueue(ErrorReply(429, "rate_limit_error", "slow down", retry_after="17"))
    limited = rig.error()
    assert isinstance(limited, errors.RateLimited)
    assert limited.retry_after == 17
    assert limited.request_id and "slow down" in limited.message

    rig.api.enqueue(ErrorReply(401, "authentication_error", "invalid x-api-key"))
    assert isinstance(rig.error(), errors.AuthFailed)

    rig.api.enqueue(ErrorReply(404, "not_found_error", "model: nope"))
    missing = rig.error()
    assert isinstance(missing, errors.ModelNotFound)
    assert "claude-opus-4-8" in missing.message

    rig.api.enqueue(ErrorReply(529, "overloaded_error", "Overloaded", retry_after="2"))
    overloaded = rig.error()
    assert isinstance(overloaded, errors.Overloaded)
    assert overloaded.retry_after == 2


def test_mid_stream_error_and_dropped_connection(rig: Rig) -> None:
    rig.api.enqueue(MidStreamError("Partial", "overloaded_error"))
    assert isinstance(rig.error(), errors.Overloaded)
    rig.api.enqueue(DropConnection("Partial"))
    assert isinstance(rig.error(), errors.Offline)
    rig.api.enqueue(TextReply("Fine again"))
    assert fold(rig.collect()).text == "Fine again"


def test_stall_beyond_the_timeout_is_timed_out(server: FakeAnthropic) -> None:
    """An hour's stall: once it ended the answer would complete, so TimedOut can only come
    from the child's 0.3 s read timeout."""
    rig = Rig(server, timeout=0.3)
    try:
        server.enqueue(Stall("before", seconds=3600))
        assert isinstance(rig.error(), errors.TimedOut)
    finally:
        rig.close()


def test_cancel_stops_at_once_and_the_child_closes_the_request(rig: Rig) -> None:
    """The server stalls for an hour: the cancelled reader ending at all proves it did not wait
    for the stall (how quickly, against the SDK's own cancel: tests/bench/test_stop.py)."""
    rig.api.enqueue(Stall("before", seconds=3600))
    seen: list[dict[str, Any]] = []

    async def rest(stream: Any) -> None:
        async for event in stream:
            seen.append(event)

    def stalled() -> bool:  # the text before the stall arrived; the reader waits for more
        return "".join(e.get("delta", {}).get("text", "") for e in seen) == "before"

    async def cancel() -> None:
        stream = rig.backend.stream_message(PARAMS)
        seen.append(await stream.__anext__())  # type: ignore[attr-defined]
        task = asyncio.ensure_future(rest(stream))
        while not stalled():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, CAP_S)
        await stream.aclose()  # type: ignore[attr-defined]

    rig.loop.run_until_complete(cancel())
    rig.until(lambda: rig.api.open_connections == 0)  # the child closed its connection
    rig.api.enqueue(TextReply("Next answer"))
    assert fold(rig.collect()).text == "Next answer"


# -- the process ------------------------------------------------------------------------------


def test_key_is_in_neither_arguments_nor_environment(
    server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    rig = Rig(server)
    try:
        pid = rig.process.pid
        assert pid is not None
        for name in ("cmdline", "environ"):
            data = Path(f"/proc/{pid}/{name}").read_bytes()
            assert data and KEY.encode() not in data, name
        rig.api.enqueue(TextReply("Keyed"))
        assert fold(rig.collect()).text == "Keyed"
        assert rig.api.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    finally:
        rig.close()


def test_a_crashed_child_fails_the_answer_then_is_replaced(server: FakeAnthropic) -> None:
    rig = Rig(server)
    try:
        first = rig.process.pid
        assert first is not None
        server.enqueue(Stall("before", seconds=30))

        async def crash() -> errors.DeskError:
            stream = rig.backend.stream_message(PARAMS)
            await stream.__anext__()  # type: ignore[attr-defined]
            os.kill(first, signal.SIGKILL)
            with pytest.raises(errors.DeskError) as caught:
                async for _event in stream:
                    pass
            return caught.value

        error = rig.loop.run_until_complete(crash())
        assert error.message == CHILD_DIED and error.retryable
        server.enqueue(TextReply("Answered in-process meanwhile"))
        served = rig.process.served
        assert fold(rig.collect()).text == "Answered in-process meanwhile"
        assert rig.process.served == served  # not ready yet: streamed in this process
        rig.wait_ready()
        assert rig.process.pid not in (None, first)
        server.enqueue(TextReply("Through the new child"))
        assert fold(rig.collect()).text == "Through the new child"
        assert rig.process.served == served + 1
        assert _exited(first)
    finally:
        rig.close()


def test_aclose_ends_the_child(server: FakeAnthropic) -> None:
    rig = Rig(server)
    pid = rig.process.pid
    assert pid is not None
    rig.close()
    assert _exited(pid)


def test_removing_the_key_ends_the_child(rig: Rig) -> None:
    backend = AnthropicBackend(rig.api.base_url, timeout=5.0, stream_process=True)
    backend.set_api_key(KEY)
    process = backend.stream_process
    assert process is not None
    rig.until(lambda: process.ready, READY_TIMEOUT)
    pid = process.pid
    assert pid is not None
    backend.set_api_key(None)
    assert not process.ready
    rig.until(lambda: _exited(pid))
    rig.loop.run_until_complete(backend.aclose())


PARENT = """
import asyncio, sys, time
from desktop.api.backend import AnthropicBackend

async def main():
    backend = AnthropicBackend("http://127.0.0.1:9", stream_process=True)
    backend.set_api_key("k")
    while not backend.stream_process.ready:
        await asyncio.sleep(0.01)
    print(backend.stream_process.pid, flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def test_the_child_exits_when_the_parent_dies() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        parent.kill()
        parent.wait()
        wait_until(lambda: _exited(child))  # else the child outlived its parent
    finally:
        parent.kill()


def _exited(pid: int) -> bool:
    """The process is gone or a zombie (reaped by its parent, or by init for an orphan)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


def test_an_answer_sent_before_the_child_is_ready_streams_in_process(rig: Rig) -> None:
    backend = AnthropicBackend(rig.api.base_url, timeout=5.0, stream_process=True)
    backend.set_api_key(KEY)
    process = backend.stream_process
    assert process is not None
    assert not process.ready  # importing the SDK takes the child about a second
    rig.api.enqueue(TextReply("No waiting"))

    async def answer() -> list[dict[str, Any]]:
        return [event async for event in backend.stream_message(PARAMS)]

    assert fold(rig.loop.run_until_complete(answer())).text == "No waiting"
    assert process.served == 0  # streamed here, without waiting for the child
    rig.loop.run_until_complete(backend.aclose())


def test_the_app_binary_runs_the_child_with_its_hidden_flag(server: FakeAnthropic) -> None:
    """What the frozen app does: its own binary (here `python -m desktop`) with --stream-child."""
    child = subprocess.Popen(
        [sys.executable, "-m", "desktop", "--stream-child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    warm = {"op": "warm", "key": KEY, "base_url": server.base_url, "timeout": 5.0}
    child.stdin.write(json.dumps(warm).encode() + b"\n")
    child.stdin.flush()
    assert json.loads(child.stdout.readline()) == {"op": "ready"}
    server.enqueue(TextReply("From the binary"))
    request = {"op": "stream", "id": 1, "key": KEY, "params": PARAMS}
    child.stdin.write(json.dumps(request).encode() + b"\n")
    child.stdin.flush()
    events: list[dict[str, Any]] = []
    while (reply := json.loads(child.stdout.readline())).get("end") is None:
        assert reply["id"] == 1 and "error" not in reply
        events += reply["events"]
    assert fold(events).text == "From the binary"
    child.stdin.close()
    assert child.wait(10) == 0


def test_quitting_while_the_child_starts_does_not_wait_for_it(rig: Rig) -> None:
    backend = AnthropicBackend(rig.api.base_url, timeout=5.0, stream_process=True)
    backend.set_api_key(KEY)
    process = backend.stream_process
    assert process is not None
    rig.until(lambda: process.pid is not None)
    child = process._child
    assert child is not None and child.proc is not None
    assert not process.ready  # still importing the SDK
    rig.loop.run_until_complete(backend.aclose())
    # Killed, not stopped politely: a child asked to stop would first finish its import (about
    # a second) and then exit with 0.
    assert child.proc.returncode == -signal.SIGKILL
    assert _exited(child.proc.pid)


def test_a_child_that_cannot_start_leaves_answers_in_process(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    import desktop.api.stream_process as stream_process

    monkeypatch.setattr(stream_process, "child_command", lambda: [sys.executable, "-c", "pass"])
    backend = AnthropicBackend(rig.api.base_url, timeout=5.0, stream_process=True)
    backend.set_api_key(KEY)
    process = backend.stream_process
    assert process is not None
    pids = set()
    for attempt in range(stream_process.MAX_FAILED_STARTS + 1):
        # This child has failed, or there is none any more (given up). Not `pid is None`: a
        # child whose thread has not run Popen yet has no pid either (seen under load).
        rig.until(lambda: process.failed_to_start or process._child is None)
        pids.add(process.pid)
        rig.api.enqueue(TextReply(f"In-process {attempt}"))
        assert fold(rig.collect_from(backend)).text == f"In-process {attempt}"
    assert process.served == 0
    assert process.pid is None  # gave up after MAX_FAILED_STARTS children
    assert len(pids - {None}) == stream_process.MAX_FAILED_STARTS
    rig.loop.run_until_complete(backend.aclose())
