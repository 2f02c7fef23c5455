"""Long tables and lists rendered as segments, the same way whole and while streaming.

No Qt here. A top-level table with more than `LONG_TABLE_ROWS` body rows is rendered as
several tables of `TABLE_SEGMENT_ROWS` rows, each `width="100%"` with the same column widths
(in percent, from the header and the first `LONG_TABLE_ROWS + 1` rows), the header only in
the first; the renderer moves each following segment up 1 px, so that its top line lies on
the previous segment's bottom line and the segments draw as one table. Shorter tables (the
usual ones) are left alone: Qt sizes their columns to the content and renders one in a few
ms. A top-level list with more than `LIST_SEGMENT_ITEMS` items is rendered as several lists
of that many items, numbered on (`start`), no margin where they meet.

Both the whole-message render and the streaming splitter go through `split_long`, so a
streamed answer ends up with exactly the HTML of a one-shot render, while a stream only ever
re-renders the segment that is still growing (Qt takes ~0.3 ms a row to import and lay out a
table, as much again to paint it: a 1,500-row table re-rendered at every flush would take
most of a second). `LineRun` is the streaming side: it watches the lines of the open block
and says when a whole segment can be frozen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from markdown_it.token import Token

__all__ = [
    "LIST_SEGMENT_ITEMS",
    "LONG_TABLE_ROWS",
    "TABLE_SEGMENT_ROWS",
    "Continuation",
    "LineRun",
    "split_long",
    "table_widths",
    "widths_of",
]

# A table with more body rows than this is segmented. Up to it, rendering, laying out and
# painting the whole table again (as a stream does for each new row) stays within a frame:
# ~10 ms for 30 rows, ~21 ms for 60.
LONG_TABLE_ROWS = 30
TABLE_SEGMENT_ROWS = 10
LIST_SEGMENT_ITEMS = 20
_MIN_WEIGHT, _MAX_WEIGHT = 3, 40  # characters a column's width is weighed by


@dataclass(frozen=True)
class Continuation:
    """How a piece of text continues (or starts) a segmented table or list.

    Attributes:
        kind: "table" or "list".
        segment: The index of the first segment the piece's table or list continues with.
        widths: A table's column widths in percent (computed from the piece when empty).
        start: A numbered list's first number (of the whole list).
        prefix: A table's header and delimiter lines, to parse continuing rows with.
        more: More segments follow the piece's last one (it keeps no bottom margin).
    """

    kind: str
    segment: int = 0
    widths: tuple[int, ...] = ()
    start: int = 1
    prefix: str = ""
    more: bool = False


def split_long(tokens: list[Token], cont: Continuation | None = None) -> list[Token]:
    """`tokens` with long top-level tables and lists cut into segments.

    With `cont`, the first top-level block (which must be a table or list of `cont.kind`)
    is treated as the continuation `cont` describes.
    """
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        splitter = _SPLITTERS.get(token.type) if token.level == 0 else None
        if splitter is None:
            out.append(token)
            i += 1
            continue
        end = _closing(tokens, i)
        use = cont if cont is not None and i == 0 and _KINDS[token.type] == cont.kind else None
        out += splitter(tokens[i : end + 1], use)
        i = end + 1
    return out


def table_widths(header: list[str], rows: list[list[str]]) -> tuple[int, ...]:
    """Column widths in percent, weighed by the longest cell source of each column."""
    weights = []
    for column, head in enumerate(header):
        longest = max([len(head), *(len(row[column]) for row in rows if column < len(row))])
        weights.append(min(max(longest, _MIN_WEIGHT), _MAX_WEIGHT))
    total = sum(weights)
    widths = [weight * 100 // total for weight in weights]
    widths[-1] += 100 - sum(widths)
    return tuple(widths)


# -- tokens ----------------------------------------------------------------------------------


def _closing(tokens: list[Token], start: int) -> int:
    depth = 0
    for i in range(start, len(tokens)):
        depth += tokens[i].nesting
        if depth == 0:
            return i
    return len(tokens) - 1


def _groups(tokens: list[Token], open_type: str) -> list[list[Token]]:
    """The runs `open_type`..its close among `tokens` (rows of a tbody, items of a list)."""
    groups: list[list[Token]] = []
    i = 0
    while i < len(tokens):
        if tokens[i].type == open_type:
            end = _closing(tokens, i)
            groups.append(tokens[i : end + 1])
            i = end + 1
        else:
            i += 1
    return groups


def _cells(row: list[Token]) -> list[str]:
    return [t.content for t in row if t.type == "inline"]


def _split_table(tokens: list[Token], cont: Continuation | None) -> list[Token]:
    open_token, close_token = tokens[0], tokens[-1]
    thead_end = next((i for i, t in enumerate(tokens) if t.type == "thead_close"), 0)
    head = tokens[1 : thead_end + 1]
    rows = _groups(tokens[thead_end + 1 : -1], "tr_open")
    if cont is None and len(rows) <= LONG_TABLE_ROWS:
        return tokens
    first = cont.segment if cont is not None else 0
    widths = cont.widths if cont is not None and cont.widths else ()
    if not widths:
        widths = widths_of(tokens)
    more = cont is not None and cont.more
    chunks = [rows[i : i + TABLE_SEGMENT_ROWS] for i in range(0, len(rows), TABLE_SEGMENT_ROWS)]
    out: list[Token] = []
    for n, chunk in enumerate(chunks or [[]]):
        segment = first + n
        last = n == len(chunks) - 1 and not more
        opened = open_token.copy(meta={"segment": segment, "last": last})
        out.append(opened)
        if segment == 0:
            _set_widths(head, widths)
            out += head
        if chunk:
            if segment > 0:
                _set_widths(chunk[0], widths)
            out.append(Token("tbody_open", "tbody", 1, block=True))
            for row in chunk:
                out += row
            out.append(Token("tbody_close", "tbody", -1, block=True))
        out.append(close_token)
    return out


def _set_widths(row: list[Token], widths: tuple[int, ...]) -> None:
    cells = [t for t in row if t.type in ("th_open", "td_open")]
    for cell, width in zip(cells, widths, strict=False):
        cell.attrSet("width", f"{width}%")


def _split_list(tokens: list[Token], cont: Continuation | None) -> list[Token]:
    open_token, close_token = tokens[0], tokens[-1]
    items = _groups(tokens[1:-1], "list_item_open")
    if cont is None and len(items) <= LIST_SEGMENT_ITEMS:
        return tokens
    first = cont.segment if cont is not None else 0
    start = cont.start if cont is not None else int(open_token.attrGet("start") or 1)
    more = cont is not None and cont.more
    size = LIST_SEGMENT_ITEMS
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    out: list[Token] = []
    for n, chunk in enumerate(chunks):
        segment = first + n
        opened = open_token.copy(attrs={})
        number = start + segment * size
        if opened.type == "ordered_list_open" and number != 1:
            opened.attrSet("start", number)
        margins = ("" if segment == 0 else "margin-top:0px;") + (
            "" if n == len(chunks) - 1 and not more else "margin-bottom:0px;"
        )
        if margins:
            opened.attrSet("style", margins)
        out.append(opened)
        for item in chunk:
            out += item
        out.append(close_token)
    return out


_SPLITTERS: dict[str, Callable[[list[Token], Continuation | None], list[Token]]] = {
    "table_open": _split_table,
    "bullet_list_open": _split_list,
    "ordered_list_open": _split_list,
}
_KINDS = {"table_open": "table", "bullet_list_open": "list", "ordered_list_open": "list"}


# -- streaming -------------------------------------------------------------------------------

_ROW = re.compile(r"^ {0,3}\|")
_BULLET = re.compile(r"^(?P<marker>[-*+])(?P<space> +|$)")
_ORDERED = re.compile(r"^(?P<number>\d{1,9})(?P<delim>[.)])(?P<space> +|$)")
_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")


@dataclass
class LineRun:
    """A table or list the open block starts with, frozen one whole segment at a time.

    `lines` are the block's lines not frozen yet. A table's rows count only while every line
    is a row that starts with `|` (which nothing can end or change); a list's items only while
    every line is an item marker like the first or indented into the item. Past that the run
    is `clean = False` and the rest of the block renders whole, as before.
    """

    kind: str
    lines: list[str]
    prefix: str = ""  # table: header and delimiter
    segment: int = 0  # segments frozen so far
    widths: tuple[int, ...] = ()
    start: int = 1
    marker: str = ""  # list: "-", "*", "+", "." or ")"
    indent: int = 0  # list: the current item's content indent
    items: list[int] | None = None  # list: where each top-level item starts in `lines`
    clean: bool = True

    @classmethod
    def table(cls, header: str, delimiter: str) -> LineRun:
        return cls("table", [header, delimiter], prefix=f"{header}\n{delimiter}\n")

    @classmethod
    def list(cls, line: str, start: int) -> LineRun | None:
        run = cls("list", [], start=start, items=[])
        run.add(line)
        return run if run.clean else None

    def continuation(self, more: bool) -> Continuation | None:
        """How the run's unfrozen lines continue the segments frozen so far."""
        if self.segment == 0 and not more:
            return None
        prefix = self.prefix if self.segment > 0 else ""
        return Continuation(self.kind, self.segment, self.widths, self.start, prefix, more)

    def add(self, line: str) -> bool:
        """Take the block's next line; True when a segment is ready (`take_segment`)."""
        self.lines.append(line)
        if not self.clean:
            return False
        if self.kind == "table":
            self.clean = _ROW.match(line) is not None
            return self.ready()
        return self._add_list_line(line)

    def ready(self) -> bool:
        """Whether a whole segment can be taken (`take_segment`)."""
        if not self.clean:
            return False
        if self.kind == "list":
            assert self.items is not None
            return len(self.items) > LIST_SEGMENT_ITEMS
        if self.segment == 0:  # a table is segmented only once it is long
            return len(self.lines) - 2 > LONG_TABLE_ROWS
        return len(self.lines) > TABLE_SEGMENT_ROWS

    def hides(self, partial: str) -> bool:
        """Whether an unfinished last line is left out of the tail: a table row, until whole."""
        return self.kind == "table" and self.clean and _ROW.match(partial) is not None

    def _add_list_line(self, line: str) -> bool:
        assert self.items is not None
        spaces = len(line) - len(line.lstrip(" "))
        if spaces and spaces >= self.indent and "\t" not in line[:spaces]:
            return False  # inside the current item
        marker = self._marker_width(line)
        if marker is None:
            self.clean = False
            return False
        self.indent = marker
        self.items.append(len(self.lines) - 1)
        return self.ready()

    def _marker_width(self, line: str) -> int | None:
        """The content indent of a top-level item line of this list, None for any other line."""
        if _BREAK.match(line) or "\t" in line:
            return None
        match = _BULLET.match(line) or _ORDERED.match(line)
        if match is None or len(match["space"]) > 1:
            return None
        mark = match.groupdict().get("delim") or match["marker"]
        if self.marker and mark != self.marker:
            return None
        self.marker = mark
        return len(match[0]) if match["space"] else len(match[0]) + 1

    def take_segment(self) -> tuple[str, Continuation]:
        """The text of the next whole segment and how it renders; the run moves past it."""
        prefix = self.prefix if self.segment > 0 else ""
        cont = Continuation(self.kind, self.segment, self.widths, self.start, prefix, True)
        if self.kind == "table":
            cut = TABLE_SEGMENT_ROWS + (2 if self.segment == 0 else 0)
        else:
            assert self.items is not None
            cut = self.items[LIST_SEGMENT_ITEMS]
            self.items = [i - cut for i in self.items[LIST_SEGMENT_ITEMS:]]
        text = "\n".join(self.lines[:cut])
        del self.lines[:cut]
        self.segment += 1
        return text, cont


def widths_of(tokens: list[Token]) -> tuple[int, ...]:
    """The segment column widths of the first top-level table in `tokens` (() if none)."""
    start = next((i for i, t in enumerate(tokens) if t.type == "table_open" and not t.level), -1)
    if start < 0:
        return ()
    table = tokens[start : _closing(tokens, start) + 1]
    thead_end = next((i for i, t in enumerate(table) if t.type == "thead_close"), 0)
    rows = _groups(table[thead_end + 1 : -1], "tr_open")[: LONG_TABLE_ROWS + 1]
    return table_widths(_cells(table[1 : thead_end + 1]), [_cells(r) for r in rows])
