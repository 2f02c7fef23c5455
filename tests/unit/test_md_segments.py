"""Long tables and lists: segmented alike in a whole render and while streaming."""

from __future__ import annotations

import random
import re

import pytest

from desktop.core.palettes import LIGHT
from desktop.core.streaming import StreamState, apply
from desktop.render.markdown import StreamingMarkdown, render_document, render_markdown
from desktop.render.segments import LIST_SEGMENT_ITEMS, LONG_TABLE_ROWS, TABLE_SEGMENT_ROWS
from tests.bench.long_blocks import list_markdown, numbered_markdown, table_markdown
from tests.unit.test_streaming import SSE_FILES, parse_sse

INTRO_TABLE = "Intro line right above it\n| a | b |\n|---|:-:|\n" + "".join(
    f"| {i} | x {i} |\n" for i in range(47)
)
INTRO_LIST = "Items:\n" + "".join(f"- item {i}\n  - sub {i}\n" for i in range(53)) + "after\n"
ENDED_TABLE = (
    "| h |\n|---|\n" + "".join(f"| {i} |\n" for i in range(35)) + "# Head\n| not a row |\n"
)
MIXED_LIST = "".join(f"- a{i}\n" for i in range(30)) + "* other list\n" + "- b\n" * 30
# (A blank line inside a list makes it loose, which the blank-line splitter never matched.)
TWO_LISTS = (
    "".join(f"- x{i}\n" for i in range(25)) + "\nText.\n" + "".join(f"1) y{i}\n" for i in range(25))
)

DOCUMENTS = {
    "table": table_markdown(95),
    "list": list_markdown(90),
    "numbered": numbered_markdown(70),
    "intro table": INTRO_TABLE,
    "intro list": INTRO_LIST,
    "table ended by a heading": ENDED_TABLE,
    "list changing its bullet": MIXED_LIST,
    "two lists": TWO_LISTS,
    "exact segments": "| h |\n|---|\n"
    + "".join(f"| {i} |\n" for i in range(TABLE_SEGMENT_ROWS * 4)),
    "longest ordinary table": table_markdown(LONG_TABLE_ROWS),
    "shortest long table": table_markdown(LONG_TABLE_ROWS + 1),
    "ordinary table": table_markdown(15),
}


def stream(text: str, sizes: list[int], every: int = 7) -> tuple[StreamingMarkdown, list[str], int]:
    """Feed `text` in pieces, taking closed HTML as we go; also the longest tail seen."""
    streamer = StreamingMarkdown()
    closed: list[str] = []
    pos = turn = longest = 0
    while pos < len(text):
        size = sizes[turn % len(sizes)]
        streamer.append(text[pos : pos + size])
        pos, turn = pos + size, turn + 1
        if turn % every == 0:
            closed.extend(streamer.take_closed())
            longest = max(longest, len(streamer.tail_html()))
    streamer.finish()
    closed.extend(streamer.take_closed())
    return streamer, closed, longest


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
@pytest.mark.parametrize("sizes", [[1], [3, 7, 2], [40], [100_000]])
def test_streamed_html_is_the_one_shot_html(name: str, sizes: list[int]) -> None:
    text = DOCUMENTS[name]
    streamer, closed, _ = stream(text, sizes)
    assert streamer.text == text
    assert "".join(closed) == render_markdown(text)
    assert streamer.code_blocks == render_document(text).code_blocks


