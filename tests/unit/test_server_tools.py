"""Server tools: settings, the request's `tools` list, usage, prices, and what is sent back."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

import pytest

from desktop.core.catalog import Catalog, ModelSpec
from desktop.core.conversation import (
    ConversationSettings,
    Message,
    MessageStatus,
    Role,
    Usage,
    text_block,
)
from desktop.core.formatting import tool_line, usage_line
from desktop.core.pricing import cost, search_cost
from desktop.core.requests import api_messages, build_params
from desktop.core.server_tools import (
    CODE_EXECUTION,
    WEB_FETCH_BASIC,
    WEB_FETCH_LATEST,
    WEB_SEARCH_BASIC,
    WEB_SEARCH_LATEST,
    ServerTools,
    parse_domains,
    problem,
    tool_params,
)
from desktop.core.streaming import StreamState, apply
from tests.fake_api.server_tools import Cited, Fetch, RunCode, Search, ToolReply, stream_tools
from tests.unit.test_streaming import load, parse_sse

TOML = resources.files("desktop.resources").joinpath("models.toml").read_text()
OPUS = ModelSpec(
    "claude-opus-4-8",
    "Claude Opus 4.8",
    input_price=Decimal(5),
    output_price=Decimal(25),
    web_search_price=Decimal(10),
)


def _history(*answers: Message) -> list[Message]:
    question = Message(1, Role.USER, [text_block("What happened?")], id=1)
    follow_up = Message(1, Role.USER, [text_block("And then?")], id=3)
    return [question, *answers, follow_up]


def test_no_tools_by_default_and_old_settings_load() -> None:
    settings = ConversationSettings.from_dict({"model": "claude-opus-4-8", "max_tokens": 900})
    assert settings.tools == ServerTools()
    params = build_params(settings, OPUS, _history())
    assert "tools" not in params


def test_settings_round_trip_through_dict() -> None:
    tools = ServerTools(
        web_search=True,
        web_fetch=True,
        search_max_uses=3,
        search_allowed_domains=["example.com"],
        search_location={"city": "Lyon", "country": "FR"},
        fetch_blocked_domains=["bad.example"],
    )
    settings = ConversationSettings(tools=tools)
    again = ConversationSettings.from_dict(settings.to_dict())
    assert again == settings
    assert again.copy() == settings and again.copy().tools is not settings.tools


def test_malformed_saved_tools_take_defaults() -> None:
    data = {"tools": {"web_search": 1, "search_max_uses": "many", "search_location": "Lyon"}}
    tools = ConversationSettings.from_dict(data).tools
    assert tools.web_search and tools.search_max_uses == 0 and tools.search_location == {}


def test_latest_web_tools_with_options() -> None:
    tools = ServerTools(
        web_search=True,
        web_fetch=True,
        search_max_uses=5,
        search_blocked_domains=["spam.example"],
        search_location={"city": "Lyon", "country": "FR", "timezone": "Europe/Paris"},
        fetch_max_uses=2,
        fetch_allowed_domains=["docs.python.org"],
    )
    params = build_params(ConversationSettings(tools=tools), OPUS, _history())
    assert params["tools"] == [
        {
            "type": WEB_SEARCH_LATEST,
            "name": "web_search",
            "max_uses": 5,
            "blocked_domains": ["spam.example"],
            "user_location": {
                "type": "approximate",
                "city": "Lyon",
                "country": "FR",
                "timezone": "Europe/Paris",
            },
        },
        {
            "type": WEB_FETCH_LATEST,
            "name": "web_fetch",
            "citations": {"enabled": True},
            "max_uses": 2,
            "allowed_domains": ["docs.python.org"],
        },
    ]


def test_code_execution_not_declared_beside_web_tools_that_run_it() -> None:
    both = ServerTools(web_search=True, code_execution=True)
    assert [t["name"] for t in tool_params(both, "claude-opus-4-8")] == ["web_search"]
    alone = ServerTools(code_execution=True)
    assert tool_params(alone, "claude-opus-4-8") == [
        {"type": CODE_EXECUTION, "name": "code_execution"}
    ]


def test_older_models_get_basic_web_tools_and_code_execution_beside() -> None:
    tools = ServerTools(web_search=True, web_fetch=True, code_execution=True)
    types = [t["type"] for t in tool_params(tools, "claude-haiku-4-5")]
    assert types == [WEB_SEARCH_BASIC, WEB_FETCH_BASIC, CODE_EXECUTION]
    assert tool_params(tools, "claude-opus-5")[0]["type"] == WEB_SEARCH_LATEST  # newer: latest


def test_allowed_and_blocked_both_set_sends_allowed_and_says_so() -> None:
    tools = ServerTools(
        web_search=True, search_allowed_domains=["a.example"], search_blocked_domains=["b.example"]
    )
    (search,) = tool_params(tools, "claude-opus-4-8")
    assert search["allowed_domains"] == ["a.example"] and "blocked_domains" not in search
    assert "not both" in (problem(tools) or "")
    assert problem(ServerTools(web_search=True)) is None


def test_domains_typed_by_a_person() -> None:
    text = "https://Example.com/, docs.python.org/3/ ; example.com  http://x.org/blog/"
    assert parse_domains(text) == ["example.com", "docs.python.org/3", "x.org/blog"]


def test_usage_counts_server_tool_requests_from_the_stream() -> None:
    state = StreamState()
    apply({"type": "message_start", "message": {"usage": {"input_tokens": 10}}}, state)
    usage = {"output_tokens": 5, "server_tool_use": {"web_search_requests": 2}}
    apply({"type": "message_delta", "delta": {}, "usage": usage}, state)
    usage = {
        "output_tokens": 9,
        "server_tool_use": {"web_search_requests": 3, "web_fetch_requests": 1},
    }
    apply({"type": "message_delta", "delta": {}, "usage": usage}, state)
    assert (state.usage.web_search_requests, state.usage.web_fetch_requests) == (3, 1)
    assert Usage.from_dict(state.usage.to_dict()) == state.usage
    assert Usage.from_dict({"input_tokens": 4}).web_search_requests == 0  # stored before tools


def test_search_priced_per_thousand_from_models_toml() -> None:
    catalog = Catalog.from_toml(TOML)
    spec = catalog.get("claude-sonnet-4-6")
    assert spec.web_search_price == Decimal("10.00")
    usage = Usage(input_tokens=1000, output_tokens=100, web_search_requests=3, web_fetch_requests=2)
    price = cost(usage, spec)
    assert price is not None
    assert price.tools == Decimal("0.03")  # fetches cost only their tokens
    tokens_only = cost(Usage(input_tokens=1000, output_tokens=100), spec)
    assert tokens_only is not None and price.total == tokens_only.total + Decimal("0.03")
    batch = cost(usage, spec, batch=True)
    assert batch is not None and batch.tools == Decimal("0.03")  # tokens halved, searches not


def test_unknown_search_price_is_said_not_guessed() -> None:
    spec = ModelSpec("m", "M", input_price=Decimal(1), output_price=Decimal(1))
    assert search_cost(4, spec) is None
    assert tool_line(Usage(web_search_requests=4), spec) == "4 searches (search price unknown)"


def test_footer_adds_searches_and_fetches() -> None:
    usage = Usage(input_tokens=1200, output_tokens=300, web_search_requests=2, web_fetch_requests=1)
    line = usage_line(usage, OPUS)
    assert "2 searches ($0.0200) · 1 fetch" in line
    price = cost(usage, OPUS)
    assert price is not None and line.endswith(f"${price.total.quantize(Decimal('0.0001'))}")
    assert tool_line(Usage(), OPUS) == ""


def _fold(reply: ToolReply) -> StreamState:
    body = {"model": "claude-opus-4-8", "messages": [{"role": "user", "content": "q"}]}
    raw = b"".join(stream_tools(reply, body, "msg_1")).decode()
    state = StreamState()
    for _name, event in parse_sse(raw):
        apply(event, state)
    return state


def test_reducer_keeps_tool_blocks_and_citations_of_the_fake_stream() -> None:
    reply = ToolReply(
        steps=[
            Search("eclipse 2026", [("Eclipses", "https://e.example/2026", "1 day ago")]),
            Fetch("https://e.example/2026", "Eclipses 2026", "Full text."),
            RunCode("python3 -c 'print(6*7)'", stdout="42\n"),
        ],
        answer=[
            "Look up. ",
            Cited("Totality in August", "https://e.example/2026", "Eclipses", "Aug"),
        ],
    )
    state = _fold(reply)
    content = state.content()
    kinds = [b["type"] for b in content]
    assert kinds == [
        "server_tool_use",
        "web_search_tool_result",
        "server_tool_use",
        "web_fetch_tool_result",
        "server_tool_use",
        "bash_code_execution_tool_result",
        "text",
        "text",
    ]
    assert content[0]["input"] == {"query": "eclipse 2026"}
    assert content[2]["input"] == {"url": "https://e.example/2026"}
    assert content[5]["content"]["stdout"] == "42\n"
    assert content[7]["citations"][0]["url"] == "https://e.example/2026"
    assert (state.usage.web_search_requests, state.usage.web_fetch_requests) == (1, 1)


def test_recorded_web_search_stream_keeps_its_blocks() -> None:
    state = StreamState()
    for event in load("sdk_server_tool_web_search_refusal.sse"):
        apply(event, state)
    use, result = state.content()[:2]
    assert use["input"] == {"query": "solar eclipse viewing safety news 2026"}
    assert result["tool_use_id"] == use["id"] and len(result["content"]) == 2


def test_tool_blocks_sent_back_as_they_came_and_unanswered_use_left_out() -> None:
    use = {"type": "server_tool_use", "id": "srv_1", "name": "web_search", "input": {"query": "q"}}
    result = {"type": "web_search_tool_result", "tool_use_id": "srv_1", "content": []}
    cited = {"type": "text", "text": "A", "citations": [{"type": "web_search_result_location"}]}
    answer = Message(1, Role.ASSISTANT, [use, result, cited], id=2)
    sent = api_messages(_history(answer))[1]["content"]
    assert sent == [use, result, cited]
    lone = {**use, "id": "srv_2"}
    stopped = Message(
        1, Role.ASSISTANT, [lone, text_block("Partial")], id=2, status=MessageStatus.STOPPED
    )
    assert api_messages(_history(stopped))[1]["content"] == [text_block("Partial")]


@pytest.mark.parametrize("searches", [0, 1, 1000])
def test_search_cost_scales(searches: int) -> None:
    assert search_cost(searches, OPUS) == Decimal(searches) * Decimal(10) / 1000
