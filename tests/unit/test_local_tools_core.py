"""Local tools in the core: API names, the tool loop's content as API turns, rounds, results,
the text of a multi-round answer, its footer and its Markdown export."""

from __future__ import annotations

import re

from desktop.core.conversation import Message, MessageStatus, Role, Usage
from desktop.core.formatting import usage_line
from desktop.core.local_tools import (
    DENIED,
    LocalTool,
    McpServerConfig,
    ToolOutcome,
    api_tool_name,
    call_text,
    error_outcome,
    needs_permission,
    outcome_line,
    tool_param,
    tool_result_block,
)
from desktop.core.notices import notice_for
from desktop.core.requests import answer_turns, api_messages

USE_1 = {"type": "tool_use", "id": "toolu_1", "name": "time__now", "input": {"zone": "UTC"}}
USE_2 = {"type": "tool_use", "id": "toolu_2", "name": "git__commit", "input": {"m": "x"}}
RESULT_1 = tool_result_block("toolu_1", ToolOutcome(({"type": "text", "text": "12:00"},)))
RESULT_2 = tool_result_block("toolu_2", error_outcome(DENIED))


def _text(text: str) -> dict[str, str]:
    return {"type": "text", "text": text}


LOOP = [_text("Checking."), USE_1, RESULT_1, USE_2, RESULT_2, _text("Done.")]


def test_api_names_are_valid_and_tell_servers_apart() -> None:
    name = api_tool_name("My Server (beta)", "read file!")
    assert re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", name)
    assert api_tool_name("a", "x") != api_tool_name("b", "x")
    assert len(api_tool_name("s" * 80, "t" * 80)) == 64


def test_tool_param_and_permission_rules() -> None:
    tool = LocalTool("git", "commit", "Record changes", {"type": "object"}, read_only=False)
    assert tool_param(tool) == {
        "name": "git__commit",
        "input_schema": {"type": "object"},
        "description": "Record changes",
    }
    config = McpServerConfig("git")
    assert needs_permission(tool, config)
    config.always_allowed.append("commit")
    assert not needs_permission(tool, config)
    assert not needs_permission(LocalTool("git", "status", read_only=True), McpServerConfig("git"))


def test_answer_turns_alternate_and_results_go_back_as_user_turns() -> None:
    turns = answer_turns(LOOP)
    assert [t["role"] for t in turns] == ["assistant", "user", "assistant", "user", "assistant"]
    assert turns[1]["content"] == [RESULT_1]
    assert turns[3]["content"][0]["is_error"] is True


def test_a_call_without_its_result_is_not_sent_back() -> None:
    stopped = [_text("Checking."), USE_1]
    assert answer_turns(stopped) == [{"role": "assistant", "content": [_text("Checking.")]}]


def test_history_with_a_tool_loop_then_a_new_question() -> None:
    history = [
        Message(1, Role.USER, [_text("What time is it?")]),
        Message(1, Role.ASSISTANT, LOOP),
        Message(1, Role.USER, [_text("Thanks")]),
    ]
    messages = api_messages(history)
    roles = ["user", "assistant", "user", "assistant", "user", "assistant", "user"]
    assert [m["role"] for m in messages] == roles
    assert messages[2]["content"] == [RESULT_1]
    assert messages[4]["content"] == [RESULT_2]
    # a loop stopped after its results: the results and the next question share a user turn
    cut = [_text("Checking."), USE_1, RESULT_1]
    history[1] = Message(1, Role.ASSISTANT, cut, status=MessageStatus.STOPPED)
    messages = api_messages(history)
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[-1]["content"] == [RESULT_1, _text("Thanks")]


def test_text_of_a_multi_round_answer() -> None:
    answer = Message(1, Role.ASSISTANT, LOOP)
    assert answer.text == "Checking.\n\nDone."


