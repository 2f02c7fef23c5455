"""What Claude did with server tools, above an answer's text: one row per tool call.

While the answer streams, a `server_tool_use` shows what Claude is doing ("Searching: …",
"Reading: …", "Running code: …"); its result turns the row into a collapsed summary that opens
to the sources of a search, the fetched page's title and address, or the code's stdout, stderr
and return code. Kept out of the markdown body (and off its streaming path): each answer that
used tools gets one small `ToolActivity` frame, attached by `show_tool_block(s)`.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QBoxLayout, QFrame, QLabel, QToolButton, QVBoxLayout, QWidget

from desktop.core.local_tools import call_text, outcome_line, result_text
from desktop.render.citations import answer_markdown, has_citations
from desktop.ui.common.restyle import repolish

if TYPE_CHECKING:
    from desktop.ui.chat.message_widget import MessageWidget

Block = dict[str, Any]
OUTPUT_CHARS = 4000  # longer stdout / stderr is cut (with a note) in the row

_RESULT_TYPES = frozenset(
    {
        "web_search_tool_result",
        "web_fetch_tool_result",
        "bash_code_execution_tool_result",
        "code_execution_tool_result",
        "text_editor_code_execution_tool_result",
    }
)


_CALL_TYPES = frozenset({"server_tool_use", "tool_use"})  # Anthropic's tools; the user's own


def is_tool_block(block: Block) -> bool:
    kind = block.get("type")
    return kind in _CALL_TYPES or kind in _RESULT_TYPES or kind == "tool_result"


def doing_text(use: Block) -> str:
    """What a `server_tool_use` (or a local `tool_use`) is doing, in words."""
    if use.get("type") == "tool_use":
        return call_text(use)
    name = str(use.get("name") or "")
    raw = use.get("input")
    args: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if name == "web_search":
        return f"Searching: {args.get('query', '')}"
    if name == "web_fetch":
        return f"Reading: {args.get('url', '')}"
    command = args.get("command") or args.get("code") or ""
    first = str(command).strip().splitlines()[0] if str(command).strip() else ""
    return f"Running code: {first}" if first else "Running code"


def _link(url: str, title: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(title or url)}</a>'


def _error_of(content: Any) -> str | None:
    if isinstance(content, dict) and "error_code" in content:
        return f"failed: {content.get('error_code')}"
    return None


def result_summary(use: Block | None, result: Block) -> tuple[str, str]:
    """(the collapsed line, the rich text shown when opened) for a result block."""
    if result.get("type") == "tool_result":
        return outcome_line(use, result), _local_html(use, result)
    content = result.get("content")
    kind = result.get("type")
    what = doing_text(use) if use else "Tool"
    done = what.replace("Searching:", "Searched:").replace("Reading:", "Read:")
    done = done.replace("Running code", "Ran code")
    if (error := _error_of(content)) is not None:
        return f"{done} — {error}", ""
    if kind == "web_search_tool_result" and isinstance(content, list):
        items = [
            f"<li>{_link(str(r.get('url', '')), str(r.get('title', '')))}"
            + (f" <span>· {html.escape(str(r['page_age']))}</span>" if r.get("page_age") else "")
            + "</li>"
            for r in content
            if isinstance(r, dict)
        ]
        noun = "source" if len(items) == 1 else "sources"
        return f"{done} — {len(items)} {noun}", "<ol>" + "".join(items) + "</ol>"
    if kind == "web_fetch_tool_result" and isinstance(content, dict):
        url = str(content.get("url") or "")
        inner = content.get("content")
        document: dict[str, Any] = inner if isinstance(inner, dict) else {}
        title = str(document.get("title") or url)
        return f"{done} — {title}", _link(url, title) + f"<br>{html.escape(url)}"
    if isinstance(content, dict):
        return f"{done} — return code {content.get('return_code', '?')}", _output_html(content)
    return done, ""


def _clip(text: str) -> str:
    if len(text) <= OUTPUT_CHARS:
        return text
    return text[:OUTPUT_CHARS] + f"\n… ({len(text) - OUTPUT_CHARS:,} more characters)"


def _local_html(use: Block | None, result: Block) -> str:
    """A local tool call opened: its arguments (JSON) and its result's text."""
    arguments = json.dumps((use or {}).get("input") or {}, indent=2, ensure_ascii=False)
    label = "error" if result.get("is_error") else "result"
    return (
        f"<b>arguments</b><pre>{html.escape(_clip(arguments))}</pre>"
        f"<b>{label}</b><pre>{html.escape(_clip(result_text(result)))}</pre>"
    )


