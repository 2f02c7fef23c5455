"""Markdown to QTextDocument-friendly HTML, whole or incrementally while an answer streams.

No Qt here: the output is an HTML string in the subset QTextDocument understands (inline
styles, `cellspacing`/`bgcolor` on tables, `<pre>` for code). Raw HTML in the markdown is
escaped, never passed through. Colours come from the theme's palette (`render.code_theme`);
what is rendered keeps them, so a new theme means rendering again. Fenced code is highlighted
with pygments (inline styles from the palette's syntax colours), sits on its own background
with a bar above (the language, and a Copy button: a `copy-code:N` link, N being the code
block's index within the message) and a thin strip below. Blockquotes are a one-row table
whose first cell is the bar; tables' body rows are striped.

`StreamingMarkdown` splits a growing text into closed blocks (rendered once) and an open tail
(re-rendered on demand), so streaming an answer costs time linear in its length. See
ARCHITECTURE.md, "Performance shape".
"""

from __future__ import annotations

import html
import re
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from pygments import highlight
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from desktop.render import code_theme
from desktop.render.segments import Continuation, LineRun, split_long, widths_of

if TYPE_CHECKING:
    from markdown_it.token import Token
    from pygments.lexer import Lexer

    from desktop.core.palettes import Palette

__all__ = [
    "COMMON_LANGUAGES",
    "RenderedMarkdown",
    "StreamingMarkdown",
    "code_html",
    "fence_html",
    "render_document",
    "render_markdown",
    "warm_up",
]

COMMON_LANGUAGES = (
    "python",
    "javascript",
    "bash",
    "json",
    "rust",
    "go",
    "c",
    "cpp",
    "typescript",
    "html",
    "css",
    "sql",
    "java",
)

# Past this many lines an open fence is streamed into the document line by line (its completed
# lines become closed content) instead of being re-rendered as part of the tail.
FENCE_STREAM_LINES = 40
# Closed code is handed out in pieces of at most this many lines, so one piece renders quickly.
CODE_PIECE_LINES = 24

_MONO = "font-family:'DejaVu Sans Mono','Menlo','Consolas',monospace;"
# Code's left "padding": a space before each line. Qt paints a block's background only from
# where its text starts: margins and text-indent stay uncovered.
_CODE_INDENT = " "
_CODE_PAD = "font-size:4px;"  # a thin full-width strip of the code's background above and below
# A table's lines are its own background showing through 1 px between the cells: it looks
# like collapsed 1 px borders, which Qt paints ~4x slower (4.4 vs 1.1 ms for 20 rows).
_TABLE_OPEN = (
    '<table border="0" cellspacing="1" cellpadding="5" bgcolor="{border}"{width}'
    ' style="margin-top:{top}px; margin-bottom:{bottom}px;">\n'
)
_TABLE_MARGIN = 12  # as a paragraph: Qt lays out a frame by its own margins only
# Qt puts an empty (0 px) block between two tables: a following segment of a long table moves
# up 1 px so that its top line lands on the previous segment's bottom line, pixel for pixel as
# one table.
_TABLE_SEAM = 1


# -- code ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Look:
    """The HTML pieces that carry a palette's colours, made once per palette."""

    pre: str
    code_head: str  # format(label=..., index=...)
    code_foot: str
    inline_code: str
    table_open: str  # format(width=..., top=..., bottom=...)
    cell: str
    zebra: str
    header_cell: str
    quote_open: str


