"""The pipe between the app and its streaming child: one JSON object per line.

Both sides import this module (and nothing of each other):

    app -> child   {"op": "warm", "key", "base_url", "timeout"}   import the SDK, build the client
                   {"op": "stream", "id", "key", "params", "alive_every"}
                                                                    start an answer
                   {"op": "cancel", "id"}                           stop it
    child -> app   {"op": "ready"}                                  after "warm"
                   {"id", "events": [...]}                          a batch, text deltas joined
                   {"id", "error": {...}}  /  {"id", "end": true}   how the answer ended

A batch may hold `{"type": "ping"}`: bytes came but no event for `alive_every` seconds (the SDK
drops the API's own pings; see `desktop.api.relay`).

The API key only ever travels in these messages (on the child's stdin), never in the child's
arguments or environment. Light on purpose: `desktop.launch` imports it before the window.
"""

from __future__ import annotations

import json
from typing import Any

from desktop.core import errors as core

CHILD_FLAG = "--stream-child"
"""The frozen app's binary runs the child when this is its first argument."""
CHILD_MODULE = "desktop.api.stream_child"
"""What `python -m` runs as the child outside a frozen app."""

Message = dict[str, Any]


def encode(message: Message) -> bytes:
    """One line of the protocol, newline included."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> Message:
    """A line read from the pipe; ValueError if it is not a JSON object."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("not a protocol message")
    return message


def warm(key: str, base_url: str | None, timeout: float) -> Message:
    return {"op": "warm", "key": key, "base_url": base_url, "timeout": timeout}


def stream(rid: int, key: str, params: dict[str, Any], alive_every: float) -> Message:
    return {"op": "stream", "id": rid, "key": key, "params": params, "alive_every": alive_every}


def cancel(rid: int) -> Message:
    return {"op": "cancel", "id": rid}


READY: Message = {"op": "ready"}


def is_ready(line: bytes) -> bool:
    try:
        return decode(line).get("op") == "ready"
    except ValueError:
        return False


def events(rid: int, batch: list[dict[str, Any]]) -> Message:
    return {"id": rid, "events": batch}


def end(rid: int) -> Message:
    return {"id": rid, "end": True}


def error(rid: int, problem: core.DeskError) -> Message:
    return {"id": rid, "error": error_payload(problem)}


def error_payload(problem: core.DeskError) -> dict[str, Any]:
    """A core error as JSON, for the pipe."""
    return {
        "kind": type(problem).__name__,
        "message": problem.message,
        "request_id": problem.request_id,
        "retry_after": getattr(problem, "retry_after", None),
    }


def error_from_payload(payload: dict[str, Any]) -> core.DeskError:
    """The core error `error_payload` described (a plain DeskError for an unknown kind)."""
    kind = getattr(core, str(payload.get("kind")), None)
    if not (isinstance(kind, type) and issubclass(kind, core.DeskError)):
        kind = core.DeskError
    message, request_id = str(payload.get("message")), payload.get("request_id")
    if kind in (core.RateLimited, core.Overloaded):
        retry_after = payload.get("retry_after")
        return kind(message, retry_after=retry_after, request_id=request_id)  # type: ignore[call-arg]
    return kind(message, request_id=request_id)
