"""A real store that counts the calls made to it (and the thread each came from)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    thread: str

    @property
    def on_main_thread(self) -> bool:
        return self.thread == threading.main_thread().name


class CountingStore:
    """Wraps a store (conversations or batches): every method call is recorded in `calls`."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.calls: list[Call] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            thread = threading.current_thread().name
            self.calls.append(Call(name, args, kwargs, thread))
            return attr(*args, **kwargs)

        return counted

    def named(self, name: str) -> list[Call]:
        return [c for c in self.calls if c.name == name]

    def full_history_reads(self) -> list[Call]:
        """Reads of a whole conversation (not a page of it)."""
        return [c for c in self.calls if c.name == "read_messages" or _whole_load(c)]


def _whole_load(call: Call) -> bool:
    if call.name != "load_messages":
        return False
    limit = call.args[1] if len(call.args) > 1 else call.kwargs.get("limit")
    return limit is None
