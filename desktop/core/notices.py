"""What a person is told about how an answer ended (pure text, no widgets)."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.conversation import Message, MessageStatus, Role


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    level: str  # "info" | "warning" | "error"
    can_retry: bool = False
    can_continue: bool = False


def _refusal_text(message: Message) -> str:
    details = message.stop_details or {}
    text = "Claude declined to answer this."
    if message.text:
        text = "Claude stopped and declined to continue this answer."
        text += " The partial text is kept here but will not be sent back to Claude."
    category = details.get("category")
    explanation = details.get("explanation")
    if category:
        text += f" (Category: {str(category).replace('_', ' ')}.)"
    if explanation:
        text += f" {explanation}"
    return text


def notice_for(message: Message) -> Notice | None:
    """The notice under an answer, or None when it simply finished."""
    if message.role is not Role.ASSISTANT:
        return None
    if message.status is MessageStatus.FAILED:
        return Notice(message.error or "The request failed.", "error", can_retry=True)
    if message.status is MessageStatus.STOPPED:
        if message.error:
            return Notice(message.error, "info", can_retry=True)
        if message.text or message.thinking_text:
            return Notice("Stopped — the answer is incomplete.", "info", can_retry=True)
        return Notice("Stopped before Claude answered.", "info", can_retry=True)
    reason = message.stop_reason
    if reason == "max_tokens":
        return Notice(
            "The answer reached the maximum output length and was cut off. "
            "Continue asks Claude to carry on; you can raise the limit in the conversation "
            "settings.",
            "warning",
            can_continue=True,
        )
    if reason == "refusal":
        return Notice(_refusal_text(message), "warning", can_retry=True)
    if reason == "tool_use":
        return Notice(
            "Claude wanted to use another tool, but this answer reached its limit of tool "
            "rounds (Settings › Tools) or the tool is no longer available. Continue lets "
            "Claude carry on from here.",
            "warning",
            can_continue=True,
        )
    if reason == "pause_turn":
        return Notice(
            "Claude paused a long turn with its tools and this answer reached its limit of "
            "rounds (Settings › Tools). Continue lets Claude carry on from here.",
            "info",
            can_continue=True,
        )
    if reason == "model_context_window_exceeded":
        return Notice(
            "The conversation has filled the model's context window, so the answer ended "
            "early. Start a new conversation, or pick a model with a larger context window.",
            "warning",
        )
    return None


def _seconds(seconds: float) -> str:
    return f"{seconds:g} s"


def stall_text(seconds: float) -> str:
    """Said on an answer that has had no data for `seconds` (the API pings while it works)."""
    return f"No data from the API for {_seconds(seconds)} — still waiting."


def stall_timeout_text(seconds: float) -> str:
    """The error of an answer ended after `seconds` without data."""
    return (
        f"No data from the API for {_seconds(seconds)}, so the request was ended. "
        "The partial answer is kept; Retry asks again."
    )
