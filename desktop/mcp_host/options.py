"""How the host runs servers (timeouts, restarts); light to import (no SDK)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RunnerOptions:
    start_timeout_s: float = 30.0  # spawn, MCP handshake and the first tools/list
    max_restarts: int = 3  # automatic starts after failures within `restart_window_s`
    restart_window_s: float = 60.0
    stop_grace_s: float = 1.0  # after stdin closes, before SIGTERM
    stderr_lines: int = 20
