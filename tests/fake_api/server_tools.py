"""Scripted server tool answers: web search, web fetch and code execution, streamed as the API
streams them (shapes from the claude-api reference's "Server Tools" section and the recorded
`sdk_server_tool_*.sse` / `composed_go_sdk_citations_delta.sse` streams).

Each tool call is a `server_tool_use` block whose input arrives as `input_json_delta`s, then
its result block arrives whole (no deltas). The answer's text follows in text blocks; a cited
piece gets its citation by `citations_delta` before its text. `usage.server_tool_use` in the
final `message_delta` counts the searches and fetches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.fake_api import sse
from tests.fake_api.estimate import input_tokens, output_tokens


@dataclass
class Search:
    """A web search and its results: (title, url, page_age) each."""

    query: str
    results: list[tuple[str, str, str]] = field(default_factory=list)
    error_code: str | None = None  # e.g. "max_uses_exceeded": the result is an error object


@dataclass
class Fetch:
    url: str
    title: str
    text: str


@dataclass
class RunCode:
    command: str
    stdout: str = ""
    stderr: str = ""
    return_code: int = 0


@dataclass
class Cited:
    """A piece of the answer with a web search citation (the source's url and title)."""

    text: str
    url: str
    title: str
    cited_text: str


Step = Search | Fetch | RunCode


@dataclass
class ToolReply:
    """Tool calls in order, then the answer: plain strings and `Cited` pieces."""

    steps: list[Step]
    answer: list[str | Cited]
    delay: float = 0.0
    stop_reason: str = "end_turn"

    @property
    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.answer)


def _tool_use(index: int, tool_id: str, name: str, input_: dict[str, Any]) -> list[bytes]:
    start = {"type": "server_tool_use", "id": tool_id, "name": name, "input": {}}
    raw = json.dumps(input_)
    pieces = [""] + [raw[i : i + 11] for i in range(0, len(raw), 11)]
    deltas = [sse.delta(index, {"type": "input_json_delta", "partial_json": p}) for p in pieces]
    return [sse.block_start(index, start), *deltas, sse.block_stop(index)]


def _result(index: int, block: dict[str, Any]) -> list[bytes]:
    return [sse.block_start(index, block), sse.block_stop(index)]


def search_result_block(tool_id: str, search: Search) -> dict[str, Any]:
    if search.error_code:
        content: Any = {"type": "web_search_tool_result_error", "error_code": search.error_code}
    else:
        content = [
            {
                "type": "web_search_result",
                "title": title,
                "url": url,
                "encrypted_content": f"enc-{abs(hash(url)) % 10**8}",
                "page_age": age,
            }
            for title, url, age in search.results
        ]
    return {"type": "web_search_tool_result", "tool_use_id": tool_id, "content": content}


def fetch_result_block(tool_id: str, fetch: Fetch) -> dict[str, Any]:
    document = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": fetch.text},
        "title": fetch.title,
        "citations": {"enabled": True},
    }
    content = {
        "type": "web_fetch_result",
        "url": fetch.url,
        "content": document,
        "retrieved_at": "2026-11-21T10:00:00Z",
    }
    return {"type": "web_fetch_tool_result", "tool_use_id": tool_id, "content": content}


def code_result_block(tool_id: str, run: RunCode) -> dict[str, Any]:
    content = {
        "type": "bash_code_execution_result",
        "stdout": run.stdout,
        "stderr": run.stderr,
        "return_code": run.return_code,
        "content": [],
    }
    return {"type": "bash_code_execution_tool_result", "tool_use_id": tool_id, "content": content}


def _step_events(index: int, number: int, step: Step) -> list[bytes]:
    tool_id = f"srvtoolu_fake_{number:04d}"
    if isinstance(step, Search):
        use = _tool_use(index, tool_id, "web_search", {"query": step.query})
        return use + _result(index + 1, search_result_block(tool_id, step))
    if isinstance(step, Fetch):
        use = _tool_use(index, tool_id, "web_fetch", {"url": step.url})
        return use + _result(index + 1, fetch_result_block(tool_id, step))
    use = _tool_use(index, tool_id, "bash_code_execution", {"command": step.command})
    return use + _result(index + 1, code_result_block(tool_id, step))


def _text_events(index: int, piece: str | Cited) -> list[bytes]:
    events = [sse.block_start(index, {"type": "text", "text": ""})]
    text = piece
    if isinstance(piece, Cited):
        citation = {
            "type": "web_search_result_location",
            "url": piece.url,
            "title": piece.title,
            "encrypted_index": "ZmFrZS1pbmRleA==",
            "cited_text": piece.cited_text,
        }
        events.append(sse.delta(index, {"type": "citations_delta", "citation": citation}))
        text = piece.text
    events += [sse.text_delta(index, part) for part in sse.split(str(text), 9)]
    return [*events, sse.block_stop(index)]


def tool_usage(reply: ToolReply, body: dict[str, Any]) -> dict[str, Any]:
    """The final usage: tokens, and the searches and fetches the API ran."""
    searches = sum(1 for s in reply.steps if isinstance(s, Search) and not s.error_code)
    fetches = sum(1 for s in reply.steps if isinstance(s, Fetch))
    results = sum(len(s.results) for s in reply.steps if isinstance(s, Search))
    return {
        "input_tokens": input_tokens(body) + 700 * results + 400 * fetches,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output_tokens(reply.text) + 20 * len(reply.steps),
        "server_tool_use": {"web_search_requests": searches, "web_fetch_requests": fetches},
    }


def stream_tools(reply: ToolReply, body: dict[str, Any], message_id: str) -> list[bytes]:
    """Every event of the answer, in order."""
    model = body.get("model") or "claude-opus-4-8"
    start_usage = {"input_tokens": input_tokens(body), "output_tokens": 1}
    events = [sse.message_start(message_id, model, start_usage)]
    index = 0
    for number, step in enumerate(reply.steps, start=1):
        events += _step_events(index, number, step)
        index += 2
    for piece in reply.answer:
        events += _text_events(index, piece)
        index += 1
    events.append(sse.message_delta(reply.stop_reason, None, tool_usage(reply, body)))
    events.append(sse.message_stop())
    return events


def declared(body: dict[str, Any]) -> set[str]:
    """The names of the tools a request declares (`web_search`, `web_fetch`, ...)."""
    return {str(t.get("name")) for t in body.get("tools") or () if isinstance(t, dict)}


def search_demo(query: str) -> ToolReply:
    """The default answer to a request that declares web search: one search, two sources."""
    results = [
        (
            "Solar eclipse safety | Example Observatory",
            "https://www.example.com/eclipse-safety",
            "April 30, 2026",
        ),
        (
            "Eclipses in 2026 | Example Astronomy News",
            "https://news.example.org/eclipses-2026",
            "1 week ago",
        ),
    ]
    return ToolReply(
        steps=[Search(query, results)],
        answer=[
            "Here is what I found. ",
            Cited(
                "Never look at the Sun without certified eclipse glasses",
                results[0][1],
                results[0][0],
                "Looking directly at the Sun without certified eye protection is never safe.",
            ),
            ", and ",
            Cited(
                "a total eclipse crosses western Europe in August 2026",
                results[1][1],
                results[1][0],
                "a total eclipse in August will trace a narrow path across western Europe.",
            ),
            ".",
        ],
    )