def test_call_and_outcome_lines() -> None:
    assert call_text(USE_1) == "Using time › now (zone: UTC)"
    assert outcome_line(USE_1, RESULT_1) == "✓ time › now — 12:00"
    assert outcome_line(USE_2, RESULT_2).startswith("✗ git › commit — The user denied")


def test_footer_counts_requests_and_notice_for_the_round_limit() -> None:
    line = usage_line(Usage(input_tokens=100, output_tokens=10, extra_requests=2), None)
    assert line.startswith("3 requests · 100 in")
    assert "requests" not in usage_line(Usage(input_tokens=100, output_tokens=10), None)
    hit = Message(1, Role.ASSISTANT, [USE_1], stop_reason="tool_use")
    notice = notice_for(hit)
    assert notice is not None and notice.can_continue and "limit of tool rounds" in notice.text


def test_markdown_export_shows_calls_and_folds_results() -> None:
    from desktop.core.conversation import Conversation
    from desktop.core.exchange import ConversationSnapshot, export_dict, parse_export
    from desktop.core.markdown_export import markdown_export

    question = Message(1, Role.USER, [_text("What time is it?")], id=1)
    usage = Usage(input_tokens=300, output_tokens=30, extra_requests=2)
    answer = Message(1, Role.ASSISTANT, LOOP, id=2, parent_id=1, usage=usage)
    snap = ConversationSnapshot(Conversation(1, "Time", 0.0, 0.0), [question, answer], 2, [])
    text, _files = markdown_export(snap, "time", lambda _m: None, 0.0)
    assert "🔧 *Using time › now (zone: UTC)*" in text
    assert "<summary>Tool result</summary>\n\n```\n12:00\n```" in text
    assert "<summary>Tool error</summary>" in text
    assert "3 requests · 300 in" in text
    assert text.index("Checking.") < text.index("Using time") < text.index("Done.")
    bundle = parse_export(export_dict([snap], 0.0, "test"))  # the JSON export keeps it all
    assert bundle.conversations[0].messages[1].content == LOOP


def test_fake_server_holds_the_app_to_the_pairing_rule() -> None:
    import pytest

    from tests.fake_api.client_tools import UnansweredToolUse, check_tool_pairs

    ask = {"role": "user", "content": [_text("time?")]}
    body = {"messages": [ask, *answer_turns(LOOP), {"role": "user", "content": [_text("ok")]}]}
    check_tool_pairs(body)  # the app's own turns pass
    unpaired = {"messages": [ask, {"role": "assistant", "content": [USE_1]}, ask]}
    with pytest.raises(UnansweredToolUse, match="without `tool_result`"):
        check_tool_pairs(unpaired)
    stray = {
        "messages": [
            ask,
            {"role": "assistant", "content": [_text("hi")]},
            {"role": "user", "content": [RESULT_1]},
        ]
    }
    with pytest.raises(UnansweredToolUse, match="unexpected"):
        check_tool_pairs(stray)


def test_fake_server_by_hand_calls_a_declared_tool_and_reads_its_result() -> None:
    from tests.fake_api.answers import default_reply
    from tests.fake_api.client_tools import TOOL_HELP, ToolUseReply
    from tests.fake_api.script import TextReply

    tools = [{"name": "time__now", "input_schema": {"type": "object"}}]
    ask = {"role": "user", "content": [_text('/tool time__now {"zone": "UTC"}')]}
    reply = default_reply({"messages": [ask], "tools": tools})
    assert isinstance(reply, ToolUseReply)
    assert (reply.calls[0].name, reply.calls[0].input) == ("time__now", {"zone": "UTC"})
    unknown = default_reply({"messages": [ask], "tools": []})
    assert isinstance(unknown, TextReply) and unknown.text == TOOL_HELP
    back = {
        "messages": [
            ask,
            {"role": "assistant", "content": [USE_1]},
            {"role": "user", "content": [RESULT_1]},
        ]
    }
    answered = default_reply(back)
    assert isinstance(answered, TextReply) and "12:00" in answered.text
