"""AnthropicBackend (the real SDK) against the fake server over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from pathlib import Path
from typing import Any, TypeVar

import pytest

from desktop.api.backend import AnthropicBackend
from desktop.api.errors import retry_after_seconds
from desktop.core import errors
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

SSE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "sse"
ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")

PARAMS: dict[str, Any] = {
    "model": "claude-opus-4-8",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Hello"}],
}


def run(
    api: FakeAnthropic,
    body: Callable[[AnthropicBackend], Awaitable[T]],
    *,
    key: str | None = "test-key",
    timeout: float = 600.0,
) -> T:
    """Run `body(backend)` in a fresh event loop; the backend is closed afterwards."""

    async def main() -> T:
        backend = AnthropicBackend(api.base_url, timeout=timeout)
        backend.set_api_key(key)
        try:
            return await body(backend)
        finally:
            await backend.aclose()

    return asyncio.run(main())


async def collect(backend: AnthropicBackend, params: dict[str, Any] = PARAMS) -> list[Any]:
    return [event async for event in backend.stream_message(params)]


def stream_error(api: FakeAnthropic, **kwargs: Any) -> errors.DeskError:
    with pytest.raises(errors.DeskError) as caught:
        run(api, collect, **kwargs)
    return caught.value


def text_of(events: list[dict[str, Any]]) -> str:
    return "".join(
        e["delta"]["text"]
        for e in events
        if e["type"] == "content_block_delta" and e["delta"]["type"] == "text_delta"
    )


def wire_events(path: Path) -> list[dict[str, Any]]:
    """The data of every named event in a recorded stream, as the SDK passes them on."""
    out = []
    for record in path.read_text(encoding="utf-8").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in record.splitlines() if ": " in line)
        if fields.get("event") not in (None, "ping", "error") and fields.get("data"):
            out.append(json.loads(fields["data"]))
    return out


# -- streaming --------------------------------------------------------------------------------


def test_streams_text_as_plain_dicts(api: FakeAnthropic) -> None:
    api.enqueue(TextReply("Hello, 世界! ✓", delta_size=3))
    events = run(api, collect)
    assert [e["type"] for e in events[:2]] == ["message_start", "content_block_start"]
    assert [e["type"] for e in events[-3:]] == [
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert events[2] == {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": "Hel"},
    }
    assert text_of(events) == "Hello, 世界! ✓"
    assert events[0]["message"]["usage"]["input_tokens"] >= 1
    assert events[-2]["delta"]["stop_reason"] == "end_turn"
    assert all(type(e) is dict for e in events)
    body = api.message_requests()[0]
    assert body["stream"] is True
    assert body["model"] == "claude-opus-4-8"
    assert api.requests[0].headers["authorization"] == "Bearer test-key"


def test_thinking_deltas_are_converted(api: FakeAnthropic) -> None:
    api.enqueue(TextReply("Done", thinking="Considering the options."))
    events = run(api, collect)
    thinking = [e for e in events if e.get("delta", {}).get("type") == "thinking_delta"]
    assert "".join(e["delta"]["thinking"] for e in thinking) == "Considering the options."
    assert thinking[0] == {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "thinking_delta", "thinking": thinking[0]["delta"]["thinking"]},
    }
    signatures = [e for e in events if e.get("delta", {}).get("type") == "signature_delta"]
    assert signatures[0]["delta"]["signature"]


@pytest.mark.parametrize("path", sorted(SSE_DIR.glob("*.sse")), ids=lambda p: p.stem)
def test_recorded_streams_pass_through_unchanged(api: FakeAnthropic, path: Path) -> None:
    api.enqueue(SseFile(path))
    events = run(api, collect)
    assert events == wire_events(path)


def test_many_deltas(api: FakeAnthropic) -> None:
    deltas = [f"d{i} " for i in range(5000)]
    api.enqueue(TextReply.many_deltas(deltas))
    assert text_of(run(api, collect)) == "".join(deltas)


def test_closing_the_stream_releases_the_connection(api: FakeAnthropic) -> None:
    """The reply would take 10 minutes: the connection closing at all proves the close cut it
    (how quickly, against the SDK's own: tests/bench/test_stop.py)."""
    api.enqueue(TextReply("x" * 60_000, delta_size=1, delay=0.01))

    async def first_events(backend: AnthropicBackend) -> None:
        stream = backend.stream_message(PARAMS)
        async for event in stream:
            if event["type"] == "content_block_delta":
                break
        await stream.aclose()  # type: ignore[attr-defined]

    run(api, first_events)
    wait_until(lambda: api.open_connections == 0)


def test_cancelling_the_consumer_releases_the_connection(api: FakeAnthropic) -> None:
    api.enqueue(Stall("before", seconds=30))

    async def cancel(backend: AnthropicBackend) -> None:
        task = asyncio.ensure_future(collect(backend))
        while not api.message_requests():  # the request is in and the server stalls
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(api, cancel)
    wait_until(lambda: api.open_connections == 0)


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "kind", "words"),
    [
        (ErrorReply(401, "authentication_error", "invalid x-api-key"), errors.AuthFailed, "key"),
        (ErrorReply(403, "permission_error", "No access"), errors.PermissionDenied, "No access"),
        (
            ErrorReply(404, "not_found_error", "model: claude-opus-4-8"),
            errors.ModelNotFound,
            "claude-opus-4-8",
        ),
        (
            ErrorReply(400, "invalid_request_error", "max_tokens: too big"),
            errors.InvalidRequest,
            "max_tokens: too big",
        ),
        (ErrorReply(413, "request_too_large", "Too large"), errors.InvalidRequest, "too large"),
        (ErrorReply(500, "api_error", "Internal"), errors.ServerError, "500"),
        (ErrorReply(503, "api_error", "Unavailable"), errors.ServerError, "503"),
        (ErrorReply(529, "overloaded_error", "Overloaded"), errors.Overloaded, "overloaded"),
        (MidStreamError("Some text"), errors.Overloaded, "overloaded"),
        (MidStreamError("Text", "api_error", "Internal oops"), errors.ServerError, "Internal oops"),
        (DropConnection("Half"), errors.Offline, "connection"),
        (DropConnection("Half", reset=True), errors.Offline, "connection"),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else None,
)
def test_faults_become_core_errors(
    api: FakeAnthropic, reply: Any, kind: type[errors.DeskError], words: str
) -> None:
    api.enqueue(reply)
    error = stream_error(api)
    assert type(error) is kind
    assert words.lower() in error.message.lower()
    if not isinstance(reply, DropConnection):
        assert (error.request_id or "").startswith("req_fake_")
    assert len(api.message_requests()) == 1  # max_retries=0: no silent retry


