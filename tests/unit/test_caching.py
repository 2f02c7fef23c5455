"""Cache breakpoint placement, the stable prefix over turns, and the minimum-length rule."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from desktop.core.caching import (
    BREAK_EVEN_REQUESTS,
    MAX_BREAKPOINTS,
    Ttl,
    below_minimum_message,
    break_even_requests,
    breakpoint_paths,
    cache_applies,
    cache_control,
    cache_seconds_left,
    cache_state_text,
    cache_touched,
    place_breakpoints,
)
from desktop.core.catalog import Catalog, ModelSpec
from desktop.core.conversation import Usage

TOOLS = [
    {"name": "get_weather", "description": "Weather", "input_schema": {"type": "object"}},
    {"name": "get_time", "description": "Time", "input_schema": {"type": "object"}},
]
SYSTEM = "You are a careful reader of the attached documents."
PDF = {
    "type": "document",
    "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQK"},
    "title": "report.pdf",
}
NOTES = {
    "type": "document",
    "source": {"type": "text", "media_type": "text/plain", "data": "a,b\n1,2\n"},
    "title": "data.csv",
}
SIGNED_THINKING = {"type": "thinking", "thinking": "Let me look.", "signature": "sig=="}


def user(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [SIGNED_THINKING, {"type": "text", "text": text}]}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def request(history: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "model": "claude-opus-4-8",
        "max_tokens": 1000,
        "tools": copy.deepcopy(TOOLS),
        "system": SYSTEM,
        "messages": copy.deepcopy(history),
    }


def turns() -> list[dict[str, Any]]:
    """The params a three-turn chat over two documents sends, as requests.py builds them."""
    history = [user(PDF, NOTES, text("Summarise the report."))]
    out = [request(history)]
    for answer, question in [("Summary.", "And the CSV?"), ("Two rows.", "Thanks; compare.")]:
        history += [assistant(answer), user(text(question))]
        out.append(request(history))
    return out


def flat_prefix(params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every block in prefix order (tools → system → messages), with where it sits."""
    items: list[tuple[Any, ...]] = [("tools", i, t) for i, t in enumerate(params.get("tools", []))]
    items += [("system", i, b) for i, b in enumerate(params.get("system", []))]
    for m, message in enumerate(params["messages"]):
        items += [("messages", m, message["role"], i, b) for i, b in enumerate(message["content"])]
    return items


def before_last_breakpoint(params: dict[str, Any]) -> list[str]:
    items = flat_prefix(params)
    last = max(i for i, item in enumerate(items) if "cache_control" in item[-1])
    return [json.dumps(item, sort_keys=False) for item in items[:last]]


def without_markers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_markers(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [without_markers(v) for v in value]
    return value


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_toml(
        resources.files("desktop.resources").joinpath("models.toml").read_text()
    )


# --- placement -------------------------------------------------------------------------


def test_four_breakpoints_at_tools_system_documents_and_latest_turn() -> None:
    params = place_breakpoints(turns()[2])
    assert breakpoint_paths(params) == [
        "tools[1]",
        "system[0]",
        "messages[0].content[1]",  # the last document of the first user turn
        "messages[4].content[0]",  # the last block of the last user message
    ]
    assert params["tools"][1]["cache_control"] == {"type": "ephemeral"}
    assert params["messages"][0]["content"][1]["title"] == "data.csv"


def test_first_turn_marks_the_question_after_the_documents() -> None:
    params = place_breakpoints(turns()[0])
    assert breakpoint_paths(params) == [
        "tools[1]",
        "system[0]",
        "messages[0].content[1]",
        "messages[0].content[2]",
    ]


def test_never_more_than_four_even_with_stale_markers_in_history() -> None:
    params = turns()[2]
    for message in params["messages"]:
        for block in message["content"]:
            block["cache_control"] = {"type": "ephemeral"}
    params["tools"][0]["cache_control"] = {"type": "ephemeral"}
    params["cache_control"] = {"type": "ephemeral"}  # automatic caching would add one more
    params["messages"][2]["content"].append(
        {
            "type": "tool_result",
            "tool_use_id": "t1",
            "content": [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}],
        }
    )
    placed = place_breakpoints(params)
    assert len(breakpoint_paths(placed)) <= MAX_BREAKPOINTS
    assert breakpoint_paths(placed) == [
        "tools[1]",
        "system[0]",
        "messages[0].content[1]",
        "messages[4].content[0]",
    ]


def test_without_tools_system_or_documents_only_the_latest_turn_is_marked() -> None:
    params = {"model": "m", "messages": [user(text("hi")), assistant("hello"), user(text("q"))]}
    assert breakpoint_paths(place_breakpoints(params)) == ["messages[2].content[0]"]


def test_documents_only_first_turn_gets_one_marker_not_two() -> None:
    params = {"model": "m", "messages": [user(PDF)]}
    assert breakpoint_paths(place_breakpoints(params)) == ["messages[0].content[0]"]


def test_latest_marker_skips_blocks_the_api_refuses_to_mark() -> None:
    params = {"model": "m", "messages": [user(text("q"), text(""))]}
    assert breakpoint_paths(place_breakpoints(params)) == ["messages[0].content[0]"]


