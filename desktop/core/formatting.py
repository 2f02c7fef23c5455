"""Small text helpers for the views."""

from __future__ import annotations

import time
from collections.abc import Callable

from desktop.core.catalog import ModelSpec
from desktop.core.conversation import Usage
from desktop.core.pricing import cost, format_usd, search_cost, sum_costs


def tokens(n: int) -> str:
    return f"{n:,}"


def usage_line(usage: Usage | None, spec: ModelSpec | None) -> str:
    """Model, tokens and price of one answer: "Claude Opus 4.8 · 1,204 in · 310 out · $0.0138".

    An answer that took more than one request (a tool loop's rounds, a paused server-tool turn
    sent back) says how many; its usage is the sum of theirs."""
    parts: list[str] = []
    if spec is not None:
        parts.append(spec.display_name)
    if usage is not None and usage.extra_requests:
        parts.append(f"{usage.extra_requests + 1} requests")
    if usage is not None and (usage.total_input_tokens or usage.output_tokens):
        parts.append(f"{tokens(usage.total_input_tokens)} in")
        out = f"{tokens(usage.output_tokens)} out"
        if usage.thinking_tokens:
            out += f" ({tokens(usage.thinking_tokens)} thinking)"
        parts.append(out)
        if usage.cache_read_input_tokens:
            parts.append(f"{tokens(usage.cache_read_input_tokens)} read from cache")
        if usage.cache_creation_input_tokens:
            parts.append(f"{tokens(usage.cache_creation_input_tokens)} written to cache")
        if tools := tool_line(usage, spec):
            parts.append(tools)
        if spec is not None:
            price = cost(usage, spec)
            parts.append(format_usd(price.total) if price is not None else "price unknown")
    return " · ".join(parts)


def _counted(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def tool_line(usage: Usage, spec: ModelSpec | None) -> str:
    """The server tools an answer used: "2 searches ($0.02) · 1 fetch"; "" for none.

    Fetches cost only their tokens (already in the input count), so they carry no price.
    """
    parts: list[str] = []
    if searches := usage.web_search_requests:
        text = _counted(searches, "search", "searches")
        fee = search_cost(searches, spec) if spec is not None else None
        text += f" ({format_usd(fee)})" if fee is not None else " (search price unknown)"
        parts.append(text)
    if fetches := usage.web_fetch_requests:
        parts.append(_counted(fetches, "fetch", "fetches"))
    return " · ".join(parts)


def relative_time(timestamp: float, now: float | None = None) -> str:
    now = time.time() if now is None else now
    delta = max(0.0, now - timestamp)
    if delta < 60:
        return "just now"
    if delta < 3600:
        return f"{int(delta // 60)} min ago"
    if delta < 86400:
        return f"{int(delta // 3600)} h ago"
    return time.strftime("%d %b %Y", time.localtime(timestamp))


def countdown(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 90:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def conversation_cost_label(
    usage_by_model: dict[str, Usage], spec_for: Callable[[str], ModelSpec]
) -> tuple[str, str]:
    """A conversation's total ("$0.0123") and its tooltip, each model's usage at its price.

    The total includes web search fees; the tooltip says how much of it they were.
    """
    total = sum_costs(cost(u, spec_for(model)) for model, u in usage_by_model.items())
    tip = "What this conversation has cost so far, at the prices in models.toml"
    searches = sum(u.web_search_requests for u in usage_by_model.values())
    if total.cost.tools:
        fees = format_usd(total.cost.tools)
        tip += f", including {fees} for {_counted(searches, 'web search', 'web searches')}"
    if total.unpriced:
        tip += " (answers from models without a known price are not included)"
    return total.label(), tip + "."
