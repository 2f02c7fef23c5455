"""Helpers for the MCP host's tests: the fixture servers' configs and process checks."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from desktop.core.local_tools import McpServerConfig

UNRULY = str(Path(__file__).parent / "fixtures" / "mcp" / "unruly.py")
T = TypeVar("T")


def unruly(name: str = "unruly", *flags: str) -> McpServerConfig:
    """The misbehaving fixture server (tests/fixtures/mcp/unruly.py)."""
    return McpServerConfig(name, command=sys.executable, args=[UNRULY, *flags])


def time_server(name: str = "time") -> McpServerConfig:
    return McpServerConfig(name, command=sys.executable, args=["-m", "mcp_server_time"])


def git_server(repository: Path, name: str = "git") -> McpServerConfig:
    args = ["-m", "mcp_server_git", "--repository", str(repository)]
    return McpServerConfig(name, command=sys.executable, args=args)


def git_repository(repo: Path) -> Path:
    """A git repository at `repo` with one commit (README), its author set."""
    import subprocess

    git = ["git", "-c", "user.name=Test", "-c", "user.email=t@example.com", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README").write_text("hello\n")
    subprocess.run([*git, "add", "README"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], check=True)
    subprocess.run([*git, "config", "user.name", "Test"], check=True)
    subprocess.run([*git, "config", "user.email", "t@example.com"], check=True)
    return repo


def group_alive(pgid: int) -> bool:
    """Whether any process of the group `pgid` still runs (zombies count as gone)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            return True
    return False


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not): os.kill(pid, 0) and its /proc state."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def gone_soon(pid: int, timeout: float = 10.0) -> bool:
    """True once neither `pid` nor anything in its process group runs (a generous wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid) and not group_alive(pid):
            return True
        time.sleep(0.02)
    return False


class LoopRunner:
    """One asyncio loop for a module's tests (the host's callbacks come back to it)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __call__(self, make: Callable[[], Coroutine[Any, Any, T]] | Coroutine[Any, Any, T]) -> T:
        coro = make() if callable(make) else make
        return self.loop.run_until_complete(asyncio.wait_for(coro, 60))

    def close(self) -> None:
        self.loop.close()