def test_string_system_and_content_become_one_text_block() -> None:
    params = {"model": "m", "system": SYSTEM, "messages": [{"role": "user", "content": "hi"}]}
    placed = place_breakpoints(params)
    assert placed["system"] == [
        {"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}
    ]
    assert placed["messages"][0]["content"] == [
        {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}
    ]


def test_input_is_not_modified_and_only_markers_are_added() -> None:
    params = turns()[2]
    params["messages"][0]["content"][0]["cache_control"] = {"type": "ephemeral", "ttl": "1h"}
    before = copy.deepcopy(params)
    placed = place_breakpoints(params, ttl="1h")
    assert params == before
    expected = without_markers(before)
    expected["system"] = [{"type": "text", "text": SYSTEM}]
    assert without_markers(placed) == expected
    assert [k for k in placed if k != "system"] == [k for k in before if k != "system"]


# --- TTL -------------------------------------------------------------------------------


def test_one_hour_ttl_for_the_context_and_five_minutes_for_history() -> None:
    placed = place_breakpoints(turns()[1], ttl="1h")
    one_hour = {"type": "ephemeral", "ttl": "1h"}
    assert placed["tools"][1]["cache_control"] == one_hour
    assert placed["system"][0]["cache_control"] == one_hour
    assert placed["messages"][0]["content"][1]["cache_control"] == one_hour
    assert placed["messages"][2]["content"][0]["cache_control"] == {"type": "ephemeral"}


def test_history_ttl_is_never_longer_than_the_context_ttl() -> None:
    # the API wants longer TTLs first: a 1 h history after a 5 min context is lowered
    placed = place_breakpoints(turns()[1], ttl="5m", history_ttl="1h")
    assert placed["messages"][2]["content"][0]["cache_control"] == {"type": "ephemeral"}
    placed = place_breakpoints(turns()[1], ttl="1h", history_ttl="1h")
    assert placed["messages"][2]["content"][0]["cache_control"] == cache_control("1h")


def test_default_ttl_is_implicit() -> None:
    assert cache_control() == {"type": "ephemeral"}
    assert cache_control("1h") == {"type": "ephemeral", "ttl": "1h"}


# --- the stable prefix -----------------------------------------------------------------


def test_same_input_gives_the_same_bytes() -> None:
    a = json.dumps(place_breakpoints(turns()[2], ttl="1h"))
    b = json.dumps(place_breakpoints(turns()[2], ttl="1h"))
    assert a == b


@pytest.mark.parametrize("ttl", ["5m", "1h"])
def test_prefix_bytes_are_identical_over_three_turns(ttl: Ttl) -> None:
    placed = [place_breakpoints(params, ttl=ttl) for params in turns()]
    prefixes = [before_last_breakpoint(p) for p in placed]
    # what turn k sent before its last breakpoint is sent again, byte for byte, at the
    # start of every later turn: tools, system, documents and the history so far
    for k, prefix in enumerate(prefixes):
        for later in prefixes[k + 1 :]:
            assert later[: len(prefix)] == prefix
    assert [len(p) for p in prefixes] == [5, 8, 11]  # + question, thinking, answer
    # the context up to the documents' breakpoint, markers included, never changes
    context = [json.dumps(item) for item in flat_prefix(placed[0])[:5]]
    for p in placed:
        assert [json.dumps(item) for item in flat_prefix(p)[:5]] == context


# --- minimum length and economics ------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "minimum"),
    [("claude-opus-4-8", 4096), ("claude-sonnet-4-6", 2048), ("claude-haiku-4-5", 4096)],
)
def test_below_minimum_detection_per_model(catalog: Catalog, model_id: str, minimum: int) -> None:
    spec = catalog.get(model_id)
    assert not cache_applies(minimum - 1, spec)
    assert cache_applies(minimum, spec)
    assert below_minimum_message(minimum, spec) is None
    message = below_minimum_message(1200, spec)
    assert message == (
        f"Caching will not apply: the context is 1,200 tokens and {spec.display_name} "
        f"caches only from {minimum:,} tokens."
    )


def test_unknown_minimum_assumes_caching_applies() -> None:
    spec = ModelSpec("new-model", "New", input_price=Decimal(1), output_price=Decimal(1))
    assert cache_applies(1, spec)
    assert below_minimum_message(1, spec) is None


def test_break_even_constants_follow_from_the_multipliers() -> None:
    assert BREAK_EVEN_REQUESTS == {"5m": 2, "1h": 3}
    assert break_even_requests("5m") == 2
    assert break_even_requests("1h") == 3


def test_cache_state_counts_down_from_the_last_write_or_read() -> None:
    assert cache_touched(Usage(cache_read_input_tokens=1))
    assert cache_touched(Usage(cache_creation_input_tokens=1))
    assert not cache_touched(Usage(input_tokens=5000))
    assert cache_seconds_left(None, 100.0) == 0
    assert cache_seconds_left(1000.0, 1060.0) == 240
    assert cache_seconds_left(1000.0, 1060.0, "1h") == 3540
    assert cache_seconds_left(1000.0, 2000.0) == 0
    assert cache_state_text(240) == "cached — 4 min left"
    assert cache_state_text(239) == "cached — 4 min left"
    assert cache_state_text(181) == "cached — 4 min left"
    assert cache_state_text(20) == "cached — 1 min left"
    assert cache_state_text(0) == "not cached"
