"""The app's preferences: defaults for new conversations, the send key, the window's place.

Plain data with a tolerant JSON shape: a missing or odd value falls back to its default, so a
file written by another version never stops the app. Never holds the API key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from desktop.core.conversation import ConversationSettings
from desktop.core.local_tools import ToolLimits

FORMAT_VERSION = 1

# What Settings › Tools lets a person choose for the tool loop (inclusive ranges).
ROUNDS_RANGE = (1, 100)
TIMEOUT_RANGE = (1, 3600)  # seconds
RESULT_RANGE = (1_000, 10_000_000)  # characters


class SendKey(StrEnum):
    """Which key sends the message; the other way of pressing Enter adds a line."""

    ENTER = "enter"  # Enter sends, Shift+Enter adds a line
    CTRL_ENTER = "ctrl+enter"  # Ctrl+Enter sends, Enter adds a line

    @property
    def hint(self) -> str:
        """How to send and how to add a line, as the composer's placeholder says it."""
        if self is SendKey.CTRL_ENTER:
            return "Ctrl+Enter to send, Enter for a new line"
        return "Enter to send, Shift+Enter for a new line"


@dataclass(slots=True)
class WindowState:
    """Where the main window was: Qt's saved geometry (base64) and the splitter's part sizes
    by the parts' names (the splitter gains side panels after the first paint, so sizes are
    kept per part, not per position)."""

    geometry: str = ""
    splitter: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"geometry": self.geometry, "splitter": dict(self.splitter)}

    @classmethod
    def from_dict(cls, data: object) -> WindowState:
        if not isinstance(data, dict):
            return cls()
        geometry = data.get("geometry")
        sizes = data.get("splitter")
        sizes = sizes if isinstance(sizes, dict) else {}
        return cls(
            geometry=geometry if isinstance(geometry, str) else "",
            splitter={
                str(k): v
                for k, v in sizes.items()
                if isinstance(v, int) and not isinstance(v, bool) and v > 0
            },
        )


@dataclass(slots=True)
class Preferences:
    """What Settings › Preferences sets, and the window's place."""

    defaults: ConversationSettings
    send_key: SendKey = SendKey.ENTER
    window: WindowState = field(default_factory=WindowState)
    tool_limits: ToolLimits = field(default_factory=ToolLimits)  # the chat's tool loop reads it

    @classmethod
    def initial(cls, default_model: str) -> Preferences:
        """Preferences before the person set any: the catalog's default model."""
        return cls(ConversationSettings(model=default_model))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "new_conversation": self.defaults.to_dict(),
            "send_key": self.send_key.value,
            "window": self.window.to_dict(),
            "tool_limits": limits_to_dict(self.tool_limits),
        }

    @classmethod
    def from_dict(cls, data: object, default_model: str) -> Preferences:
        """Preferences from `data` (parsed JSON); anything missing or odd takes its default."""
        if not isinstance(data, dict):
            return cls.initial(default_model)
        defaults = data.get("new_conversation")
        if isinstance(defaults, dict):
            settings = ConversationSettings.from_dict(defaults)
            if not isinstance(defaults.get("model"), str) or not defaults["model"].strip():
                settings.model = default_model
        else:
            settings = ConversationSettings(model=default_model)
        try:
            send_key = SendKey(data.get("send_key", SendKey.ENTER.value))
        except ValueError:
            send_key = SendKey.ENTER
        window = WindowState.from_dict(data.get("window"))
        return cls(settings, send_key, window, limits_from_dict(data.get("tool_limits")))

    def copy(self) -> Preferences:
        window = WindowState(self.window.geometry, dict(self.window.splitter))
        limits = copy_limits(self.tool_limits)
        return Preferences(self.defaults.copy(), self.send_key, window, limits)


def limits_to_dict(limits: ToolLimits) -> dict[str, Any]:
    return {
        "max_rounds": limits.max_rounds,
        "call_timeout_s": limits.call_timeout_s,
        "max_result_chars": limits.max_result_chars,
    }


def limits_from_dict(data: object) -> ToolLimits:
    """Tool limits from JSON; a missing or odd value takes its default, one out of range the
    nearest allowed value."""
    default = ToolLimits()
    if not isinstance(data, dict):
        return default
    return ToolLimits(
        max_rounds=int(_number(data.get("max_rounds"), default.max_rounds, ROUNDS_RANGE)),
        call_timeout_s=_number(data.get("call_timeout_s"), default.call_timeout_s, TIMEOUT_RANGE),
        max_result_chars=int(
            _number(data.get("max_result_chars"), default.max_result_chars, RESULT_RANGE)
        ),
    )


def copy_limits(limits: ToolLimits) -> ToolLimits:
    return ToolLimits(limits.max_rounds, limits.call_timeout_s, limits.max_result_chars)


def _number(value: object, default: float, bounds: tuple[int, int]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return default
    return float(min(max(value, bounds[0]), bounds[1]))
