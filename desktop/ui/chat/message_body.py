"""The body of one message: markdown in a read-only QTextBrowser that grows with its text.

A page of history is filled piece by piece (`begin_pieces`, `append_piece`, `append_plain`, driven
by `ui/chat_fill.py`); `set_markdown` renders a whole text at once (thinking summaries, answers
added whole). A streaming answer uses `append_text`: the text
goes to a `StreamingMarkdown`, and at most every 33 ms a flush appends the blocks that closed
since the last flush (rendered once) and replaces the open tail block. A flush renders and
inserts closed blocks for at most `FLUSH_BUDGET_S` and comes back on the next loop turn for
the rest, so a burst of text (the SDK can hand over a 64 KiB read at once) never holds a frame.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QObject, QSize, QSizeF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QGuiApplication,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextOption,
    QTextTable,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QTextEdit, QWidget

from desktop.render.markdown import StreamingMarkdown, render_document
from desktop.ui.common.theme_state import theme_signals

FLUSH_INTERVAL_MS = 33
# Render and insert closed blocks for about this long per flush (laying them out and painting
# them follows, a few ms more).
FLUSH_BUDGET_S = 0.0025
# finish() renders a backlog up to this size at once (about one flush's worth).
FINISH_AT_ONCE_CHARS = 1000
COPY_SCHEME = "copy-code"
_LEAD = "<p>\u200b</p>"  # see MessageBody._append_html
_OPENABLE_SCHEMES = frozenset({"http", "https", "mailto"})


class MessageBody(QTextBrowser):
    """One message's markdown; no scrollbars of its own, its height follows the document."""

    code_copied = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup_view()
        self._text = ""  # raw markdown when not streaming
        self._codes: list[str] = []
        self._stream: StreamingMarkdown | None = None
        self._tail_start = 0  # where the open tail begins in the document
        self._tail_shown = ""  # the tail HTML now in the document
        self._height = 0
        self._markdown: bool | None = None  # what the body shows (None: nothing yet)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush)
        self.document().documentLayout().documentSizeChanged.connect(self._on_layout_size_changed)
        self.anchorClicked.connect(self._on_anchor_clicked)
        _ThemeFollower(self)

    def _setup_view(self) -> None:
        self.setReadOnly(True)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, Qt.GlobalColor.transparent)
        self.setPalette(palette)
        self.viewport().setAutoFillBackground(False)
        # Growing at the bottom repaints only the new strip (and the text that changed).
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.document().setDocumentMargin(2)
        self.document().setUndoRedoEnabled(False)  # read-only: no need to keep every insert
        self.setFixedHeight(self._height_for(self.document().size()))

    # -- content ------------------------------------------------------------------------------

    def set_markdown(self, text: str) -> None:
        """Show a whole message (history): one full render."""
        self._reset(text)
        self._markdown = True
        rendered = render_document(text)
        self._codes = rendered.code_blocks
        self.setHtml(rendered.html.rstrip("\n"))
        if TABLE_TAG in rendered.html:
            _tidy_around_tables(self.document(), 0)

    def begin_pieces(self, text: str, code_blocks: list[str]) -> None:
        """Show a finished message piece by piece: empty now, then `append_piece` each piece
        of its rendering (`StreamingMarkdown.take_closed`), or `append_plain` for text shown
        as typed."""
        self._reset(text)
        self.clear()
        self._codes = code_blocks

    def append_piece(self, html: str) -> None:
        """Append one piece of HTML (see `begin_pieces`)."""
        if self._stream is not None:  # rendered again whole for a new theme meanwhile
            return
        self._markdown = True
        start = self.document().characterCount() - 1
        self._append_html(QTextCursor(self.document()), html)
        if TABLE_TAG in html:
            _tidy_around_tables(self.document(), start)

    def append_plain(self, text: str) -> None:
        """Append text as typed (see `begin_pieces`)."""
        if self._stream is not None:
            return
        self._markdown = False
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)

    def set_plain_text(self, text: str) -> None:
        """Show text as typed (a person's own message), no markdown."""
        self._reset(text)
        self._markdown = False
        self.setPlainText(text)

    def append_text(self, delta: str) -> None:
        """Add streamed markdown; the view catches up within 33 ms."""
        if self._stream is None:
            self._reset("")
            self.clear()
            self._stream = StreamingMarkdown()
            self._markdown = True
        self._stream.append(delta)
        if not self._flush_timer.isActive():
            self._flush_timer.start(FLUSH_INTERVAL_MS)

    def finish(self) -> None:
        """The stream ended: the last block becomes closed and is rendered now.

        A backlog larger than one flush's budget (a burst that arrived just before the end)
        is rendered over the next loop turns; `flush_all` renders it at once.
        """
        if self._stream is None:
            return
        self._stream.finish()
        if self._stream.pending_chars <= FINISH_AT_ONCE_CHARS:
            self.flush_all()
        else:
            self._flush_timer.stop()
            self.flush()

    def flush_all(self) -> None:
        """Render everything streamed so far at once, whatever it costs."""
        if self._stream is None:
            return
        self._flush_timer.stop()
        self._flush_once(None)

    def markdown_text(self) -> str:
        """The raw markdown of the message (for "copy as markdown")."""
        return self._stream.text if self._stream is not None else self._text

    def code_block(self, index: int) -> str:
        """The text of fenced code block `index` ("" when there is none)."""
        codes = self._stream.code_blocks if self._stream is not None else self._codes
        return codes[index] if 0 <= index < len(codes) else ""

    @property
    def streaming(self) -> bool:
        """Whether a stream is open (append_text called, finish not yet)."""
        return self._stream is not None and not self._stream.finished

    @property
    def up_to_date(self) -> bool:
        """Whether the document shows all text appended so far."""
        stream = self._stream
        if stream is None:
            return True
        return not stream.has_pending and stream.tail_html() == self._tail_shown

    def _reset(self, text: str) -> None:
        self._markdown = None
        self._flush_timer.stop()
        self._stream = None
        self._text = text
        self._codes = []
        self._tail_start = 0
        self._tail_shown = ""

    # -- streaming flush ----------------------------------------------------------------------

    def flush(self) -> None:
        """Bring the document up to date with the stream, within a frame's budget."""
        if self._stream is None:
            return
        self._flush_once(FLUSH_BUDGET_S)
        if self._stream.has_pending:
            self._flush_timer.start(0)  # the rest on the next loop turn

    def _flush_once(self, budget_s: float | None) -> None:
        """Append closed blocks (all, or until `budget_s` has passed) and the fresh tail."""
        stream = self._stream
        assert stream is not None
        if not stream.has_pending and stream.tail_html() == self._tail_shown:
            return
        clock = time.perf_counter
        deadline = None if budget_s is None else clock() + budget_s
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        self._remove_tail(cursor)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        start = cursor.position()
        tables = False
        while stream.has_pending:  # one block at a time: rendering and inserting it count
            for html in stream.take_closed(max_chars=None if deadline is None else 1):
                self._append_html(cursor, html)
                tables = tables or TABLE_TAG in html
            if deadline is not None and clock() >= deadline:
                break
        tail = "" if stream.has_pending else stream.tail_html()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self._tail_start = cursor.position()
        if tail:
            self._append_html(cursor, tail)
        self._tail_shown = tail
        cursor.endEditBlock()
        if tables or TABLE_TAG in tail:  # Qt knows the new tables only now
            # A block tidied away before the tail (after a code block's header bar, say)
            # moves the tail: a cursor there moves with it.
            tail_start = QTextCursor(self.document())
            tail_start.setPosition(self._tail_start)
            _tidy_around_tables(self.document(), start)
            self._tail_start = tail_start.position()

    def _remove_tail(self, cursor: QTextCursor) -> None:
        if not self._tail_shown:
            return
        cursor.setPosition(self._tail_start)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        if cursor.block().length() == 1:  # an empty block may keep the tail's formats
            _reset_block(cursor)

    def _append_html(self, cursor: QTextCursor, html: str) -> None:
        """Insert `html` as new blocks at the end, keeping every block's own format.

        Qt applies the format of an HTML fragment's first block only at position 0; elsewhere
        that block merges into the block at the cursor. So the fragment starts with a
        throwaway paragraph (one zero-width space) that merges instead, and is then deleted,
        together with the empty block it leaves after a table or a removed tail.
        """
        cursor.movePosition(QTextCursor.MoveOperation.End)
        start = cursor.position()
        cursor.insertHtml(_LEAD + html.rstrip("\n"))
        end = cursor.position()
        cursor.setPosition(start)
        cursor.deleteChar()  # the zero-width space
        if cursor.block().length() == 1 and cursor.position() < end - 1:
            cursor.deleteChar()  # the empty block; the next block keeps its own format
        cursor.movePosition(QTextCursor.MoveOperation.End)

    # -- size ---------------------------------------------------------------------------------

    def _height_for(self, size: QSizeF) -> int:
        margins = self.contentsMargins()
        return math.ceil(size.height()) + margins.top() + margins.bottom()

    def _on_layout_size_changed(self, size: QSizeF) -> None:
        height = self._height_for(size)
        if height != self._height:
            self._height = height
            self.setFixedHeight(height)
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._height)

    def minimumSizeHint(self) -> QSize:
        return QSize(40, self._height)

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # never scrolls itself: the chat around it does

    # -- links --------------------------------------------------------------------------------

    def _on_anchor_clicked(self, url: QUrl) -> None:
        """A code block's copy link copies that block; web and mail links open outside."""
        if url.scheme() == COPY_SCHEME:
            codes = self._stream.code_blocks if self._stream is not None else self._codes
            index = _code_index(url.path(), len(codes))
            if index is not None:
                QGuiApplication.clipboard().setText(codes[index])
                self.code_copied.emit(index)
        elif url.scheme().lower() in _OPENABLE_SCHEMES:
            QDesktopServices.openUrl(url)


