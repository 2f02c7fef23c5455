"""The fake server's prompt cache: writes on the first request, reads when a prefix repeats."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fake_api.prompt_cache import PromptCache, TooManyBreakpoints
from tests.fake_api.script import ErrorReply, MidStreamError, TextReply
from tests.fake_api.server import FakeAnthropic

MARK = {"type": "ephemeral"}
DOC = {
    "type": "document",
    "source": {"type": "text", "media_type": "text/plain", "data": "x" * 8000},
    "title": "notes.txt",
    "cache_control": {"type": "ephemeral", "ttl": "1h"},
}


def body(*turns: str) -> dict:
    messages = []
    for index, text in enumerate(turns):
        if index:
            messages.append({"role": "assistant", "content": [{"type": "text", "text": "ok"}]})
        content = [{"type": "text", "text": text}]
        if index == 0:
            content.insert(0, dict(DOC))
        messages.append({"role": "user", "content": content})
    messages[-1]["content"][-1]["cache_control"] = MARK
    return {"model": "m", "system": [{"type": "text", "text": "s" * 400}], "messages": messages}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_first_write_then_reads_across_turns() -> None:
    cache = PromptCache()
    first = cache.usage(body("aaaa"), 2102)
    # system 100 + document 2000 (1 h) + 'aaaa' 1 (5 min) written, nothing read
    assert first["cache_read_input_tokens"] == 0
    assert first["cache_creation"] == {
        "ephemeral_5m_input_tokens": 1,
        "ephemeral_1h_input_tokens": 2100,
    }
    assert first["input_tokens"] == 1
    second = cache.usage(body("aaaa", "bbbb"), 2104)
    assert second["cache_read_input_tokens"] == 2101  # found 2 blocks before the new marker
    assert second["cache_creation_input_tokens"] == 2  # 'ok' and 'bbbb'


def test_changed_prefix_misses() -> None:
    cache = PromptCache()
    cache.usage(body("aaaa"), 2102)
    changed = body("aaaa")
    changed["system"][0]["text"] = "t" * 400
    assert cache.usage(changed, 2102)["cache_read_input_tokens"] == 0


def test_entries_expire_and_reads_refresh_them() -> None:
    clock = Clock()
    cache = PromptCache(clock)
    cache.usage(body("aaaa"), 2102)
    clock.now += 299
    assert cache.usage(body("aaaa"), 2102)["cache_read_input_tokens"] == 2101
    clock.now += 299  # 598 s after the write, 299 after the read: still alive
    assert cache.usage(body("aaaa"), 2102)["cache_read_input_tokens"] == 2101
    clock.now += 301  # the 5-minute entry is gone; the 1-hour document entry is not
    assert cache.usage(body("aaaa"), 2102)["cache_read_input_tokens"] == 2100


def test_short_prefixes_are_not_cached() -> None:
    cache = PromptCache()
    cache.min_tokens = 5000
    usage = cache.usage(body("aaaa"), 2102)
    assert usage["cache_creation_input_tokens"] == 0 and usage["input_tokens"] == 2102


def test_more_than_four_breakpoints_is_a_400(fake_api: FakeAnthropic) -> None:
    many = body("aaaa")
    for _ in range(4):
        many["messages"][0]["content"].append({"type": "text", "text": "y", "cache_control": MARK})
    with pytest.raises(TooManyBreakpoints, match="maximum of 4"):
        PromptCache().usage(many, 10)
    api = fake_api
    import http.client
    import json

    host, port = api.base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    headers = {"content-type": "application/json", "x-api-key": "k"}
    conn.request("POST", "/v1/messages", json.dumps({**many, "max_tokens": 5}), headers)
    response = conn.getresponse()
    assert response.status == 400
    assert b"maximum of 4" in response.read()


def call(
    api: FakeAnthropic, method: str, path: str, payload: dict | None = None
) -> tuple[int, bytes]:
    import http.client
    import json

    host, port = api.base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    headers = {"content-type": "application/json", "x-api-key": "k"}
    conn.request(method, path, None if payload is None else json.dumps(payload), headers)
    response = conn.getresponse()
    try:
        return response.status, response.read()
    finally:
        conn.close()


def post(api: FakeAnthropic, path: str, payload: dict) -> tuple[int, dict]:
    import json

    status, raw = call(api, "POST", path, payload)
    return status, json.loads(raw)


@pytest.mark.parametrize(
    "refusal",
    [
        ErrorReply(500, "api_error", "Internal"),
        ErrorReply(429, "rate_limit_error", "Slow"),
        MidStreamError(),
    ],
    ids=["500", "429", "overloaded"],
)
def test_a_scripted_error_neither_reads_nor_writes_the_cache(
    refusal: Any, fake_api: FakeAnthropic
) -> None:
    request = {**body("aaaa"), "max_tokens": 5}
    api = fake_api
    api.enqueue(refusal, TextReply("first answer"), TextReply("second answer"))
    status, _ = post(api, "/v1/messages", request)
    assert status >= 400
    status, first = post(api, "/v1/messages", request)
    assert status == 200
    assert first["usage"]["cache_read_input_tokens"] == 0  # the error wrote nothing
    assert first["usage"]["cache_creation_input_tokens"] > 0
    _, second = post(api, "/v1/messages", request)
    assert second["usage"]["cache_read_input_tokens"] > 0


def test_batch_results_are_the_messages_the_api_would_send(fake_api: FakeAnthropic) -> None:
    """A succeeded batch result is rendered like any non-streaming Message (same fields,
    the cache_creation breakdown), with the batch service tier."""
    params = {**body("aaaa"), "max_tokens": 5}
    api = fake_api
    api.batches.polls_before_end = 0
    _, batch = post(
        api,
        "/v1/messages/batches",
        {
            "requests": [
                {"custom_id": "one", "params": params},
                {"custom_id": "two", "params": params},
            ]
        },
    )
    call(api, "GET", f"/v1/messages/batches/{batch['id']}")
    _, jsonl = call(api, "GET", f"/batch-results/{batch['id']}.jsonl")
    lines = jsonl.decode().splitlines()
    api.enqueue(TextReply("Answer to one."))
    _, single = post(api, "/v1/messages", params)
    import json

    results = {r["custom_id"]: r["result"]["message"] for r in map(json.loads, lines)}
    one, two = results["one"], results["two"]
    assert one.keys() == single.keys()
    assert one["usage"].keys() == single["usage"].keys()
    assert one["content"] == single["content"] == [{"type": "text", "text": "Answer to one."}]
    assert one["usage"]["service_tier"] == "batch" and single["usage"]["service_tier"] == "standard"
    written = one["usage"]["cache_creation"]
    assert written["ephemeral_1h_input_tokens"] > 0  # the document's 1-hour breakpoint
    assert two["usage"]["cache_read_input_tokens"] > 0  # the second request read it