def test_a_long_table_is_cut_into_segments_that_line_up() -> None:
    text = table_markdown(45)
    html = render_markdown(text)
    tables = html.count("<table")
    assert tables == -(-45 // TABLE_SEGMENT_ROWS)
    assert html.count("<thead>") == 1  # the header only once, on top
    assert html.count("<tr>") == 46
    widths = re.findall(
        r'width="(\d+)%"',
        html.replace(f'bgcolor="{LIGHT.table_border}" width="100%"', ""),
    )
    rows = [tuple(widths[i : i + 5]) for i in range(0, len(widths), 5)]
    assert len(rows) == tables and len(set(rows)) == 1  # same column widths in every segment
    assert sum(map(int, rows[0])) == 100
    assert html.count("margin-bottom:0px") == tables - 1
    assert html.count("margin-top:-1px") == tables - 1  # drawn over the gap between tables
    for rows in (12, 25, LONG_TABLE_ROWS):  # ordinary tables as before: Qt sizes the columns
        small = render_markdown(table_markdown(rows))
        assert small.count("<table") == 1 and "width=" not in small


def test_a_streamed_table_shows_whole_rows_only() -> None:
    streamer = StreamingMarkdown()
    streamer.append("| a | b |\n|---|---|\n| 1 | one |\n| 2 | tw")
    assert "one" in streamer.tail_html() and "tw" not in streamer.tail_html()
    shown = streamer.tail_html()
    streamer.append("o and a half")  # still inside the row: the tail stays as it was
    assert streamer.tail_html() is shown
    streamer.append(" |\n")
    assert "two and a half" in streamer.tail_html()
    streamer.append("After the table, no blank line")  # not a row: shown as it comes
    assert "After the table" in streamer.tail_html()


def test_a_long_numbered_list_keeps_counting() -> None:
    html = render_markdown(numbered_markdown(LIST_SEGMENT_ITEMS * 2 + 3))
    assert html.count("<ol") == 3
    assert (
        f'<ol start="{LIST_SEGMENT_ITEMS + 1}" style="margin-top:0px;margin-bottom:0px;">' in html
    )
    assert f'<ol start="{2 * LIST_SEGMENT_ITEMS + 1}" style="margin-top:0px;">' in html


@pytest.mark.parametrize(
    ("make", "cap"),
    # (a table's longest tail is the table itself, before it is known to be long)
    [(table_markdown, 14_000), (list_markdown, 8_000), (numbered_markdown, 6_000)],
)
def test_the_open_tail_stays_small_however_long_the_block(make, cap: int) -> None:  # type: ignore[no-untyped-def]
    short, long = make(200), make(1500)
    _, closed, short_tail = stream(short, [5], every=3)
    _, closed, long_tail = stream(long, [5], every=3)
    assert long_tail < cap
    assert long_tail < short_tail * 1.5
    assert len(closed) > 1500 // max(TABLE_SEGMENT_ROWS, LIST_SEGMENT_ITEMS)


def test_random_tables_and_lists_split_anywhere_match() -> None:
    rng = random.Random(3)
    pieces = [
        "Para.\n\n",
        "| a | b |\n|---|---|\n" + "".join(f"| {i} | `c{i}` |\n" for i in range(23)) + "\n",
        "| a | b |\n|--:|---|\n"
        + "".join(f"| {i} | d{i} |\n" for i in range(LONG_TABLE_ROWS + 13)),
        "".join(f"{i + 1}. n{i}\n" for i in range(27)) + "\n",
        "".join(f"- b{i}\n    more {i}\n" for i in range(22)) + "\n",
        "```python\nx = 1\n```\n\n",
        "Lead:\n" + "".join(f"+ p{i}\n" for i in range(21)) + "\n",
    ]
    for _ in range(15):
        # (a paragraph between pieces: two lists apart by a blank line are one loose list)
        text = "Between.\n\n".join(rng.choice(pieces) for _ in range(6))
        streamer, closed, _ = stream(text, [rng.randint(1, 30)], every=rng.randint(1, 9))
        assert "".join(closed) == render_markdown(text)
        assert streamer.code_blocks == render_document(text).code_blocks


@pytest.mark.parametrize("path", SSE_FILES, ids=lambda p: p.name)
def test_recorded_streams_fold_to_the_same_message(path) -> None:  # type: ignore[no-untyped-def]
    state = StreamState()
    streamer = StreamingMarkdown()
    closed: list[str] = []
    for n, (_, event) in enumerate(parse_sse(path.read_text(encoding="utf-8"))):
        apply(event, state)
        delta = event.get("delta") or {}
        start = event.get("content_block") or {}
        if event["type"] == "content_block_start" and start.get("type") == "text":
            streamer.append(start.get("text") or "")
        if event["type"] == "content_block_delta" and delta.get("type") == "text_delta":
            streamer.append(delta["text"])
            if n % 3 == 0:
                closed.extend(streamer.take_closed())
    streamer.finish()
    closed.extend(streamer.take_closed())
    assert streamer.text == state.text
    assert "".join(closed) == render_markdown(state.text)
