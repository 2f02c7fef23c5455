"""Small text helpers for the views."""

from __future__ import annotations

import time

from desktop.core.conversation import Usage


def tokens(n: int) -> str:
    return f"{n:,}"


def usage_line(usage: Usage | None, model_name: str | None) -> str:
    parts: list[str] = []
    if model_name:
        parts.append(model_name)
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
