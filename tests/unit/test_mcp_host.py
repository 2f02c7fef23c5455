"""McpHost against real MCP servers: mcp-server-time, mcp-server-git over a temporary repository,
and tests/fixtures/mcp/unruly.py (crashes, hangs, garbage on stdout, 5 MB results, early exit).

The servers are real child processes; no timing is asserted (waits are generous caps).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.local_tools import LocalTool, ServerState, ServerStatus, ToolLimits
from desktop.mcp_host import McpHost
from tests.mcp_processes import (
    LoopRunner,
    alive,
    git_repository,
    git_server,
    gone_soon,
    time_server,
    unruly,
)

LIMITS = ToolLimits(call_timeout_s=30, max_result_chars=100_000)


@pytest.fixture(scope="module")
def run() -> Iterator[LoopRunner]:
    runner = LoopRunner()
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return git_repository(tmp_path_factory.mktemp("repo"))


@pytest.fixture(scope="module")
def shared(run: LoopRunner, repository: Path) -> Iterator[tuple[McpHost, list[ServerStatus]]]:
    """One host with time, git and unruly, shared by the tests that leave it working."""
    host = McpHost()
    seen: list[ServerStatus] = []
    threads: set[str] = set()

    def on_status(status: ServerStatus) -> None:
        seen.append(status)
        threads.add(threading.current_thread().name)

    async def subscribe() -> None:  # on the test loop: callbacks come back to it
        host.subscribe(on_status)

    run(subscribe)
    host.configure([time_server(), git_server(repository), unruly()])
    yield host, seen
    run(host.aclose())
    assert threads <= {threading.main_thread().name}


def by_name(tools: list[LocalTool]) -> dict[str, LocalTool]:
    return {f"{t.server}/{t.name}": t for t in tools}


def text_of(outcome: object) -> str:
    return "".join(b.get("text", "") for b in outcome.content)  # type: ignore[attr-defined]


def states(seen: list[ServerStatus], name: str) -> list[ServerState]:
    return [s.state for s in seen if s.name == name]


def test_servers_start_lazily_in_parallel_and_list_their_tools(
    shared: tuple[McpHost, list[ServerStatus]], run: LoopRunner
) -> None:
    host, seen = shared
    assert [s.state for s in host.statuses()] == [ServerState.STOPPED] * 3
    assert host.pid("time") is None  # nothing started by configure()

    tools = by_name(run(host.tools()))

    assert tools["time/get_current_time"].read_only
    assert tools["git/git_status"].read_only
    assert not tools["git/git_add"].read_only  # writes: the UI must ask first
    assert not tools["git/git_commit"].read_only
    assert not tools["unruly/crash"].read_only
    assert tools["unruly/echo"].title == "Echo"
    assert tools["git/git_add"].input_schema["properties"]["files"]["type"] == "array"
    assert [s.state for s in host.statuses()] == [ServerState.READY] * 3
    run(asyncio.sleep(0.05))  # let the callbacks queued on this loop run
    for name in ("time", "git", "unruly"):
        assert states(seen, name)[-2:] == [ServerState.STARTING, ServerState.READY]
    pids = {host.pid(name) for name in ("time", "git", "unruly")}
    run(host.tools())  # shared: asking again starts nothing new
    assert {host.pid(name) for name in ("time", "git", "unruly")} == pids


def test_real_servers_answer_calls(
    shared: tuple[McpHost, list[ServerStatus]], run: LoopRunner, repository: Path
) -> None:
    host, _ = shared
    outcome = run(host.call("time", "get_current_time", {"timezone": "UTC"}, LIMITS))
    assert not outcome.is_error
    assert json.loads(text_of(outcome))["timezone"] == "UTC"

    (repository / "notes.txt").write_text("a note\n")
    repo = str(repository)
    added = run(host.call("git", "git_add", {"repo_path": repo, "files": ["notes.txt"]}, LIMITS))
    committed = run(host.call("git", "git_commit", {"repo_path": repo, "message": "Notes"}, LIMITS))
    assert not added.is_error, text_of(added)
    assert not committed.is_error, text_of(committed)
    log = subprocess.run(
        ["git", "-C", repo, "log", "--format=%s"], capture_output=True, text=True, check=True
    )
    assert log.stdout.splitlines()[0] == "Notes"

    bad = run(host.call("time", "get_current_time", {"timezone": "Nowhere/Nothing"}, LIMITS))
    assert bad.is_error  # the server's isError comes through
    unknown = run(host.call("nobody", "x", {}, LIMITS))
    assert unknown.is_error
    assert "not set up" in text_of(unknown)


def test_results_become_api_blocks_and_big_ones_are_cut(
    shared: tuple[McpHost, list[ServerStatus]], run: LoopRunner
) -> None:
    host, _ = shared
    picture = run(host.call("unruly", "picture", {}, LIMITS))
    image, resource = picture.content
    assert image["type"] == "image"
    assert image["source"]["media_type"] == "image/png"
    assert resource == {"type": "text", "text": "Resource file:///notes.txt:\na note"}

    failed = run(host.call("unruly", "fail", {}, LIMITS))
    assert failed.is_error
    assert "flux capacitor" in text_of(failed)

    size = 5_000_000
    big = run(host.call("unruly", "big", {"size": size}, ToolLimits(max_result_chars=10_000)))
    assert big.truncated
    assert not big.is_error
    text = text_of(big)
    assert text.startswith("x" * 10_000)
    assert text.endswith(f"[Result truncated: 10,000 of {size:,} characters shown]")
    assert len(text) < 10_100
    whole = run(host.call("unruly", "big", {"size": size}, ToolLimits(max_result_chars=size)))
    assert not whole.truncated
    assert len(text_of(whole)) == size


def test_a_hanging_call_times_out_and_a_cancelled_one_kills_the_server(
    shared: tuple[McpHost, list[ServerStatus]], run: LoopRunner
) -> None:
    host, _ = shared
    run(host.tools())
    slow = run(host.call("unruly", "hang", {}, ToolLimits(call_timeout_s=0.3)))
    assert slow.is_error
    assert text_of(slow) == "`hang` of unruly did not answer within 0.3 s."
    pid = host.pid("unruly")
    assert pid is not None
    assert alive(pid)  # a timeout leaves the server running

    async def cancel_a_call() -> None:
        task = asyncio.ensure_future(host.call("unruly", "hang", {}, LIMITS))
        await asyncio.sleep(0.3)  # the call is on its way (the outcome does not depend on it)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(cancel_a_call)
    assert not alive(pid)  # killed before the cancelled call returned
    assert gone_soon(pid)  # nothing of its process group either
    assert host.statuses()[2].state is ServerState.STOPPED
    echo = run(host.call("unruly", "echo", {"text": "back"}, LIMITS))  # starts again on use
    assert text_of(echo) == "back"
    assert host.pid("unruly") not in (None, pid)


def test_a_crashed_server_fails_with_its_stderr_and_restarts_on_next_use(
    shared: tuple[McpHost, list[ServerStatus]], run: LoopRunner
) -> None:
    host, _ = shared
    run(host.tools())
    pid = host.pid("unruly")
    crashed = run(host.call("unruly", "crash", {}, LIMITS))
    assert crashed.is_error
    assert text_of(crashed) == "unruly stopped while running `crash` (exit code 3)."
    run(asyncio.sleep(0.05))
    status = host.statuses()[2]
    assert status.state is ServerState.FAILED
    assert "stopped unexpectedly (exit code 3)" in status.error
    assert status.stderr_tail.endswith("unruly: about to crash")
    assert pid is not None
    assert gone_soon(pid)

    tools = by_name(run(host.tools()))
    assert "unruly/echo" in tools
    assert host.statuses()[2].state is ServerState.READY
    assert host.pid("unruly") != pid


def test_restarts_are_capped_until_started_by_hand(run: LoopRunner) -> None:
    host = McpHost(max_restarts=1)
    host.configure([unruly("crashy")])
    try:
        for _ in range(2):  # the first start and one restart
            assert run(host.tools())
            run(host.call("crashy", "crash", {}, LIMITS))
        assert run(host.tools()) == []  # two failures within a minute: no third start
        status = host.statuses()[0]
        assert status.state is ServerState.FAILED
        assert "not started again by itself" in status.error
        assert host.pid("crashy") is None
        again = run(host.start("crashy"))  # a person's "Start again"
        assert again.state is ServerState.READY
    finally:
        run(host.aclose())


def test_start_failures_say_what_to_do(run: LoopRunner) -> None:
    host = McpHost()
    missing = unruly("missing")
    missing.command = "no-such-mcp-server-here"
    host.configure([missing, unruly("early", "--exit-at-start"), unruly("noisy", "--garbage")])
    try:
        tools = run(host.tools())
        assert {t.server for t in tools} == {"noisy"}  # the failed ones are left out
        gone, early, noisy = host.statuses()
        assert gone.state is ServerState.FAILED
        assert gone.error.startswith("Could not start `no-such-mcp-server-here`: command not found")
        assert early.state is ServerState.FAILED
        assert early.error.startswith("early stopped while starting (exit code 2).")
        assert early.stderr_tail.splitlines() == [
            "unruly: missing configuration file ~/.unruly.toml",
            "unruly: giving up",
        ]
        assert noisy.state is ServerState.READY  # garbage lines are ignored, and said
        assert "not an MCP message" in noisy.warning
        assert "Welcome to unruly" in noisy.warning
        echo = run(host.call("noisy", "echo", {"text": "still fine"}, LIMITS))
        assert text_of(echo) == "still fine"
    finally:
        run(host.aclose())


def test_configure_stops_removed_and_disabled_servers_and_aclose_stops_all(
    run: LoopRunner,
) -> None:
    host = McpHost()
    first, second, third = unruly("first"), unruly("second"), unruly("third")
    host.configure([first, second, third])
    run(host.tools())
    pids = {name: host.pid(name) for name in ("first", "second", "third")}
    assert all(pids.values())

    second.enabled = False
    allowed = unruly("third")
    allowed.always_allowed = ["crash"]  # only a permission changed: keeps running
    host.configure([second, allowed])
    assert [(s.name, s.state) for s in host.statuses()] == [
        ("second", ServerState.DISABLED),
        ("third", ServerState.READY),
    ]
    assert gone_soon(pids["first"] or 0)
    assert gone_soon(pids["second"] or 0)
    assert alive(pids["third"] or 0)
    assert {t.server for t in run(host.tools())} == {"third"}

    run(host.aclose())
    assert not alive(pids["third"] or 0)
    assert gone_soon(pids["third"] or 0)
    assert host.statuses()[1].state is ServerState.STOPPED


def test_streamable_http_server_gets_the_headers(run: LoopRunner, free_port: int) -> None:
    server = subprocess.Popen(unruly_http_command(free_port), stderr=subprocess.DEVNULL)
    host = McpHost()
    try:
        wait_for_port(free_port)
        http = unruly("web")
        http.transport = http.transport.HTTP
        http.command, http.args = "", []
        http.url = f"http://127.0.0.1:{free_port}/mcp"
        http.headers = {"X-Token": "sk-secret-token-123"}
        host.configure([http])
        assert "web/header" in by_name(run(host.tools()))
        token = run(host.call("web", "header", {"name": "X-Token"}, LIMITS))
        assert text_of(token) == "sk-secret-token-123"
    finally:
        run(host.aclose())
        server.terminate()
        server.wait(10)


@pytest.fixture
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unruly_http_command(port: int) -> list[str]:
    config = unruly("web", f"--http={port}")
    return [config.command, *config.args]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


APP = """
import asyncio, sys
from desktop.mcp_host import McpHost
from tests.mcp_processes import unruly

async def main():
    host = McpHost()
    host.configure([unruly()])
    await host.tools()
    print(host.pid("unruly"), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_servers_die_with_a_killed_app() -> None:
    root = Path(__file__).parents[2]
    app = subprocess.Popen([sys.executable, "-c", APP], cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout is not None
        pid = int(app.stdout.readline())
        assert alive(pid)
    finally:
        app.kill()  # SIGKILL: no aclose, no atexit
        app.wait(10)
        app.stdout.close()  # type: ignore[union-attr]
    assert gone_soon(pid)
