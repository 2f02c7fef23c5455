"""The fake Anthropic server itself: wire format, request log, scripted faults, models."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.fake_api import (
    DropConnection,
    ErrorReply,
    FakeAnthropic,
    MidStreamError,
    SseFile,
    Stall,
    TextReply,
)
from tests.fake_api.models import EXTRA_MODEL_ID
from tests.fake_api.sse import CHUNK_SIZES
from tests.waiting import wait_until

SSE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "sse"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    chunks: list[bytes]  # chunk payloads (one item for a Content-Length body)
    complete: bool  # terminating chunk seen (or full Content-Length body)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def json(self) -> Any:
        return json.loads(self.body)

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for record in self.body.decode().split("\n\n"):
            lines = dict(line.split(": ", 1) for line in record.splitlines() if ": " in line)
            if "event" in lines:
                out.append((lines["event"], json.loads(lines["data"])))
        return out

    def text(self) -> str:
        return "".join(
            data["delta"]["text"]
            for name, data in self.events()
            if name == "content_block_delta" and data["delta"]["type"] == "text_delta"
        )


def _parse_chunked(data: bytes) -> tuple[list[bytes], bool]:
    chunks: list[bytes] = []
    offset = 0
    while True:
        end = data.find(b"\r\n", offset)
        if end < 0:
            return chunks, False
        size = int(data[offset:end], 16)
        if size == 0:
            return chunks, True
        start = end + 2
        if len(data) < start + size + 2:
            return chunks, False
        chunks.append(data[start : start + size])
        offset = start + size + 2


def request(
    api: FakeAnthropic,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    key: str | None = "test-key",
    headers: dict[str, str] | None = None,
) -> RawResponse:
    """One request over a raw socket, so the chunk framing is visible."""
    url = urlsplit(api.base_url)
    payload = json.dumps(body).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {url.netloc}", "Connection: close"]
    lines.append(f"Content-Length: {len(payload)}")
    if body is not None:
        lines.append("Content-Type: application/json")
    if key:
        lines.append(f"x-api-key: {key}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        data = b""
        while piece := sock.recv(65536):
            data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    response_headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        response_headers[name.strip().lower()] = value.strip()
    if response_headers.get("transfer-encoding") == "chunked":
        chunks, complete = _parse_chunked(rest)
    else:
        length = int(response_headers.get("content-length", len(rest)))
        chunks, complete = [rest], len(rest) == length
    return RawResponse(int(status_line.split()[1]), response_headers, chunks, complete)


def ask(api: FakeAnthropic, text: str = "hi", stream: bool = True, **extra: Any) -> RawResponse:
    body = {
        "model": "claude-opus-4-8",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": text}],
        "stream": stream,
        **extra,
    }
    return request(api, "POST", "/v1/messages", body)


def test_stream_is_chunked_in_odd_sizes_that_split_utf8(api: FakeAnthropic) -> None:
    text = "Grüße aus 東京 🎉 " * 30
    api.enqueue(TextReply(text, delta_size=4))
    response = ask(api)
    assert response.status == 200
    assert response.complete
    assert response.headers["content-type"].startswith("text/event-stream")
    sizes = {len(chunk) for chunk in response.chunks[:-1]}
    assert sizes <= set(CHUNK_SIZES)
    assert len(sizes) > 3
    undecodable = 0
    for chunk in response.chunks:
        try:
            chunk.decode()
        except UnicodeDecodeError:
            undecodable += 1
    assert undecodable > 0  # some chunk ends inside a multi-byte character
    assert response.text() == text


def test_text_reply_event_sequence_and_usage(api: FakeAnthropic) -> None:
    api.enqueue(TextReply("Hello there", usage={"cache_read_input_tokens": 7}, model="m-x"))
    events = ask(api).events()
    names = [name for name, _ in events]
    assert names == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    start = events[0][1]["message"]
    assert start["model"] == "m-x"
    assert start["usage"]["cache_read_input_tokens"] == 7
    final = events[-2][1]
    assert final["delta"]["stop_reason"] == "end_turn"
    assert final["usage"]["output_tokens"] == 3
    assert final["usage"]["cache_read_input_tokens"] == 7


def test_many_deltas_are_sent_exactly(api: FakeAnthropic) -> None:
    """(How fast, against a pre-rendered body: tests/bench/test_core_speed.py.)"""
    deltas = [f"w{i} " for i in range(20_000)]
    api.enqueue(TextReply.many_deltas(deltas))
    response = ask(api)
    texts = [d["delta"]["text"] for n, d in response.events() if n == "content_block_delta"]
    assert texts == deltas


def test_thinking_and_signature(api: FakeAnthropic) -> None:
    api.enqueue(TextReply("Answer", thinking="Let me think about this carefully."))
    events = ask(api).events()
    assert events[1][1]["content_block"]["type"] == "thinking"
    kinds = [d["delta"]["type"] for n, d in events if n == "content_block_delta"]
    assert "thinking_delta" in kinds
    assert "signature_delta" in kinds
    assert events[-4][1]["index"] == 1  # the text block follows the thinking block


def test_requests_are_recorded(api: FakeAnthropic) -> None:
    ask(api, "first", system="be brief")
    request(api, "GET", "/v1/models?limit=2")
    request(api, "POST", "/v1/messages/count_tokens", {"model": "m", "messages": []})
    ask(api, "second")
    assert [(r.method, r.path) for r in api.requests] == [
        ("POST", "/v1/messages"),
        ("GET", "/v1/models"),
        ("POST", "/v1/messages/count_tokens"),
        ("POST", "/v1/messages"),
    ]
    assert api.requests[1].query == {"limit": "2"}
    assert api.requests[0].headers["x-api-key"] == "test-key"
    bodies = api.message_requests()
    assert [b["messages"][0]["content"] for b in bodies] == ["first", "second"]
    assert bodies[0]["system"] == "be brief"


def test_keys_are_checked(start_fake_api: Callable[..., FakeAnthropic]) -> None:
    api = start_fake_api(accepted_keys={"good"})
    bad = request(api, "GET", "/v1/models", key="bad")
    assert bad.status == 401
    assert bad.json()["error"]["type"] == "authentication_error"
    assert bad.json()["request_id"] == bad.headers["request-id"]
    assert request(api, "GET", "/v1/models", key=None).status == 401
    bearer = request(api, "GET", "/v1/models", key=None, headers={"Authorization": "Bearer good"})
    assert bearer.status == 200


def test_default_reply_echoes_markdown(api: FakeAnthropic) -> None:
    text = ask(api, "hello fake").text()
    assert text.startswith("You said: hello fake")
    assert "\n## " in text
    assert "\n- " in text
    assert "```python\n" in text


def test_default_reply_thinks_when_asked_for_summaries(api: FakeAnthropic) -> None:
    thinking = {"type": "adaptive", "display": "summarized"}
    events = ask(api, "hi", thinking=thinking).events()
    assert events[1][1]["content_block"]["type"] == "thinking"
    summary = "".join(
        d["delta"]["thinking"]
        for n, d in events
        if n == "content_block_delta" and d["delta"]["type"] == "thinking_delta"
    )
    assert summary
    plain = ask(api, "hi").events()
    assert plain[1][1]["content_block"]["type"] == "text"


def test_non_streaming_request_gets_a_message(api: FakeAnthropic) -> None:
    api.enqueue(TextReply("Plain answer", stop_reason="max_tokens"))
    message = ask(api, stream=False).json()
    assert message["type"] == "message"
    assert message["content"] == [{"type": "text", "text": "Plain answer"}]
    assert message["stop_reason"] == "max_tokens"
    assert message["usage"]["output_tokens"] == 3


def test_error_reply(api: FakeAnthropic) -> None:
    api.enqueue(
        ErrorReply(429, "rate_limit_error", "Slow down", retry_after="30", should_retry=False)
    )
    response = ask(api)
    assert response.status == 429
    assert response.headers["retry-after"] == "30"
    assert response.headers["x-should-retry"] == "false"
    body = response.json()
    assert body["type"] == "error"
    assert body["error"] == {"type": "rate_limit_error", "message": "Slow down", "details": None}
    assert body["request_id"].startswith("req_")


def test_mid_stream_error(api: FakeAnthropic) -> None:
    api.enqueue(MidStreamError("Some text"))
    response = ask(api)
    assert response.status == 200
    assert response.complete
    assert response.text() == "Some text"
    name, data = response.events()[-1]
    assert name == "error"
    assert data["error"]["type"] == "overloaded_error"


@pytest.mark.parametrize("reset", [False, True])
def test_drop_connection_leaves_the_body_incomplete(api: FakeAnthropic, reset: bool) -> None:
    api.enqueue(DropConnection("Half an ans", reset=reset))
    try:
        response = ask(api)
    except ConnectionResetError:
        assert reset  # an abortive close may reset the reader too
        return
    assert not response.complete
    assert "message_stop" not in response.body.decode(errors="replace")


def test_stall_pauses_then_finishes(api: FakeAnthropic) -> None:
    api.enqueue(Stall("before", seconds=0.3, text_after=" after"))
    started = time.perf_counter()
    response = ask(api)
    # A lower bound, not a limit: the pause is the behaviour, and load can only lengthen it.
    assert time.perf_counter() - started >= 0.3
    assert response.complete
    assert response.text() == "before after"


def test_stop_interrupts_a_stall() -> None:
    """A stall far longer than the test's timeout: `stop()` returning at all, and the client
    seeing its connection end, prove the stall was cut short (no clock needed)."""
    api = FakeAnthropic().start()
    api.enqueue(Stall("before", seconds=3600))
    done = threading.Event()
    received: list[RawResponse] = []

    def client() -> None:
        with contextlib.suppress(OSError):
            received.append(ask(api))
        done.set()

    threading.Thread(target=client, daemon=True).start()
    wait_until(api.message_requests)
    api.stop()
    assert done.wait(30)
    assert not received or not received[0].complete


def test_sse_file_is_replayed_verbatim(api: FakeAnthropic) -> None:
    path = SSE_DIR / "sdk_thinking_signature_refusal_cache_usage.sse"
    api.enqueue(SseFile(path))
    response = ask(api)
    assert response.body == path.read_bytes()


@pytest.mark.parametrize(
    ("command", "status", "check"),
    [
        ("/fault 401", 401, "authentication_error"),
        ("/fault 403", 403, "permission_error"),
        ("/fault 429 30", 429, "rate_limit_error"),
        ("/fault 500", 500, "api_error"),
        ("/fault 529", 529, "overloaded_error"),
        ("/fault midstream", 200, "event: error"),
        ("/fault refusal", 200, '"stop_reason":"refusal"'),
        ("/fault max_tokens", 200, '"stop_reason":"max_tokens"'),
        ("/fault long", 200, "|---|"),
        ("/fault stall 0.1", 200, "message_stop"),
        ("/fault nonsense", 200, "Faults:"),
    ],
)
def test_fault_commands(api: FakeAnthropic, command: str, status: int, check: str) -> None:
    response = ask(api, command)
    assert response.status == status
    assert check in response.body.decode() or check in response.text()
    if command == "/fault 429 30":
        assert response.headers["retry-after"] == "30"


def test_fault_drop_command(api: FakeAnthropic) -> None:
    assert not ask(api, "/fault drop").complete


def test_models_are_paginated(api: FakeAnthropic) -> None:
    first = request(api, "GET", "/v1/models?limit=4").json()
    assert len(first["data"]) == 4
    assert first["has_more"]
    assert first["first_id"] == first["data"][0]["id"]
    ids = [m["id"] for m in first["data"]]
    after = first["last_id"]
    while True:
        page = request(api, "GET", f"/v1/models?limit=4&after_id={after}").json()
        ids += [m["id"] for m in page["data"]]
        if not page["has_more"]:
            break
        after = page["last_id"]
    assert ids == [m["id"] for m in api.models]
    assert "claude-opus-4-8" in ids
    assert ids[-1] == EXTRA_MODEL_ID
    info = request(api, "GET", "/v1/models/claude-opus-4-8").json()
    assert info["type"] == "model"
    assert info["max_input_tokens"] == 1_000_000
    assert request(api, "GET", "/v1/models/nope").status == 404


def test_count_tokens_is_deterministic(api: FakeAnthropic) -> None:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "x"}}
    text_only = {"model": "m", "messages": [{"role": "user", "content": "a" * 400}]}
    with_image = {
        "model": "m",
        "messages": [{"role": "user", "content": [image, {"type": "text", "text": "a" * 400}]}],
    }
    count = request(api, "POST", "/v1/messages/count_tokens", text_only).json()
    assert count == {"input_tokens": 100}
    count = request(api, "POST", "/v1/messages/count_tokens", with_image).json()
    assert count == {"input_tokens": 100 + 1568}


def test_count_tokens_delay(api: FakeAnthropic) -> None:
    api.count_tokens_delay = 0.2
    started = time.perf_counter()
    request(api, "POST", "/v1/messages/count_tokens", {"model": "m", "messages": []})
    # A lower bound, not a limit: the delay is the behaviour, and load can only lengthen it.
    assert time.perf_counter() - started >= 0.2


def test_unknown_path_is_404(api: FakeAnthropic) -> None:
    response = request(api, "GET", "/v1/nothing")
    assert response.status == 404
    assert response.json()["error"]["type"] == "not_found_error"


def test_runs_as_a_module() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_api", "--port", "0", "--delay", "0", "--quiet"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        url = urlsplit(base_url)
        with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
            sock.sendall(
                b"GET /v1/models HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nConnection: close\r\n\r\n"
            )
            assert sock.recv(100).startswith(b"HTTP/1.1 200")
    finally:
        process.terminate()
        process.wait(5)
