"""The default reply: a markdown echo of the last user text, or a fault chosen by `/fault ...`."""

from __future__ import annotations

from typing import Any

from tests.fake_api.client_tools import TOOL_HELP, results_reply_text, tool_command
from tests.fake_api.script import (
    DropConnection,
    ErrorReply,
    MalformedEvent,
    MidStreamError,
    Reply,
    Stall,
    TextReply,
)
from tests.fake_api.server_tools import declared, search_demo

ERROR_TYPES = {
    400: ("invalid_request_error", "messages: text content blocks must be non-empty"),
    401: ("authentication_error", "invalid x-api-key"),
    402: ("billing_error", "Your credit balance is too low to access the Anthropic API."),
    403: (
        "permission_error",
        "Your API key does not have permission to use the specified resource.",
    ),
    404: ("not_found_error", "model: claude-nonexistent"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit."),
    500: ("api_error", "Internal server error"),
    503: ("api_error", "Service unavailable"),
    504: ("timeout_error", "Request timed out"),
    529: ("overloaded_error", "Overloaded"),
}

FAULT_HELP = (
    "Faults: /fault 401 | 429 [seconds] | 529 | 500 | <status> | midstream | drop | malformed | "
    "stall [seconds] | pings [seconds] | refusal | max_tokens | long"
)


def last_user_text(body: dict[str, Any]) -> str:
    """The text of the last user message (text blocks joined)."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") != "user":
            continue
        content = message.get("content", "")
        if isinstance(content, str):
            return content
        texts = [
            b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"
        ]
        return "\n".join(texts)
    return ""


def thinking_display(body: dict[str, Any]) -> str | None:
    """`"summarized"` / `"omitted"` when the request turns thinking on, else None."""
    thinking = body.get("thinking") or {}
    if thinking.get("type") not in ("adaptive", "enabled"):
        return None
    return "summarized" if thinking.get("display") == "summarized" else "omitted"


def echo_text(user_text: str) -> str:
    quoted = user_text.strip() or "(nothing)"
    return (
        f"You said: {quoted}\n\n"
        "## Echo\n\n"
        "Here is what I noticed:\n\n"
        f"- it was {len(user_text)} characters long\n"
        "- it arrived at the fake server\n\n"
        "```python\n"
        f"print({quoted[:60]!r})\n"
        "```\n"
    )


def default_reply(body: dict[str, Any]) -> Reply:
    """The reply when no scripted one is queued."""
    text = last_user_text(body)
    if text.strip().startswith("/fault"):
        return fault_reply(text.strip().split()[1:])
    if (after_tools := results_reply_text(body)) is not None:
        return TextReply(after_tools)
    if text.strip().startswith("/tool"):
        return tool_command(text, body) or TextReply(TOOL_HELP)
    if "web_search" in declared(body):
        return search_demo(text.strip() or "(nothing)")
    display = thinking_display(body)
    thinking = None
    if display == "summarized":
        thinking = "The user sent a message. I will echo it back with a heading, a list and code."
    elif display == "omitted":
        thinking = ""
    return TextReply(echo_text(text), thinking=thinking)


def fault_reply(words: list[str]) -> Reply:
    """The reply for `/fault <words>`; unknown words get a help text."""
    kind = words[0].lower() if words else ""
    arg = words[1] if len(words) > 1 else None
    if kind.isdigit() and int(kind) in ERROR_TYPES:
        error_type, message = ERROR_TYPES[int(kind)]
        return ErrorReply(int(kind), error_type, message, retry_after=arg)
    simple: dict[str, Reply] = {
        "midstream": MidStreamError("This answer will be cut by an overloaded error"),
        "drop": DropConnection("This answer will lose its connection"),
        "malformed": MalformedEvent("This answer ends in an event that is not JSON"),
        "stall": Stall("This answer stalls for a while", seconds=float(arg or 5)),
        "pings": Stall("This answer waits, sending pings", seconds=float(arg or 60), ping_every=5),
        "refusal": TextReply(
            "I can help with part of th",
            stop_reason="refusal",
            stop_details={"type": "refusal", "category": "cyber", "explanation": None},
        ),
        "max_tokens": TextReply(
            "This answer is cut off by the token lim", stop_reason="max_tokens"
        ),
        "long": TextReply(LONG_ANSWER, delta_size=7),
    }
    return simple.get(kind) or TextReply(FAULT_HELP)


LONG_ANSWER = """# A long answer

This answer exercises **markdown** rendering with *several* kinds of blocks, `inline code`,
and [a link](https://example.com).

## Python

```python
from dataclasses import dataclass


@dataclass
class Point:
    x: float
    y: float

    def norm(self) -> float:
        return (self.x**2 + self.y**2) ** 0.5
```

## A table

| Model | Input $/MTok | Output $/MTok |
|---|---:|---:|
| Opus 4.8 | 5.00 | 25.00 |
| Sonnet 4.6 | 3.00 | 15.00 |
| Haiku 4.5 | 1.00 | 5.00 |

## Shell

```bash
for f in *.txt; do
  wc -l "$f"
done
```

> A quotation, with Unicode: naïve café, 東京, emoji 🎉.

1. First step
2. Second step
   - nested item
3. Third step

## JSON

```json
{"name": "claude-desk", "version": "0.1.0", "tags": ["desktop", "qt"]}
```

That is all.
"""
