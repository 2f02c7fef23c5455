"""Waiting on conditions, not for fixed times: for tests outside any event loop."""

from __future__ import annotations

import time
from collections.abc import Callable

POLL_S = 0.01


def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Poll `condition` until it is true; fail after `timeout` seconds (a generous cap for a
    loaded machine, never the measure of a test)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(POLL_S)