def _output_html(content: Block) -> str:
    parts = []
    for name in ("stdout", "stderr"):
        text = str(content.get(name) or "")
        if text:
            parts.append(f"<b>{name}</b><pre>{html.escape(_clip(text))}</pre>")
    parts.append(f"<b>return code</b> {html.escape(str(content.get('return_code', '?')))}")
    return "".join(parts)


class ToolRow(QFrame):
    """One tool call: what it is doing, then a collapsed summary of its result."""

    def __init__(self, use: Block, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tool_row")
        self.use = use
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.toggle = QToolButton(self)
        self.toggle.setObjectName("tool_toggle")
        self.toggle.setText(doing_text(use) + " …")
        self.toggle.setCheckable(True)
        self.toggle.setEnabled(False)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self._on_toggle_toggled)
        self.details = QLabel(self)
        self.details.setObjectName("tool_details")
        self.details.setWordWrap(True)
        self.details.setOpenExternalLinks(True)
        self.details.setTextInteractionFlags(self.details.textInteractionFlags())
        self.details.setVisible(False)
        layout.addWidget(self.toggle)
        layout.addWidget(self.details)

    def set_result(self, result: Block) -> None:
        line, details = result_summary(self.use, result)
        if result.get("is_error"):
            self.toggle.setProperty("error", True)
            repolish(self.toggle)
        self.toggle.setText(("▸ " if details else "") + line)
        self.toggle.setAccessibleName(line)
        self.details.setText(details)
        self.toggle.setEnabled(bool(details))

    def _on_toggle_toggled(self, shown: bool) -> None:
        self.details.setVisible(shown)
        text = self.toggle.text()
        self.toggle.setText(("▾ " if shown else "▸ ") + text[2:])


class ToolActivity(QFrame):
    """The tool rows of one answer, by tool use id."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tool_activity")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 8, 4)
        self._layout.setSpacing(2)
        self.rows: dict[str, ToolRow] = {}

    def add_block(self, block: Block) -> None:
        """A `server_tool_use` adds a row; a result settles the row of its `tool_use_id`."""
        if block.get("type") in _CALL_TYPES:
            key = str(block.get("id") or len(self.rows))
            if key not in self.rows:
                self.rows[key] = row = ToolRow(block, self)
                self._layout.addWidget(row)
            return
        key = str(block.get("tool_use_id") or len(self.rows))
        found = self.rows.get(key)
        if found is None:  # a result without its call: show it on its own
            self.rows[key] = found = ToolRow({"name": "", "input": {}}, self)
            self._layout.addWidget(found)
        found.set_result(block)


def tool_activity(widget: MessageWidget) -> ToolActivity | None:
    return widget.findChild(ToolActivity, "tool_activity")


def show_tool_block(widget: MessageWidget, block: Block) -> None:
    """Show one tool block on the answer `widget` (the frame is made above the body)."""
    if not is_tool_block(block):
        return
    frame = tool_activity(widget)
    if frame is None:
        frame = ToolActivity(widget)
        layout = widget.layout()
        assert isinstance(layout, QBoxLayout)
        layout.insertWidget(layout.indexOf(widget.body), frame)
    frame.add_block(block)


def settle_answer(widget: MessageWidget, cited_again: bool) -> None:
    """Every tool block of the answer `widget` shows (nothing is made for an answer without
    tools); with `cited_again`, a finished answer that cites is rendered again with its
    numbered markers (the streamed text had none), as it looks when reopened."""
    message = widget.message
    if message.role != "assistant":
        return
    for block in message.content:
        if is_tool_block(block):
            show_tool_block(widget, block)
    if cited_again and not widget.body.streaming and has_citations(message.content):
        widget.body.set_markdown(answer_markdown(message.content, message.text))
