"""The streaming reducer against recorded wire streams and hand-made edge cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop.core.conversation import Usage
from desktop.core.streaming import (
    BlockState,
    StreamState,
    apply,
    coalesce,
    discard_refused_text,
    is_refusal,
)

Event = dict[str, Any]


SSE_DIR: Path | None = Path(__file__).parents[1] / "fixtures" / "sse"
SSE_FILES = sorted(SSE_DIR.glob("*.sse")) if SSE_DIR else []
needs_fixtures = pytest.mark.skipif(SSE_DIR is None, reason="recorded .sse streams not found")


def parse_sse(text: str) -> list[tuple[str, Event]]:
    """A minimal text/event-stream parser: `event:`/`data:` lines, blank line ends an event."""
    events: list[tuple[str, Event]] = []
    name, data = "", list[str]()
    for line in [*text.splitlines(), ""]:
        if not line:
            if data:
                payload = json.loads("\n".join(data))
                events.append((name or payload.get("type", ""), payload))
            name, data = "", list[str]()
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
    return events


def load(name: str) -> list[Event]:
    assert SSE_DIR is not None
    events = parse_sse((SSE_DIR / name).read_text(encoding="utf-8"))
    for event_name, payload in events:
        assert payload["type"] == event_name
    return [payload for _, payload in events]


def run(events: list[Event], state: StreamState | None = None) -> StreamState:
    state = state or StreamState()
    for event in events:
        assert apply(event, state) is state
    return state


def replay(name: str) -> StreamState:
    return run(load(name))


def usage(**counts: int) -> Usage:
    return Usage(**counts)


# --- every recorded stream: invariants that hold for any well-formed file ---------------


def _deltas(events: list[Event], index: int, kind: str, key: str) -> list[Any]:
    return [
        e["delta"][key]
        for e in events
        if e["type"] == "content_block_delta" and e["index"] == index and e["delta"]["type"] == kind
    ]


def _check_block(events: list[Event], index: int, start: Event, block: BlockState) -> None:
    assert block.type == start["type"]
    stopped = any(e["type"] == "content_block_stop" and e["index"] == index for e in events)
    assert block.stopped is stopped
    if block.type == "text":
        expected = start.get("text", "") + "".join(_deltas(events, index, "text_delta", "text"))
        assert block.text == expected
        citations = _deltas(events, index, "citations_delta", "citation")
        assert block.citations == (start.get("citations") or []) + citations
    elif block.type == "thinking":
        thinking = "".join(_deltas(events, index, "thinking_delta", "thinking"))
        assert block.thinking == start.get("thinking", "") + thinking
        signatures = _deltas(events, index, "signature_delta", "signature")
        assert block.signature == (signatures[-1] if signatures else start.get("signature", ""))
    elif "input" in start:
        raw = "".join(_deltas(events, index, "input_json_delta", "partial_json"))
        assert block.partial_json == raw
        if stopped:
            assert block.input == (json.loads(raw) if raw else start["input"])
        else:
            assert block.input is None
    else:
        assert block.to_block() == start


@needs_fixtures
@pytest.mark.parametrize("path", SSE_FILES, ids=[p.name for p in SSE_FILES])
def test_every_recorded_stream_folds_consistently(path: Path) -> None:
    events = load(path.name)
    state = run(events)

    assert state.started
    assert state.finished is any(e["type"] == "message_stop" for e in events)
    starts = [e for e in events if e["type"] == "content_block_start"]
    assert len(state.blocks) == len(starts)
    for event in starts:
        block = state.block_at(event["index"])
        assert block is not None
        _check_block(events, event["index"], event["content_block"], block)

    deltas = [e for e in events if e["type"] == "message_delta"]
    assert state.stop_reason == deltas[-1]["delta"]["stop_reason"]
    assert state.usage.output_tokens == deltas[-1]["usage"]["output_tokens"]
    assert is_refusal(state) is (state.stop_reason == "refusal")

    content = state.content()
    assert [b["type"] for b in content] == [e["content_block"]["type"] for e in starts]
    assert json.loads(json.dumps(content)) == content
    assert state.text == "".join(b["text"] for b in content if b["type"] == "text")


# --- each recorded stream, asserted precisely --------------------------------------------


@needs_fixtures
def test_basic_text_with_ping() -> None:
    state = replay("sdk_basic_text.sse")
    assert state.message_id == "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK"
    assert state.model == "claude-3-opus-latest"
    assert state.text == "Hello there!"
    assert state.blocks[0].text_parts == ["Hello", " there", "!"]
    assert state.content() == [{"type": "text", "text": "Hello there!"}]
    assert (state.stop_reason, state.stop_sequence, state.stop_details) == ("end_turn", None, None)
    assert state.usage == usage(input_tokens=11, output_tokens=6)
    assert state.finished
    assert discard_refused_text(state) == state.content()


@needs_fixtures
def test_tool_use_input_parsed_at_block_stop() -> None:
    state = replay("sdk_tool_use_input_json.sse")
    assert state.content() == [
        {"type": "text", "text": "I'll check the current weather in Paris for you."},
        {
            "type": "tool_use",
            "id": "toolu_01NRLabsLyVHZPKxbKvkfSMn",
            "name": "get_weather",
            "caller": {"type": "direct"},
            "input": {"location": "Paris"},
        },
    ]
    assert state.blocks[1].input == {"location": "Paris"}
    assert state.stop_reason == "tool_use"
    assert state.usage == usage(input_tokens=377, output_tokens=65)


@needs_fixtures
def test_tool_use_cut_by_max_tokens_keeps_partial_json() -> None:
    state = replay("sdk_tool_use_truncated_max_tokens.sse")
    assert state.text == (
        "I'll create a comprehensive tax guide for someone with multiple W2s and save it in "
        "a file called taxes.txt. Let me do that for you now."
    )
    tool = state.blocks[1]
    assert tool.type == "tool_use"
    assert tool.stopped is False
    assert tool.input is None
    assert tool.partial_json.startswith('{"filename": "taxes.txt", "lines_of_text": [\n')
    assert tool.partial_json.endswith('\n"Filing taxes')
    with pytest.raises(ValueError):
        json.loads(tool.partial_json)
    assert state.content()[1] == {
        "type": "tool_use",
        "id": "toolu_01EKqbqmZrGRXy18eN7m9kvY",
        "name": "make_file",
        "input": {},
    }
    assert state.stop_reason == "max_tokens"
    assert state.finished
    assert state.usage == usage(input_tokens=450, output_tokens=124)


@needs_fixtures
def test_refusal_with_stop_details() -> None:
    state = replay("sdk_refusal_stop_details.sse")
    assert is_refusal(state)
    assert state.stop_details == {
        "type": "refusal",
        "category": "cyber",
        "explanation": "This request was refused due to policy.",
    }
    assert state.text == ""
    assert state.content() == [{"type": "text", "text": ""}]
    assert discard_refused_text(state) == []
    assert state.usage == usage(input_tokens=20, output_tokens=0)


THINKING = (
    "Simple educational question about what a solar eclipse is. This is benign general "
    'knowledge — definitions are fine. Also the user called me "claudius" — I\'m Claude. '
    "Minor correction or just roll with it politely."
)
SIGNATURE = "c3ludGhldGljLXNpZ25hdHVyZS1maXh0dXJlLWEtbm90LWEtcmVhbC1zaWduYXR1cmU="


@needs_fixtures
def test_thinking_signature_refusal_and_thinking_tokens() -> None:
    state = replay("sdk_thinking_signature_refusal_cache_usage.sse")
    assert state.model == "claude-fable-5"
    assert state.thinking_text == THINKING
    assert len(state.blocks[0].thinking_parts) == 4  # the empty delta is harmless
    thinking_block = {"type": "thinking", "thinking": THINKING, "signature": SIGNATURE}
    assert state.content() == [thinking_block, {"type": "text", "text": "Hi"}]
    assert is_refusal(state)
    assert state.stop_details == {
        "type": "refusal",
        "category": None,
        "explanation": None,
        "fallback_credit_token": "tok_synthetic_fixture_a",
        "fallback_has_prefill_claim": True,
    }
    assert discard_refused_text(state) == [thinking_block]
    assert state.text == "Hi"  # still there for display
    assert state.usage == usage(input_tokens=28, output_tokens=106, thinking_tokens=67)


@needs_fixtures
def test_long_text_cumulative_usage() -> None:
    state = replay("sdk_long_text_cache_usage.sse")
    assert state.message_id == "msg_fixture_b_0001"
    assert state.model == "claude-opus-4-8"
    assert len(state.text) == 1312
    assert state.text.startswith(" there! Happy to explain.\n\n**Solar eclipses** happen")
    assert state.text.endswith("Just let me know what's sparking your interest!")
    assert len(state.blocks[0].text_parts) == 15
    assert state.usage == usage(input_tokens=31, output_tokens=547)


@needs_fixtures
def test_cache_usage_from_start_then_overwritten_by_message_delta() -> None:
    events = load("sdk_message_delta_cache_usage.sse")
    state = run(events[:1])
    assert state.usage == usage(
        input_tokens=25,
        output_tokens=1,
        cache_creation_input_tokens=10,
        cache_read_input_tokens=5,
        cache_write_5m_tokens=10,
    )
    run(events[1:], state)
    assert state.usage == usage(
        input_tokens=40,
        output_tokens=8,
        cache_creation_input_tokens=12,
        cache_read_input_tokens=7,
        cache_write_5m_tokens=10,  # the TTL breakdown comes only from message_start
        thinking_tokens=3,
        web_search_requests=1,  # usage.server_tool_use
    )
    assert state.container == {"id": "container_01AbCdEfGh", "expires_at": "2025-01-01T00:00:00Z"}
    assert state.text == "Hello there!"


@needs_fixtures
def test_message_start_without_usage() -> None:
    events = load("sdk_usage_only_in_message_delta.sse")
    assert "usage" not in events[0]["message"]
    state = run(events[:1])
    assert state.started
    assert state.usage == Usage()
    run(events[1:], state)
    assert state.text == "Hello"
    assert state.usage == usage(
        input_tokens=12,
        output_tokens=6,
        cache_creation_input_tokens=4,
        cache_read_input_tokens=3,
        thinking_tokens=2,
        web_search_requests=1,  # usage.server_tool_use
    )


@needs_fixtures
def test_server_tool_use_input() -> None:
    state = replay("sdk_server_tool_use_input_json.sse")
    assert state.content() == [
        {"type": "text", "text": "Let me search for that."},
        {
            "type": "server_tool_use",
            "id": "srvtoolu_01WebSearch",
            "name": "web_search",
            "input": {"query": "weather in Paris"},
        },
    ]
    assert state.usage == usage(input_tokens=42, output_tokens=40)


@needs_fixtures
def test_web_search_result_kept_whole_and_refused_text_dropped() -> None:
    events = load("sdk_server_tool_web_search_refusal.sse")
    state = run(events)
    result_start = next(
        e["content_block"] for e in events if e["type"] == "content_block_start" and e["index"] == 1
    )
    content = state.content()
    assert [b["type"] for b in content] == ["server_tool_use", "web_search_tool_result", "text"]
    assert content[0]["input"] == {"query": "solar eclipse viewing safety news 2026"}
    assert content[1] == result_start
    assert content[1] is not result_start
    assert len(content[1]["content"]) == 2
    assert state.text == "Here's a summary of this year's solar eclipses and how"
    assert is_refusal(state)
    assert discard_refused_text(state) == content[:2]
    # message_delta usage is cumulative: it overwrites message_start's 612 input tokens
    assert state.usage == usage(input_tokens=28, output_tokens=106, thinking_tokens=67)


@needs_fixtures
def test_citations_delta_appended_to_text_block() -> None:
    state = replay("composed_go_sdk_citations_delta.sse")
    assert state.content() == [
        {
            "type": "text",
            "text": "1 + 1 = 2",
            "citations": [
                {
                    "type": "char_location",
                    "cited_text": "1 + 1 = 2",
                    "document_index": 0,
                    "document_title": "Math Facts",
                    "start_char_index": 300,
                    "end_char_index": 310,
                }
            ],
        }
    ]
    assert state.usage == usage(input_tokens=25, output_tokens=15)


# --- edge cases ---------------------------------------------------------------------------


def _start(**message: Any) -> Event:
    return {"type": "message_start", "message": {"id": "msg_1", "model": "m", **message}}


def _block(index: int, **block: Any) -> Event:
    return {"type": "content_block_start", "index": index, "content_block": block}


def _delta(index: int, **delta: Any) -> Event:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def _stop(index: int) -> Event:
    return {"type": "content_block_stop", "index": index}


def test_none_values_and_missing_fields_are_tolerated() -> None:
    state = run(
        [
            {"type": "message_start", "message": None},
            _start(usage=None, content=None, stop_reason=None),
            _block(0, type="text", text=None, citations=None),
            _delta(0, type="text_delta", text=None),
            _delta(0, type="text_delta", text="ok"),
            _delta(0, type="citations_delta", citation=None),
            {"type": "content_block_delta", "index": 0, "delta": None},
            {"type": "content_block_start", "index": 1, "content_block": None},
            _stop(0),
            {"type": "message_delta", "delta": None, "usage": None},
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_details": None},
                "usage": {"output_tokens": 3, "output_tokens_details": None, "input_tokens": None},
            },
            {"type": "message_stop"},
        ]
    )
    assert state.message_id == "msg_1"
    assert state.content() == [{"type": "text", "text": "ok"}]
    assert state.stop_reason == "end_turn"
    assert state.usage == usage(output_tokens=3)
    assert state.finished


def test_unknown_events_deltas_and_indexes_are_ignored() -> None:
    state = run(
        [
            _start(),
            {"type": "ping"},
            {"type": "brand_new_event", "index": 0},
            {"no_type": True},
            _block(0, type="text", text=""),
            _delta(0, type="brand_new_delta", text="x"),
            _delta(7, type="text_delta", text="lost"),
            _stop(7),
            _delta(0, type="text_delta", text="kept"),
            _stop(0),
        ]
    )
    assert state.text == "kept"
    assert state.block_at(7) is None
    assert not state.finished


def test_later_message_delta_without_stop_reason_keeps_it() -> None:
    details = {"type": "refusal", "category": "bio", "explanation": None}
    state = run(
        [
            _start(),
            {"type": "message_delta", "delta": {"stop_reason": "refusal", "stop_details": details}},
            {
                "type": "message_delta",
                "delta": {"stop_reason": None},
                "usage": {"output_tokens": 9},
            },
        ]
    )
    assert state.stop_reason == "refusal"
    assert state.stop_details == details
    assert state.usage.output_tokens == 9


def test_blocks_that_arrive_whole_are_kept_as_received() -> None:
    redacted = {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"}
    future = {"type": "some_future_block", "payload": {"a": [1, 2]}}
    state = run([_start(), _block(0, **redacted), _stop(0), _block(1, **future), _stop(1)])
    assert state.content() == [redacted, future]
    assert state.thinking_text == ""


def test_content_is_a_copy() -> None:
    state = run(
        [
            _start(),
            _block(0, type="tool_use", id="t", name="n", input={}),
            _delta(0, type="input_json_delta", partial_json='{"a": [1]}'),
            _stop(0),
        ]
    )
    content = state.content()
    content[0]["input"]["a"].append(2)
    assert state.content()[0]["input"] == {"a": [1]}


def test_tool_block_with_no_json_or_bad_json() -> None:
    state = run(
        [
            _start(),
            _block(0, type="tool_use", id="a", name="n", input={}),
            _stop(0),
            _block(1, type="tool_use", id="b", name="n", input={}),
            _delta(1, type="input_json_delta", partial_json='{"broken": '),
            _stop(1),
        ]
    )
    assert state.blocks[0].input == {}
    assert state.blocks[1].stopped
    assert state.blocks[1].input is None
    assert state.blocks[1].partial_json == '{"broken": '
    assert [b["input"] for b in state.content()] == [{}, {}]


def test_thinking_kept_unmodified_and_joined_for_display() -> None:
    state = run(
        [
            _start(),
            _block(0, type="thinking", thinking="", signature=""),
            _delta(0, type="thinking_delta", thinking="  first\n"),
            _delta(0, type="signature_delta", signature="sig1"),
            _stop(0),
            _block(1, type="thinking", thinking="second ", signature="sig2"),
            _stop(1),
        ]
    )
    assert state.content() == [
        {"type": "thinking", "thinking": "  first\n", "signature": "sig1"},
        {"type": "thinking", "thinking": "second ", "signature": "sig2"},
    ]
    assert state.thinking_text == "first\n\n\nsecond"


def test_message_start_with_cache_ttl_breakdown() -> None:
    state = run(
        [
            _start(
                usage={
                    "input_tokens": 5,
                    "cache_creation_input_tokens": 3000,
                    "cache_creation": {
                        "ephemeral_5m_input_tokens": 1000,
                        "ephemeral_1h_input_tokens": 2000,
                    },
                }
            )
        ]
    )
    assert state.usage == usage(
        input_tokens=5,
        cache_creation_input_tokens=3000,
        cache_write_5m_tokens=1000,
        cache_write_1h_tokens=2000,
    )


# --- speed: appending is O(1) per delta ---------------------------------------------------


def _text_stream(deltas: int) -> list[Event]:
    return [
        _start(usage={"input_tokens": 1, "output_tokens": 1}),
        _block(0, type="text", text=""),
        *(_delta(0, type="text_delta", text="abc ") for _ in range(deltas)),
        _stop(0),
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {}},
        {"type": "message_stop"},
    ]


# --- coalescing (the streaming child process joins deltas into batches) -------------------


def _same_state(a: StreamState, b: StreamState) -> None:
    assert a.content() == b.content()
    assert (a.stop_reason, a.stop_details, a.usage, a.model, a.finished) == (
        b.stop_reason,
        b.stop_details,
        b.usage,
        b.model,
        b.finished,
    )
    assert a.text == b.text


@needs_fixtures
@pytest.mark.parametrize("path", SSE_FILES, ids=[p.name for p in SSE_FILES])
@pytest.mark.parametrize("batch", [1, 3, 7, 10_000])
def test_coalesced_batches_fold_to_the_same_message(path: Path, batch: int) -> None:
    events = load(path.name)
    joined = [e for i in range(0, len(events), batch) for e in coalesce(events[i : i + batch])]
    _same_state(run(joined), run(events))
    if batch == 10_000:
        deltas = [e for e in events if e["type"] == "content_block_delta"]
        assert sum(e["type"] == "content_block_delta" for e in joined) <= len(deltas)


def test_coalesce_joins_runs_of_one_block_and_kind_only() -> None:
    def text(index: int, value: str) -> Event:
        return {
            "type": "content_block_delta",
            "index": index,
            "delta": {"type": "text_delta", "text": value},
        }

    thinking: Event = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "thinking_delta", "thinking": "hm"},
    }
    signature: Event = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "signature_delta", "signature": "s"},
    }
    stop: Event = {"type": "content_block_stop", "index": 1}
    events = [thinking, thinking, signature, text(1, "a"), text(1, "b"), stop, text(2, "c")]
    joined = coalesce(events)
    assert joined == [
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "hmhm"},
        },
        signature,
        text(1, "ab"),
        stop,
        text(2, "c"),
    ]
    assert coalesce([]) == []
