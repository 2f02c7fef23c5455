"""What an `AnswerRun` needs from the app and where it reports: the run knows nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.core.conversation import Message
    from desktop.core.ports import AttachmentStore, ChatBackend
    from desktop.ui.chat.local_tools import LocalToolAccess


@dataclass(frozen=True, slots=True)
class AnswerHooks:
    """What a run needs from the app and where it reports (the controller's signals, mostly)."""

    backend: Callable[[], Awaitable[ChatBackend]]  # waits while the SDK still loads
    blobs: AttachmentStore | None  # stored images and documents are read from here
    text: Callable[[int, str], None]  # message id, text delta(s)
    thinking: Callable[[int, str], None]
    wait: Callable[[int, str, float], None]  # message id, why, seconds ("" and 0: waiting over)
    save: Callable[[Message], None]  # the partial answer, every second
    stalled: Callable[[int, float], None]  # message id, seconds without data (0: data again)
    done: Callable[[Message], None]  # the final state, however the run ended
    tool: Callable[[int, dict[str, Any]], None] | None = None  # a tool block, finished
    local: Callable[[], LocalToolAccess | None] = lambda: None  # the user's MCP tools, if any