def test_a_404_names_the_model_only_when_a_model_was_asked_for(api: FakeAnthropic) -> None:
    api.enqueue(ErrorReply(404, "not_found_error", "model: claude-opus-4-8"))
    missing_model = stream_error(api)
    assert isinstance(missing_model, errors.ModelNotFound)
    assert "“claude-opus-4-8” model is not available" in missing_model.message

    async def list_at_a_wrong_address(backend: AnthropicBackend) -> errors.DeskError:
        wrong = AnthropicBackend(api.base_url + "/not-the-api")
        wrong.set_api_key("test-key")
        try:
            with pytest.raises(errors.DeskError) as caught:
                await wrong.list_models()
        finally:
            await wrong.aclose()
        return caught.value

    error = run(api, list_at_a_wrong_address)
    assert type(error) is errors.NotFound
    assert error.message == (
        "The Claude API could not find it: Not found: GET /not-the-api/v1/models"
    )
    assert (error.request_id or "").startswith("req_fake_")


def test_rate_limit_carries_retry_after(api: FakeAnthropic) -> None:
    api.enqueue(ErrorReply(429, "rate_limit_error", "Too many requests", retry_after="30"))
    error = stream_error(api)
    assert isinstance(error, errors.RateLimited)
    assert error.retry_after == 30
    assert "30 s" in error.message


def test_overloaded_carries_retry_after(api: FakeAnthropic) -> None:
    api.enqueue(ErrorReply(529, "overloaded_error", "Overloaded", retry_after_ms="1500"))
    error = stream_error(api)
    assert isinstance(error, errors.Overloaded)
    assert error.retry_after == 1.5


def test_stall_beyond_the_timeout_is_timed_out(api: FakeAnthropic) -> None:
    """An hour's stall: once it ended the answer would complete, so TimedOut can only come
    from the 0.3 s read timeout."""
    api.enqueue(Stall("before", seconds=3600))
    error = stream_error(api, timeout=0.3)
    assert isinstance(error, errors.TimedOut)