def _code_index(number: str, count: int) -> int | None:
    """The code block a copy link's `number` names, when there are that many blocks."""
    if not number.isdigit():
        return None
    index = int(number)
    return index if index < count else None


class _ThemeFollower(QObject):
    """Renders its body again when the theme changes (the HTML keeps the old colours)."""

    def __init__(self, body: MessageBody) -> None:
        super().__init__(body)
        self._body = body
        theme_signals().changed.connect(self._on_theme_changed)

    def _on_theme_changed(self, _palette: object) -> None:
        render_again(self._body)


def render_again(body: MessageBody) -> None:
    """Render `body`'s markdown again in the theme's colours now (plain text follows the
    palette by itself). It goes the streaming way: closed blocks a few at a time."""
    if not body._markdown:
        return
    stream = body._stream
    text = stream.text if stream is not None else body._text
    finished = stream is None or stream.finished
    body._stream = None
    if not text:
        return
    body.append_text(text)
    if finished:
        body.finish()


TABLE_TAG = "<table"  # pieces without one leave the blocks around tables as they were


def _tidy_around_tables(document: QTextDocument, start: int) -> None:
    """Make the blocks around tables from `start` on the same however the HTML went in.

    Qt's HTML import leaves an empty block after a table; it showed as an empty line (~14 px)
    in a one-shot render but not where the next block was appended on its own (streaming,
    history pieces). It is deleted unless the table ends the document (Qt needs a block there;
    the next piece's lead merges into it) or another table follows. An empty block before a
    table (a message that starts with one) gets plain formats, as a one-shot render gives it.
    Call it outside an edit block: Qt lists the tables inserted in one only when it ends.
    """
    frames = document.rootFrame().childFrames()
    for frame in reversed(frames):  # from the end: earlier positions stay valid
        if frame.lastPosition() < start:
            break
        if not isinstance(frame, QTextTable):
            continue
        after = document.findBlock(frame.lastPosition() + 1)
        following = after.next()
        if (
            after.length() == 1
            and following.isValid()
            and QTextCursor(following).currentTable() is None
        ):
            QTextCursor(after).deleteChar()  # the next block keeps its own format
        before = document.findBlock(frame.firstPosition() - 1)
        if before.length() == 1 and before.textList() is None:
            QTextCursor(before).setBlockFormat(QTextBlockFormat())


def _reset_block(cursor: QTextCursor) -> None:
    """Give the cursor's block plain formats and take it out of any list."""
    cursor.setBlockFormat(QTextBlockFormat())
    cursor.setBlockCharFormat(QTextCharFormat())
    cursor.setCharFormat(QTextCharFormat())
    text_list = cursor.block().textList()
    if text_list is not None:
        text_list.remove(cursor.block())