@lru_cache(maxsize=4)
def _look_for(p: Palette) -> _Look:
    pad = (
        '<p style="margin-top:0px; margin-bottom:0px;'
        f' background-color:{p.code_bg}; {_CODE_PAD}">&nbsp;</p>\n'
    )
    button = (
        f'<table cellspacing="0" cellpadding="1" bgcolor="{p.copy_button}"'
        f' style="border:1px solid {p.copy_border};"><tr><td>'
        f'<a href="copy-code:{{index}}" style="color:{p.code_text}; text-decoration:none;'
        ' font-size:small;">&nbsp;Copy&nbsp;</a></td></tr></table>'
    )
    head = (
        f'<table width="100%" cellspacing="0" cellpadding="0" bgcolor="{p.code_header}"'
        ' style="margin-top:10px; margin-bottom:0px;"><tr>'
        '<td style="padding-left:10px; padding-top:4px; padding-bottom:4px;">'
        f'<span style="font-size:small; color:{p.code_label};">{{label}}</span></td>'
        '<td align="right" style="padding-right:6px; padding-top:3px; padding-bottom:3px;">'
        f"{button}</td></tr></table>\n{pad}"
    )
    return _Look(
        pre=(
            f"margin-top:0px; margin-bottom:0px; background-color:{p.code_bg};"
            f" color:{p.code_text}; {_MONO}"
        ),
        code_head=head,
        code_foot=pad.replace("margin-bottom:0px", "margin-bottom:6px"),
        inline_code=f"background-color:{p.inline_code_bg}; {_MONO}",
        table_open=_TABLE_OPEN.replace("{border}", p.table_border),
        cell=p.surface,
        zebra=p.table_zebra,
        header_cell=p.table_header,
        quote_open=(
            '<table width="100%" border="0" cellspacing="0" cellpadding="0"'
            ' style="margin-top:8px; margin-bottom:8px;"><tr>'
            f'<td width="3" bgcolor="{p.quote_bar}"></td>'
            f'<td style="padding-left:12px; color:{p.quote_text};">\n'
        ),
    )


_last: tuple[Palette, _Look] | None = None


def _look() -> _Look:
    """The current palette's look (called per table cell: an identity check, no hashing)."""
    global _last
    palette = code_theme.palette()
    if _last is None or _last[0] is not palette:
        _last = (palette, _look_for(palette))
    return _last[1]


_lexers: dict[str, Lexer | None] = {}


def _lexer(lang: str) -> Lexer | None:
    """A cached pygments lexer for a fence's language name, or None when pygments has none."""
    key = lang.lower()
    if key not in _lexers:
        try:
            _lexers[key] = get_lexer_by_name(key, stripnl=False, ensurenl=False)
        except ClassNotFound:
            _lexers[key] = None
    return _lexers[key]


def _language(info: str) -> str:
    """The language name of a fence's info string ("python title=x.py" -> "python")."""
    words = info.strip().split()
    return words[0].strip("{}.") if words else ""


def code_html(code: str, lang: str) -> str:
    """`code` as a `<pre>`, highlighted when pygments knows `lang`, plain text otherwise."""
    lexer = _lexer(lang) if lang else None
    if lexer is None or not code:
        body = html.escape(code)
    else:
        body = highlight(code, lexer, code_theme.formatter())
        if body.endswith("\n") and not code.endswith("\n"):  # the formatter ends each line
            body = body[:-1]
    # pygments closes its spans at each line's end, so each line starts outside any span.
    body = _CODE_INDENT + body.replace("\n", "\n" + _CODE_INDENT)
    return f'<pre style="{_look().pre}">{body}</pre>\n'


def code_header_html(lang: str, index: int) -> str:
    """The bar above a code block: its language and a Copy button (a `copy-code:N` link)."""
    return _look().code_head.format(label=html.escape(lang or "text"), index=index)


def code_footer_html() -> str:
    """The thin strip of the code's background that ends a fenced block."""
    return _look().code_foot


def fence_html(code: str, lang: str, index: int) -> str:
    """A whole fenced code block: header bar, the highlighted code, the closing strip."""
    return code_header_html(lang, index) + code_html(code, lang) + code_footer_html()


# -- markdown-it -----------------------------------------------------------------------------


