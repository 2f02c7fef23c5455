"""The UI thread first: a shorter GIL switch interval while Python-heavy work runs in workers.

A worker thread running pure Python holds the GIL until the interpreter's switch interval
(5 ms by default) runs out; each time the UI thread wants it back it can wait that long, and a
frame that needs the GIL several times adds those waits up. While such work runs, the interval
is lowered to 1 ms, then restored when the last job ends.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

UI_SWITCH_INTERVAL_S = 0.001

T = TypeVar("T")

_lock = threading.Lock()
_busy = 0
_saved_interval = 0.005


@contextlib.contextmanager
def ui_first() -> Iterator[None]:
    """Within this block (entered in any thread) the UI thread waits at most 1 ms for the GIL."""
    global _busy, _saved_interval
    with _lock:
        if _busy == 0:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_saved_interval, UI_SWITCH_INTERVAL_S))
        _busy += 1
    try:
        yield
    finally:
        with _lock:
            _busy -= 1
            if _busy == 0:
                sys.setswitchinterval(_saved_interval)


def run_ui_first(func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` inside `ui_first()`: pass it to `asyncio.to_thread` for heavy Python work."""
    with ui_first():
        return func(*args)