def test_server_not_listening_is_offline(api: FakeAnthropic) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    async def body(backend: AnthropicBackend) -> None:
        closed = AnthropicBackend(f"http://127.0.0.1:{port}")
        closed.set_api_key("k")
        try:
            await collect(closed)
        finally:
            await closed.aclose()

    with pytest.raises(errors.Offline):
        run(api, body)


def test_missing_key(api: FakeAnthropic) -> None:
    assert isinstance(stream_error(api, key=None), errors.MissingApiKey)
    assert api.requests == []

    async def list_models(backend: AnthropicBackend) -> Any:
        return await backend.list_models()

    with pytest.raises(errors.MissingApiKey):
        run(api, list_models, key=None)


def test_retry_after_formats() -> None:
    assert retry_after_seconds({"retry-after": "30"}) == 30
    assert retry_after_seconds({"retry-after": "2.5"}) == 2.5
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    date = formatdate(1_000_060, usegmt=True)
    assert retry_after_seconds({"retry-after": date}, now=1_000_000) == 60
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


# -- keys, models, environment ----------------------------------------------------------------


def test_set_api_key_switches_the_key(api: FakeAnthropic) -> None:
    async def two_keys(backend: AnthropicBackend) -> None:
        await collect(backend)
        backend.set_api_key("second-key")
        await collect(backend)

    run(api, two_keys, key="first-key")
    keys = [r.headers["authorization"] for r in api.requests]
    assert keys == ["Bearer first-key", "Bearer second-key"]


def test_list_models_follows_pages(api: FakeAnthropic) -> None:
    api.models = [
        {
            "id": f"claude-test-{i}",
            "type": "model",
            "display_name": f"Test {i}",
            "created_at": "2026-01-01T00:00:00Z",
            "max_input_tokens": 1000 + i,
            "max_tokens": 100 + i,
        }
        for i in range(45)
    ]
    models = run(api, lambda backend: backend.list_models())
    assert [m.id for m in models] == [f"claude-test-{i}" for i in range(45)]
    assert models[3].display_name == "Test 3"
    assert (models[3].context_window, models[3].max_output) == (1003, 103)
    assert len(api.requests) == 3


def test_list_models_default_list(api: FakeAnthropic) -> None:
    models = run(api, lambda backend: backend.list_models())
    ids = [m.id for m in models]
    assert "claude-opus-4-8" in ids
    assert "claude-experimental-9" in ids


def test_verify_key(start_fake_api: Callable[..., FakeAnthropic]) -> None:
    api = start_fake_api(accepted_keys={"good"})

    async def verify(backend: AnthropicBackend) -> None:
        await backend.verify_key("good")
        with pytest.raises(errors.AuthFailed):
            await backend.verify_key("bad")
        with pytest.raises(errors.MissingApiKey):
            await backend.verify_key("")

    run(api, verify, key=None)
    assert [r.headers["authorization"] for r in api.requests] == ["Bearer good", "Bearer bad"]


def test_base_url_from_environment(api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)

    async def body(_: AnthropicBackend) -> list[Any]:
        backend = AnthropicBackend()
        backend.set_api_key("k")
        try:
            return await collect(backend)
        finally:
            await backend.aclose()

    assert text_of(run(api, body)).startswith("You said: Hello")


def test_importing_the_backend_does_not_import_the_sdk() -> None:
    code = (
        "import sys, desktop.api.backend, desktop.api.errors\n"
        "loaded = [m for m in ('anthropic', 'httpx2') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=30)


def test_a_mid_stream_error_leaves_no_open_stream_to_the_garbage_collector(
    api: FakeAnthropic, aloop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the app's qasync loop (which installs no async generator hooks) a failed answer's HTTP
    body iterators must be closed by the backend, in the loop; left to the garbage collector
    they are closed outside it and httpcore2 fails there (sniffio.AsyncLibraryNotFoundError)."""
    ignored: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    api.enqueue(MidStreamError("Some text"))

    async def fail() -> errors.DeskError:
        backend = AnthropicBackend(api.base_url, timeout=5.0)
        backend.set_api_key("test-key")
        try:
            with pytest.raises(errors.DeskError) as caught:
                await collect(backend)
            return caught.value
        finally:
            await backend.aclose()

    error = aloop.run_until_complete(fail())  # kept after the loop stopped, as the UI keeps it
    assert isinstance(error, errors.Overloaded)
    del error
    gc.collect()
    assert [str(u.exc_value) for u in ignored] == []
