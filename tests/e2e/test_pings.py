"""Bytes the SDK hides: the API's `ping` events during a silence reach the stall watch.

The SDK drops `event: ping` frames. The HTTP client (`desktop.api.http_client`) times every
chunk of a streamed body, and the streamers turn bytes without events into `{"type": "ping"}`
events (`desktop.api.relay`), in this process and through the streaming child alike. All of it
against the fake server over real HTTP.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
import pytest

from desktop.api.backend import AnthropicBackend
from desktop.api.http_client import TimedBody, TimedHttpClient, timed_http_client
from desktop.api.relay import ON_BYTES
from tests.fake_api import FakeAnthropic, Stall, TextReply

KEY = "sk-ant-api03-pings-SECRET-7c1f0a"
PARAMS: dict[str, Any] = {
    "model": "claude-opus-4-8",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Hello"}],
}
PINGING = Stall("Before the pings", seconds=0.6, text_after=" and after.", ping_every=0.05)
SILENT = Stall("Before the silence", seconds=0.6, text_after=" and after.")


@pytest.fixture
def api(fake_api: Any) -> FakeAnthropic:
    assert isinstance(fake_api, FakeAnthropic)
    return fake_api


# -- the HTTP client ---------------------------------------------------------------------------


async def sdk_stream_with_log(api: FakeAnthropic) -> list[tuple[str, str]]:
    """One streamed answer through the SDK on a timed client: ("bytes", "") for every chunk
    the client read, ("event", type or text) for every event the SDK gave, in order."""
    log: list[tuple[str, str]] = []
    timeouts = httpx2.Timeout(10.0)
    client = anthropic.AsyncAnthropic(
        api_key=KEY, base_url=api.base_url, max_retries=0, http_client=timed_http_client(timeouts)
    )
    token = ON_BYTES.set(lambda: log.append(("bytes", "")))
    try:
        stream = await client.messages.create(**PARAMS, stream=True)
    finally:
        ON_BYTES.reset(token)
    async for event in stream:
        text = event.delta.text if event.type == "content_block_delta" else event.type
        log.append(("event", text))
    await client.close()
    return log


def test_the_timed_client_sees_the_pings_the_sdk_drops(api: FakeAnthropic) -> None:
    api.enqueue(PINGING)
    log = asyncio.run(sdk_stream_with_log(api))
    events = [text for kind, text in log if kind == "event"]
    assert "ping" not in events  # the SDK drops them: the reason for all this
    assert "".join(t for t in events if "_" not in t) == "Before the pings and after."
    before = max(i for i, entry in enumerate(log) if entry == ("event", "s"))  # "…pings"
    after = next(i for i, entry in enumerate(log) if entry == ("event", " and "))
    chunks_in_silence = [entry for entry in log[before:after] if entry[0] == "bytes"]
    assert len(chunks_in_silence) >= 3, log  # 12 ping frames were written, 0.05 s apart


def test_bodies_are_timed_only_when_asked_for(api: FakeAnthropic) -> None:
    """Without `ON_BYTES` (counts, model lists) the body is the client's own."""

    async def main() -> bool:
        async with TimedHttpClient(timeout=httpx2.Timeout(5.0)) as http:
            request = http.build_request("GET", f"{api.base_url}/v1/models")
            response = await http.send(request, stream=True)
            timed = isinstance(response.stream, TimedBody)
            await response.aclose()
            return timed

    assert asyncio.run(main()) is False


def test_the_backend_client_keeps_the_sdk_defaults(api: FakeAnthropic) -> None:
    backend = AnthropicBackend(api.base_url, timeout=42.0)
    client = backend._make_client(KEY, 42.0)
    http = client._client  # the SDK's HTTP client, as the SDK holds it
    assert isinstance(http, TimedHttpClient)
    assert isinstance(http, anthropic.DefaultAsyncHttpxClient)  # its limits, keep-alive, proxies
    assert http.follow_redirects is True
    assert http.timeout.read == 42.0 and http.timeout.connect == 10.0
    assert client.timeout == http.timeout
    asyncio.run(client.close())
    asyncio.run(backend.aclose())


# -- the streamers: pings as events ------------------------------------------------------------


async def stream_types(backend: AnthropicBackend) -> list[str]:
    """The answer's events as their types, text deltas as their text."""
    out = []
    async for event in backend.stream_message(PARAMS, alive_every=0.05):
        is_text = event["type"] == "content_block_delta"
        out.append(event["delta"]["text"] if is_text else event["type"])
    return out


def text_of(types: list[str]) -> str:
    return "".join(t for t in types if is_text(t))


def is_text(item: str) -> bool:
    return "_" not in item and item != "ping"


def pings_in_silence(types: list[str], text_before: str) -> int:
    """Pings between the last text before the silence and the first text after it (the
    child joins text deltas, so texts are told apart by where `text_before` ends)."""
    seen, start = "", 0
    while seen != text_before:
        seen += types[start] if is_text(types[start]) else ""
        start += 1
    end = next(i for i in range(start, len(types)) if is_text(types[i]))
    return types[start:end].count("ping")


class InProcess:
    """A backend streaming in this process, on a loop of its own."""

    def __init__(self, api: FakeAnthropic) -> None:
        self.loop = asyncio.new_event_loop()
        self.backend = AnthropicBackend(api.base_url, timeout=10.0)
        self.backend.set_api_key(KEY)

    def stream_types(self) -> list[str]:
        return self.loop.run_until_complete(stream_types(self.backend))

    def close(self) -> None:
        self.loop.run_until_complete(self.backend.aclose())
        self.loop.close()


@pytest.fixture
def in_process(api: FakeAnthropic) -> Iterator[InProcess]:
    rig = InProcess(api)
    yield rig
    rig.close()


def test_pings_become_events_while_the_sdk_has_none(
    api: FakeAnthropic, in_process: InProcess
) -> None:
    api.enqueue(PINGING)
    types = in_process.stream_types()
    assert text_of(types) == "Before the pings and after."
    assert pings_in_silence(types, PINGING.text_before) >= 2, types


def test_a_silence_without_bytes_has_no_pings(api: FakeAnthropic, in_process: InProcess) -> None:
    api.enqueue(SILENT)
    types = in_process.stream_types()
    assert "ping" not in types, types


def test_a_fast_stream_has_no_pings(api: FakeAnthropic, in_process: InProcess) -> None:
    api.enqueue(TextReply("word " * 400, delta_size=3))
    types = in_process.stream_types()
    assert types[0] == "message_start" and types[-1] == "message_stop"
    assert "ping" not in types  # every chunk made events


@pytest.mark.skipif(os.name != "posix", reason="the child process is POSIX only")
def test_the_child_sends_its_pings_too(api: FakeAnthropic) -> None:
    async def main() -> list[str]:
        backend = AnthropicBackend(api.base_url, timeout=10.0, stream_process=True)
        backend.set_api_key(KEY)
        process = backend.stream_process
        assert process is not None
        try:
            for _ in range(6000):
                if process.ready:
                    break
                await asyncio.sleep(0.01)
            assert process.ready
            out = await stream_types(backend)
            assert process.served == 1
            return out
        finally:
            await backend.aclose()

    api.enqueue(PINGING)
    types = asyncio.run(main())
    assert text_of(types) == "Before the pings and after."
    assert pings_in_silence(types, PINGING.text_before) >= 2, types
