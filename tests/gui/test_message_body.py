"""MessageBody: full renders, streaming with throttled flushes, copy links, size, frame times."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from desktop.ui import message_body
from desktop.ui.markdown import warm_up
from desktop.ui.message_body import MessageBody

ANSWER = """# Plan

Here is what we will do, with `inline code` and a [link](https://example.com).

| Step | Cost |
|------|-----:|
| one  | 1    |
| two  | 2    |

```python
def first():
    return 1
```

- alpha
- beta

```bash
echo second
```

## Done

That is all.
"""


@pytest.fixture
def body(qtbot: object) -> Iterator[MessageBody]:
    widget = MessageBody()
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.resize(600, 50)
    widget.show()
    yield widget


def stream_into(widget: MessageBody, text: str, size: int = 5) -> None:
    for pos in range(0, len(text), size):
        widget.append_text(text[pos : pos + size])


def test_set_markdown_renders_and_keeps_the_source(body: MessageBody) -> None:
    body.set_markdown(ANSWER)
    plain = body.toPlainText()
    assert "Plan" in plain
    assert "def first():" in plain
    assert body.markdown_text() == ANSWER
    assert body.code_block(0) == "def first():\n    return 1"
    assert body.code_block(1) == "echo second"
    assert body.code_block(2) == ""


def test_streamed_text_appears_and_finish_settles_it(body: MessageBody) -> None:
    stream_into(body, ANSWER)
    assert body.streaming
    body.finish()
    assert not body.streaming
    plain = body.toPlainText()
    for piece in ("Plan", "inline code", "Step", "def first():", "echo second", "That is all."):
        assert piece in plain
    assert body.markdown_text() == ANSWER


def test_streamed_document_matches_the_full_render(qtbot: object, body: MessageBody) -> None:
    stream_into(body, ANSWER, size=3)
    body.flush()
    stream_into(body, "\nMore after the flush.\n", size=2)
    body.finish()
    other = MessageBody()
    qtbot.addWidget(other)  # type: ignore[attr-defined]
    other.set_markdown(ANSWER + "\nMore after the flush.\n")
    # Qt's setHtml leaves an empty block after a table; streaming does not.
    assert body.toPlainText().split("\n") == [
        line for line in other.toPlainText().split("\n") if line
    ]
    headings = [b.blockFormat().headingLevel() for b in _blocks(body)]
    assert headings.count(1) == 1
    assert headings.count(2) == 1
    assert sum(1 for b in _blocks(body) if b.textList() is not None) == 2
    code = [b for b in _blocks(body) if b.text() == "echo second"]
    assert code
    assert code[0].blockFormat().background().color().name() == "#f6f8fa"


def test_flush_waits_for_the_timer(qtbot: object, body: MessageBody) -> None:
    body.append_text("Hello **world**\n\nSecond")
    assert body.toPlainText() == ""
    qtbot.waitUntil(lambda: "Second" in body.toPlainText(), timeout=1000)  # type: ignore[attr-defined]
    assert body.toPlainText() == "Hello world\nSecond"


def test_copy_code_link_copies_that_block(qtbot: object, body: MessageBody) -> None:
    stream_into(body, ANSWER)
    body.finish()
    with qtbot.waitSignal(body.code_copied) as blocker:  # type: ignore[attr-defined]
        body.anchorClicked.emit(QUrl("copy-code:1"))
    assert blocker.args == [1]
    assert QGuiApplication.clipboard().text() == "echo second"
    body.anchorClicked.emit(QUrl("copy-code:0"))
    assert QGuiApplication.clipboard().text() == "def first():\n    return 1"


def test_copy_code_while_the_block_is_still_open(body: MessageBody) -> None:
    body.append_text("```js\nlet a = 1;\nlet b")
    body.flush()
    assert "let b" in body.toPlainText()
    body.anchorClicked.emit(QUrl("copy-code:0"))
    assert QGuiApplication.clipboard().text() == "let a = 1;\nlet b"


def test_copy_code_after_set_markdown_and_bad_indices(body: MessageBody) -> None:
    body.set_markdown(ANSWER)
    QGuiApplication.clipboard().setText("before")
    body.anchorClicked.emit(QUrl("copy-code:7"))
    body.anchorClicked.emit(QUrl("copy-code:x"))
    assert QGuiApplication.clipboard().text() == "before"
    body.anchorClicked.emit(QUrl("copy-code:1"))
    assert QGuiApplication.clipboard().text() == "echo second"


def test_web_links_open_externally_others_do_not(
    body: MessageBody, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    class FakeServices:
        @staticmethod
        def openUrl(url: QUrl) -> bool:
            opened.append(url.toString())
            return True

    monkeypatch.setattr(message_body, "QDesktopServices", FakeServices)
    body.set_markdown(ANSWER)
    body.anchorClicked.emit(QUrl("https://example.com"))
    body.anchorClicked.emit(QUrl("file:///etc/passwd"))
    body.anchorClicked.emit(QUrl("javascript:alert(1)"))
    assert opened == ["https://example.com"]


def test_height_follows_the_document(body: MessageBody) -> None:
    body.append_text("One line.\n\n")
    body.flush()
    first = body.height()
    assert first > 10
    for i in range(20):
        body.append_text(f"Paragraph number {i}.\n\n")
    body.flush()
    assert body.height() > first * 5
    assert body.sizeHint().height() == body.height()
    assert body.verticalScrollBar().maximum() == 0


def test_width_change_reflows_height(body: MessageBody) -> None:
    body.set_markdown("word " * 400)
    wide = body.height()
    body.resize(250, body.height())
    assert body.height() > wide


def test_plain_text_for_own_messages(body: MessageBody) -> None:
    body.set_plain_text("# not a heading *raw*")
    assert body.toPlainText() == "# not a heading *raw*"
    assert body.markdown_text() == "# not a heading *raw*"


def test_raw_html_never_reaches_the_document(body: MessageBody) -> None:
    stream_into(body, '<img src="file:///etc/passwd"> <b>bold?</b>\n')
    body.finish()
    assert "<b>bold?</b>" in body.toPlainText()


def test_a_new_stream_after_a_full_render_starts_clean(body: MessageBody) -> None:
    body.set_markdown("old text")
    body.append_text("new text")
    body.finish()
    assert body.toPlainText() == "new text"
    assert body.markdown_text() == "new text"


# -- performance -------------------------------------------------------------------------------


def long_answer(target_chars: int = 80_000, seed: int = 3) -> str:
    """About 80 KB of answer-like markdown: prose, lists, tables and code, one long fence."""
    rng = random.Random(seed)
    words = "the of model stream token block render frame cache value list".split()

    def sentence() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(8, 16))).capitalize() + "."

    def code(lines: int, lang: str) -> str:
        body = "".join(f"    result_{i} = compute({i}, 'x')  # step {i}\n" for i in range(lines))
        return f"```{lang}\ndef work():\n{body}```\n\n"

    parts: list[str] = []
    section = 0
    while sum(map(len, parts)) < target_chars:
        section += 1
        parts.append(f"## Section {section}\n\n")
        parts.append(" ".join(sentence() for _ in range(5)) + "\n\n")
        parts.append("".join(f"- {sentence()}\n" for _ in range(4)) + "\n")
        if section % 3 == 0:
            rows = "".join(f"| r{i} | {i * 3} | {sentence()[:20]} |\n" for i in range(6))
            parts.append("| name | value | note |\n|---|--:|---|\n" + rows + "\n")
        parts.append(code(rng.randint(8, 25), rng.choice(["python", "javascript", "bash"])))
        if section == 4:
            parts.append(code(400, "python"))
    return "".join(parts)


def split_deltas(text: str, count: int) -> list[str]:
    """`text` cut into `count` deltas of uneven size (like a token stream)."""
    rng = random.Random(5)
    cuts = sorted(rng.sample(range(1, len(text)), count - 1))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def chat_like(qtbot: object) -> tuple[QScrollArea, MessageBody]:
    """A body inside a scroll area, as in the chat view (only the visible part paints)."""
    area = QScrollArea()
    qtbot.addWidget(area)  # type: ignore[attr-defined]
    area.setWidgetResizable(True)
    content = QWidget()
    layout = QVBoxLayout(content)
    widget = MessageBody(content)
    layout.addWidget(widget)
    layout.addStretch(1)
    area.setWidget(content)
    area.resize(760, 600)
    area.show()
    return area, widget


def test_streaming_20k_deltas_keeps_frames_short(qtbot: object) -> None:
    warm_up()
    text = long_answer()
    deltas = split_deltas(text, 20_000)
    area, widget = chat_like(qtbot)
    gaps: list[float] = []
    state = {"next": 0, "last": time.perf_counter(), "done": False}

    def on_probe() -> None:
        now = time.perf_counter()
        gaps.append(now - state["last"])
        state["last"] = now

    def on_feed() -> None:
        start = state["next"]
        for delta in deltas[start : start + 50]:
            widget.append_text(delta)
        state["next"] = start + 50
        if state["next"] >= len(deltas):
            feeder.stop()
            widget.finish()
            state["done"] = True

    probe, feeder = QTimer(), QTimer()
    probe.setInterval(5)
    probe.timeout.connect(on_probe)
    feeder.setInterval(0)
    feeder.timeout.connect(on_feed)
    started = time.perf_counter()
    probe.start()
    feeder.start()
    qtbot.waitUntil(lambda: state["done"], timeout=60_000)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    probe.stop()
    worst = max(gaps[1:])
    slow = sum(1 for gap in gaps if gap > 0.016)
    print(
        f"\n20k deltas ({len(text) / 1000:.0f} KB): {elapsed * 1000:.0f} ms total, "
        f"longest 5 ms-timer gap {worst * 1000:.1f} ms, {slow} of {len(gaps)} gaps > 16 ms"
    )
    assert widget.markdown_text() == text
    assert "result_399 = compute(399, 'x')" in widget.toPlainText()
    assert worst < 0.050


def feed_and_flush(widget: MessageBody, deltas: list[str]) -> float:
    """Time to stream `deltas` with a flush every 200 deltas (~33 ms of a real stream)."""
    start = time.perf_counter()
    for i, delta in enumerate(deltas, 1):
        widget.append_text(delta)
        if i % 200 == 0:
            widget.flush()
    widget.finish()
    return time.perf_counter() - start


def test_streaming_time_grows_linearly(qtbot: object) -> None:
    warm_up()
    deltas = split_deltas(long_answer(), 20_000)
    timings = {}
    for count in (5_000, 20_000):
        best = float("inf")
        for _ in range(2):
            _area, widget = chat_like(qtbot)
            best = min(best, feed_and_flush(widget, deltas[:count]))
            widget.document().clear()
        timings[count] = best
    ratio = timings[20_000] / timings[5_000]
    print(
        f"\n5k deltas {timings[5_000] * 1000:.0f} ms, 20k deltas {timings[20_000] * 1000:.0f} ms, "
        f"ratio {ratio:.2f}"
    )
    assert ratio < 6


def _blocks(widget: MessageBody) -> list:
    blocks = []
    block = widget.document().begin()
    while block.isValid():
        blocks.append(block)
        block = block.next()
    return blocks
