"""Rules for editing MCP servers: command lines, validation, statuses, merging imports."""

from __future__ import annotations

import pytest

from desktop.core.local_tools import (
    LocalTool,
    McpServerConfig,
    ServerState,
    ServerStatus,
    Transport,
)
from desktop.core.mcp_edit import (
    join_arguments,
    name_hint,
    name_problem,
    pairs_problem,
    plan_import,
    split_arguments,
    status_text,
    summary,
    url_problem,
)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("-y @scope/server --flag", ["-y", "@scope/server", "--flag"]),
        ('--root "/home/ann/My Files" x', ["--root", "/home/ann/My Files", "x"]),
        ("C:\\Users\\ann\\repo --x", ["C:\\Users\\ann\\repo", "--x"]),
        ("say 'it''s'", ["say", "its"]),
        ("#not-a-comment", ["#not-a-comment"]),
        ("", []),
    ],
)
def test_arguments_split_like_a_shell_line(line: str, words: list[str]) -> None:
    assert split_arguments(line) == words


@pytest.mark.parametrize(
    "words", [["a b", "c"], ["it's", "x"], ["C:\\Program Files\\x"], ["--k=v w"], ['"q"']]
)
def test_joined_arguments_read_back_the_same(words: list[str]) -> None:
    assert split_arguments(join_arguments(words)) == words


def test_an_open_quote_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not closed"):
        split_arguments('--root "/home')


def test_summaries_and_statuses() -> None:
    stdio = McpServerConfig("t", command="uvx", args=["mcp-server-time", "a b"])
    assert summary(stdio) == "uvx mcp-server-time 'a b'"
    assert summary(McpServerConfig("h", Transport.HTTP, url="https://x/mcp")) == "https://x/mcp"
    tools = (LocalTool("t", "now"), LocalTool("t", "convert"))
    assert status_text(None) == "Not started"
    assert status_text(ServerStatus("t", ServerState.STARTING)) == "Starting…"
    assert status_text(ServerStatus("t", ServerState.READY, tools=tools)) == "Ready · 2 tools"
    assert status_text(ServerStatus("t", ServerState.READY, tools=tools[:1])) == "Ready · 1 tool"
    failed = ServerStatus("t", ServerState.FAILED, error="uvx was not found.")
    assert status_text(failed) == "Failed: uvx was not found."
    assert status_text(failed, enabled=False) == "Off"


def test_names_must_be_there_and_unique() -> None:
    assert name_problem("  ", []) == "Give the server a name."
    assert "already a server named “Git”" in str(name_problem("Git", ["git", "time"]))
    assert name_problem("fetch", ["git"]) is None
    assert name_hint("my server").startswith("Claude sees its tools as “my_server__…”")
    assert name_hint("my-server_2") == ""


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://x.org/mcp", True),
        ("http://127.0.0.1:8000/mcp", True),
        ("", False),
        ("x.org/mcp", False),
        ("ftp://x.org", False),
        ("https://", False),
    ],
)
def test_urls(url: str, ok: bool) -> None:
    assert (url_problem(url) is None) is ok


def test_variables_and_headers() -> None:
    assert pairs_problem([("TOKEN", "x"), ("", "")], "env") is None
    assert "no name" in str(pairs_problem([("", "x")], "env"))
    assert "cannot name a variable" in str(pairs_problem([("MY-VAR", "x")], "env"))
    assert "set twice" in str(pairs_problem([("A", "1"), ("A", "2")], "env"))
    assert pairs_problem([("X-Api-Key", "k")], "headers") is None
    assert "set twice" in str(pairs_problem([("X-A", "1"), ("x-a", "2")], "headers"))


def test_an_import_skips_what_is_there_and_renames_clashes() -> None:
    time = McpServerConfig("time", command="uvx", args=["mcp-server-time"])
    git = McpServerConfig("git", command="uvx", args=["mcp-server-git"])
    existing = [
        time,
        McpServerConfig("Git", command="other"),
        McpServerConfig("git-2", command="o"),
    ]
    new = McpServerConfig("fetch", command="uvx", args=["mcp-server-fetch"])
    plan = plan_import(
        existing,
        [McpServerConfig("time", command="uvx", args=["mcp-server-time"], enabled=False), git, new],
    )
    assert plan.skipped == ["time"]
    assert plan.renamed == [("git", "git-3")]
    assert [s.name for s in plan.added] == ["git-3", "fetch"]
    assert plan.added[0].args == ["mcp-server-git"]
    again = plan_import([*existing, *plan.added], [git, new])
    assert again.added == [] and again.skipped == ["git", "fetch"]