def _render_fence(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    code = _strip_final_newline(tokens[idx].content)
    codes: list[str] = env.setdefault("codes", [])
    index = env.get("code_base", 0) + len(codes)
    codes.append(code)
    return fence_html(code, _language(tokens[idx].info), index)


def _render_code_block(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    return code_html(_strip_final_newline(tokens[idx].content), "")


def _render_code_inline(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    return f'<code style="{_look().inline_code}">{html.escape(tokens[idx].content)}</code>'


def _render_table_open(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    meta = tokens[idx].meta
    if "segment" not in meta:  # an ordinary table
        return _look().table_open.format(width="", top=_TABLE_MARGIN, bottom=_TABLE_MARGIN)
    top = _TABLE_MARGIN if meta["segment"] == 0 else -_TABLE_SEAM
    bottom = _TABLE_MARGIN if meta["last"] else 0
    return _look().table_open.format(width=' width="100%"', top=top, bottom=bottom)


def _render_body_open(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    # Body rows are counted per table: a long table's segments have an even number of rows
    # (`TABLE_SEGMENT_ROWS`), so the stripes run on across them.
    env["row"] = -1
    return str(self.renderToken(tokens, idx, options, env))


def _render_row_open(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    env["row"] = env.get("row", -1) + 1
    return str(self.renderToken(tokens, idx, options, env))


def _render_cell_open(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    look = _look()
    if tokens[idx].type == "th_open":
        colour = look.header_cell
    else:
        colour = look.zebra if env.get("row", 0) % 2 else look.cell
    tokens[idx].attrSet("bgcolor", colour)
    return str(self.renderToken(tokens, idx, options, env))


def _render_quote_open(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    return _look().quote_open


def _render_quote_close(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    return "</td></tr></table>\n"


def _render_image(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    # Never let the document load images (remote or local files): show a link instead.
    token = tokens[idx]
    src = html.escape(str(token.attrGet("src") or ""))
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{src}">🖼 {html.escape(alt)}</a>'


def _strip_final_newline(text: str) -> str:
    return text[:-1] if text.endswith("\n") else text


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_code_block)
    md.add_render_rule("code_inline", _render_code_inline)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("th_open", _render_cell_open)
    md.add_render_rule("td_open", _render_cell_open)
    md.add_render_rule("tbody_open", _render_body_open)
    md.add_render_rule("tr_open", _render_row_open)
    md.add_render_rule("blockquote_open", _render_quote_open)
    md.add_render_rule("blockquote_close", _render_quote_close)
    md.add_render_rule("image", _render_image)
    return md


@dataclass(frozen=True)
class RenderedMarkdown:
    """HTML of a text and the code of its fenced blocks, in `copy-code:N` order."""

    html: str
    code_blocks: list[str] = field(default_factory=list)


def render_document(
    text: str,
    first_code_index: int = 0,
    cont: Continuation | None = None,
    references: dict[str, Any] | None = None,
) -> RenderedMarkdown:
    """Render `text`; its fenced blocks are numbered from `first_code_index`.

    Long tables and lists come out as segments (`md_segments`); with `cont`, `text` renders
    as the continuation (or first segment) of a table or list that `cont` describes.
    `references` are link reference definitions found elsewhere in the message.
    """
    env: dict[str, Any] = {"code_base": first_code_index, "codes": []}
    if references:
        env["references"] = dict(references)
    md = _markdown()
    tokens = split_long(md.parse(cont.prefix + text if cont else text, env), cont)
    rendered = md.renderer.render(tokens, md.options, env)
    return RenderedMarkdown(rendered, env["codes"])


def render_markdown(text: str) -> str:
    """HTML for a whole message."""
    return render_document(text).html


def _fenced_code_in(text: str) -> list[str]:
    """The code of the fenced blocks markdown-it finds in `text` (parse only, no render)."""
    tokens = _markdown().parse(text, {})
    return [_strip_final_newline(t.content) for t in tokens if t.type == "fence"]


def warm_up() -> None:
    """Pay the first-use costs (markdown-it ~40 ms, ~20 ms per lexer) while the app is idle."""
    render_markdown("# Warm\n\n- a **b** `c`\n\n| x | y |\n|---|---|\n| 1 | 2 |\n")
    for lang in COMMON_LANGUAGES:
        code_html("x = 1\n", lang)


# -- streaming -------------------------------------------------------------------------------

_FENCE_OPEN = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_FENCE_CLOSE = re.compile(r"^ *(?P<fence>`{3,}|~{3,})[ \t]*$")
# A partial last line that may be becoming a fence: keep it out of the tail until it is whole.
_FENCE_PREFIX = re.compile(r"^ *(?:`{1,2}$|`{3,}|~{3,})")
_DELIMITER = re.compile(r"^ {0,3}[|:-][-|: \t]*$")  # maybe a table's delimiter row
_LIST_LINE = re.compile(r"^(?:[-*+]|\d{1,9}[.)])(?: |$)")  # maybe a top-level list item
# A block longer than this is not parsed to look for a table or list start in it.
RUN_PROBE_LINES = 60


@dataclass
class _Fence:
    """A fenced code block found by the line scanner."""

    index: int
    char: str
    length: int
    indent: int
    lang: str
    lines: list[str] = field(default_factory=list)
    committed: int = 0  # lines already handed out as closed content
    header_done: bool = False

    def closes_at(self, line: str) -> bool:
        match = _FENCE_CLOSE.match(line)
        if match is None:
            return False
        fence = match["fence"]
        return fence[0] == self.char and len(fence) >= self.length

    def dedent(self, line: str) -> str:
        spaces = len(line) - len(line.lstrip(" "))
        return line[min(spaces, self.indent) :]


@dataclass
class _CodePiece:
    """Lines start..end of a fence, ready to render (with the header when `header`)."""

    fence: _Fence
    start: int
    end: int
    header: bool
    size: int = 0  # characters of code, for flush budgets
    footer: bool = False  # the fence ends with this piece

    def render(self) -> str:
        lines = self.fence.lines[self.start : self.end]
        # A piece's blank first line would merge away when appended, and a `<pre>` drops a
        # blank last line: inside a longer block of code such lines are kept as a space.
        if self.start > 0 and lines and not lines[0]:
            lines = [" ", *lines[1:]]
        if self.end < len(self.fence.lines) and lines and not lines[-1]:
            lines = [*lines[:-1], " "]
        code = "\n".join(lines)
        lang = self.fence.lang
        head = code_header_html(lang, self.fence.index) if self.header else ""
        foot = code_footer_html() if self.footer else ""
        return head + (code_html(code, lang) if lines or self.header else "") + foot


@dataclass
class _MarkdownPiece:
    """A closed block of ordinary markdown and the index of its first fenced block."""

    text: str
    code_base: int
    cont: Continuation | None = None  # a segment of a long table or list
    references: dict[str, Any] | None = None  # the message's, as known when it renders

    @property
    def size(self) -> int:
        return len(self.text)

    def render(self) -> str:
        return render_document(self.text, self.code_base, self.cont, self.references).html


# Link reference definitions (`[r]: url`), and uses whose definition may come later:
# `[text][r]`, `[r][]` and `![r]` (a plain `[r]` is too common in prose to wait for).
_REFERENCE_LINE = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)
_LABEL = r"(?:[^\[\]\n\\]|\\.)"
_REFERENCE_USE = re.compile(rf"\[({_LABEL}+)\]\[({_LABEL}*)\]|!\[({_LABEL}+)\](?![\[(])")
HOLD_CHARS = 4000  # at most this much text waits in the tail for a definition


def _references_in(text: str) -> dict[str, Any]:
    """The link reference definitions markdown-it finds in `text`."""
    env: dict[str, Any] = {}
    _markdown().parse(text, env)
    references: dict[str, Any] = env.get("references", {})
    return references


def _awaits_reference(text: str, references: dict[str, Any]) -> bool:
    """Whether `text` uses a reference label that `references` does not define (yet)."""
    if "[" not in text:
        return False
    for match in _REFERENCE_USE.finditer(text):
        label = match[2] or match[1] or match[3]
        if normalizeReference(label) not in references:
            return True
    return False


def _open_fence(line: str, index: int) -> _Fence | None:
    match = _FENCE_OPEN.match(line)
    if match is None:
        return None
    fence, info = match["fence"], match["info"]
    if fence[0] == "`" and "`" in info:
        return None
    return _Fence(index, fence[0], len(fence), len(match["indent"]), _language(info))


class StreamingMarkdown:
    """Incremental markdown for a streaming answer.

    `append` only scans lines (amortised O(len(delta))); rendering happens in `take_closed`
    (each closed block once) and `tail_html` (the open block, cached until text arrives).
    A block closes at a blank line outside a fenced block, or at a closing fence; a fence
    longer than `FENCE_STREAM_LINES` hands out its completed lines as closed content, so the
    tail stays small however long the code is.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._partial: list[str] = []  # the unfinished last line, in pieces
        self._block: list[str] = []  # lines of the open markdown block
        self._fence: _Fence | None = None
        self._run: LineRun | None = None  # a long table or list the open block starts with
        self._pending: deque[_CodePiece | _MarkdownPiece] = deque()
        self._codes: list[str] = []  # code of every fenced block closed so far
        self._tail: str | None = None  # cached tail HTML
        self._finished = False
        # Link reference definitions seen so far, and closed blocks that wait in the tail for
        # a definition further down (rendered alone, they would show `![x][r]` as text).
        self._references: dict[str, Any] = {}
        self._held: list[_MarkdownPiece] = []

    # -- input --------------------------------------------------------------------------------

    def append(self, delta: str) -> None:
        """Add streamed text."""
        if not delta:
            return
        self._parts.append(delta)
        self._finished = False  # more text after finish (a continued answer) reopens
        if "\n" not in delta:
            self._partial.append(delta)
            if not self._hides_partial():
                self._tail = None
            return
        self._tail = None
        lines = delta.split("\n")
        lines[0] = "".join(self._partial) + lines[0]
        self._partial = [lines[-1]] if lines[-1] else []
        for line in lines[:-1]:
            self._on_line(line.removesuffix("\r"))

    def finish(self) -> None:
        """The text is complete: the open tail becomes closed content."""
        if self._partial:
            line = "".join(self._partial)
            self._partial = []
            self._on_line(line)
        if self._fence is not None:
            self._close_fence()
        self._close_block()
        self._release_held()
        self._tail = None
        self._finished = True

    # -- output -------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        """All text appended so far."""
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def code_blocks(self) -> list[str]:
        """The code of every fenced block so far (index = N of `copy-code:N`)."""
        codes = list(self._codes)
        if self._fence is not None:
            codes.append("\n".join(self._fence.lines + self._partial_lines()))
        elif self._block and _has_fence_marker(self._block):
            codes.extend(_fenced_code_in("\n".join(self._block)))
        return codes

    @property
    def has_pending(self) -> bool:
        """Whether closed blocks wait for `take_closed`."""
        return bool(self._pending)

    @property
    def pending_chars(self) -> int:
        """How much markdown waits for `take_closed`."""
        return sum(piece.size for piece in self._pending)

    def take_closed(self, max_chars: int | None = None) -> list[str]:
        """HTML of the blocks that closed since the last call, in order.

        With `max_chars`, stop after the block that brings the markdown taken to that many
        characters (at least one block is taken); the rest waits for the next call.
        """
        pending = self._pending
        if max_chars is None:
            pieces = list(pending)
            pending.clear()
        else:
            pieces, taken = [], 0
            while pending and (not pieces or taken < max_chars):
                pieces.append(pending.popleft())
                taken += pieces[-1].size
        return [piece.render() for piece in pieces]

    def tail_html(self) -> str:
        """HTML of the open tail block ("" when there is none)."""
        if self._tail is None:
            self._tail = self._render_tail()
        return self._tail

    # -- scanning -----------------------------------------------------------------------------

    def _on_line(self, line: str) -> None:
        fence = self._fence
        if fence is not None:
            if fence.closes_at(line):
                self._close_fence()
                return
            fence.lines.append(fence.dedent(line))
            if fence.header_done or len(fence.lines) > FENCE_STREAM_LINES:
                self._commit_fence_lines(fence)
            return
        if not line.strip():
            self._close_block()
            return
        opened = _open_fence(line, len(self._codes))
        if opened is None:
            self._add_line(line)
            return
        self._close_block()
        self._release_held()  # code pieces queue directly: what waits goes first
        self._fence = opened

    def _add_line(self, line: str) -> None:
        """A line of the open block; whole segments of a long table or list close at once."""
        run = self._run
        if run is None:
            self._block.append(line)
            self._start_run()
        elif run.add(line):  # run.lines is self._block
            if run.kind == "table" and not run.widths:  # from the same rows as a whole render
                run.widths = widths_of(_markdown().parse("\n".join(run.lines), {}))
            while run.ready():
                self._emit(*run.take_segment())

    def _start_run(self) -> None:
        """Start a `LineRun` if the block's last line starts a top-level table or list.

        markdown-it decides (parsing the block, still short at that point); what came before
        in the block closes as it is, since a table or list ends the paragraph before it.
        """
        block = self._block
        if len(block) > RUN_PROBE_LINES:
            return
        line = block[-1]
        if len(block) >= 2 and _DELIMITER.match(line) and "|" in block[-2]:
            first = len(block) - 2
            if _top_level_open(block, first, ("table_open",)) is None:
                return
            run: LineRun | None = LineRun.table(block[-2], line)
        elif _LIST_LINE.match(line):
            first = len(block) - 1
            opened = _top_level_open(block, first, ("bullet_list_open", "ordered_list_open"))
            if opened is None:
                return
            run = LineRun.list(line, int(opened.attrGet("start") or 1))
        else:
            return
        if run is None:
            return
        if first:
            self._emit("\n".join(block[:first]), None)
        self._run = run
        self._block = run.lines

    def _close_block(self) -> None:
        run, self._run = self._run, None
        if not self._block:
            return
        text = "\n".join(self._block)
        self._block = []
        self._emit(text, run.continuation(more=False) if run is not None else None)

    def _emit(self, text: str, cont: Continuation | None) -> None:
        """Queue `text` as a closed piece of ordinary markdown (or hold it, see `_hold`)."""
        self._learn_references(text)
        piece = _MarkdownPiece(text, len(self._codes), cont, self._references)
        if self._hold(piece):
            self._held.append(piece)
        else:
            self._release_held()
            self._pending.append(piece)
        if "```" in text or "~~~" in text:  # fences inside quotes or list items
            self._codes.extend(_fenced_code_in(text))

    def _learn_references(self, text: str) -> None:
        """Add the link reference definitions in `text` (the first one of a label wins)."""
        if not _REFERENCE_LINE.search(text):
            return
        for label, definition in _references_in(text).items():
            self._references.setdefault(label, definition)
        if self._held and not any(
            _awaits_reference(held.text, self._references) for held in self._held
        ):
            self._release_held()

    def _hold(self, piece: _MarkdownPiece) -> bool:
        """Whether `piece` waits in the tail: it (or a piece before it) uses a reference not
        defined yet, and what waits stays small."""
        waiting = self._held or _awaits_reference(piece.text, self._references)
        return bool(waiting) and sum(h.size for h in self._held) + piece.size <= HOLD_CHARS

    def _release_held(self) -> None:
        """Queue the held pieces, in order (the definitions they wait for came, or never will)."""
        self._pending.extend(self._held)
        self._held = []

    def _close_fence(self) -> None:
        fence = self._fence
        assert fence is not None
        self._fence = None
        if not fence.header_done:  # a short fence: one piece, rendered as in a full render
            size = sum(len(line) + 1 for line in fence.lines)
            self._pending.append(_CodePiece(fence, 0, len(fence.lines), True, size, footer=True))
        else:
            if fence.committed < len(fence.lines):
                self._commit_fence_lines(fence)
            last = self._pending[-1] if self._pending else None
            if not (isinstance(last, _CodePiece) and last.fence is fence):
                last = _CodePiece(fence, fence.committed, fence.committed, False)
                self._pending.append(last)
            last.footer = True
        self._codes.append("\n".join(fence.lines))

    def _commit_fence_lines(self, fence: _Fence) -> None:
        """Hand out the fence's uncommitted lines (and its header, the first time).

        Lines join the last pending piece of the same fence while it has room, so a flush
        renders a few pieces of at most `CODE_PIECE_LINES` lines rather than one per line.
        """
        while fence.committed < len(fence.lines) or not fence.header_done:
            last = self._pending[-1] if self._pending else None
            if not (
                isinstance(last, _CodePiece)
                and last.fence is fence
                and last.end == fence.committed
                and last.end - last.start < CODE_PIECE_LINES
            ):
                last = _CodePiece(fence, fence.committed, fence.committed, not fence.header_done)
                self._pending.append(last)
                fence.header_done = True
            end = min(len(fence.lines), last.start + CODE_PIECE_LINES)
            last.size += sum(len(line) + 1 for line in fence.lines[last.end : end])
            last.end = fence.committed = end

    # -- tail ---------------------------------------------------------------------------------

    def _hides_partial(self) -> bool:
        """Whether the tail leaves the unfinished last line out (a streaming table's next row).

        The table then changes only when a row is whole: fewer, cheaper updates.
        """
        run = self._run
        if run is None or self._fence is not None or not self._partial:
            return False
        head, pieces = "", iter(self._partial)
        while len(head) < 8:  # enough to tell a row; never the whole of a long line
            head += next(pieces, "\n")
        return run.hides(head)

    def _partial_lines(self) -> list[str]:
        return ["".join(self._partial)] if self._partial else []

    def _render_tail(self) -> str:
        fence = self._fence
        partial = "".join(self._partial)
        if fence is not None:
            lines = fence.lines[fence.committed :]
            # A partial line that could still become the closing fence is left out.
            if partial and not fence.closes_at(partial + fence.char * fence.length):
                lines = [*lines, fence.dedent(partial)]
            head = "" if fence.header_done else code_header_html(fence.lang, fence.index)
            return head + (code_html("\n".join(lines), fence.lang) if lines else "")
        lines = self._block
        if partial and not _FENCE_PREFIX.match(partial) and not self._hides_partial():
            lines = [*lines, partial]
        text = "\n".join(lines)
        references = self._references
        if self._held and _REFERENCE_LINE.search(text):  # a definition still being written
            references = {**_references_in(text), **references}
        held = "".join(
            render_document(p.text, p.code_base, p.cont, references).html for p in self._held
        )
        if not lines:
            return held
        cont = self._run.continuation(more=False) if self._run is not None else None
        return held + render_document(text, len(self._codes), cont, references).html


def _top_level_open(lines: list[str], first: int, types: tuple[str, ...]) -> Token | None:
    """The top-level token of one of `types` that markdown-it opens at line `first` of `lines`."""
    for token in _markdown().parse("\n".join(lines), {}):
        if token.level == 0 and token.map is not None and token.map[0] >= first:
            return token if token.map[0] == first and token.type in types else None
    return None


def _has_fence_marker(lines: list[str]) -> bool:
    return any("```" in line or "~~~" in line for line in lines)
