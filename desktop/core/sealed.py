"""`Sealed`: a value that never shows in a repr or str.

Executors log the work handed to them at DEBUG with its arguments and results (qasync's does).
The API key crosses to worker threads only inside a closure or a `Sealed`, never as an argument
or a bare result, so no DEBUG log can ever hold it.
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class Sealed(Generic[T]):
    """Holds `value`; its repr and str say only that something is sealed."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<sealed>"

    __str__ = __repr__
