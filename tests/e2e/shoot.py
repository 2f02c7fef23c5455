"""Screenshots of the real app talking to the fake server (run under Xvfb or offscreen).

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m tests.e2e.shoot OUT_DIR [THEME]

Types questions into the composer as a person would and saves PNGs of the main window, at
1280x800, in THEME ("light", the default, "dark" or "system"). Both themes:

    for t in light dark; do xvfb-run -a -s "-screen 0 1280x800x24" \
        .venv/bin/python -m tests.e2e.shoot shots/$t $t; done
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication, QPushButton

LONG_QUESTION = "Show me a Python function that merges two sorted lists, with a table of costs."


async def wait_idle(desk, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        await asyncio.sleep(0.05)
        if not desk.controller.is_streaming:
            return
    raise TimeoutError("answer did not finish")


async def scenario(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tests.fake_api.answers import LONG_ANSWER
    from tests.fake_api.script import ErrorReply, TextReply

    server = desk.fake
    server.prompt_cache.min_tokens = 1024  # as the API: short prefixes are not cached
    window = desk.window
    await asyncio.sleep(1.5)  # services start (SDK import) after the first paint
    if only := os.environ.get("SHOOT_ONLY"):  # one scene by name, e.g. SHOOT_ONLY=variants
        await globals()[only](desk, out)
        window.close()
        return
    server.enqueue(
        TextReply(
            LONG_ANSWER,
            delta_size=7,
            thinking="The user wants a merge of two "
            "sorted lists; show a two-pointer solution and its complexity.",
        )
    )
    settings = desk.controller.settings.copy()
    settings.thinking.enabled = True
    desk.controller.update_settings(settings)
    QTest.keyClicks(window.composer, LONG_QUESTION)
    QTest.keyClick(window.composer, Qt.Key.Key_Return)
    await wait_idle(desk)
    answer = window.chat_view.message_widgets()[-1]
    if answer.thinking is not None:
        answer.thinking.toggle.setChecked(True)
    await asyncio.sleep(0.3)
    window.chat_view.verticalScrollBar().setValue(0)
    await asyncio.sleep(0.3)
    shot(window, out / "chat.png")
    window.chat_view.verticalScrollBar().setValue(window.chat_view.verticalScrollBar().maximum())
    await asyncio.sleep(0.3)
    shot(window, out / "chat-end.png")
    server.enqueue(ErrorReply(529, "overloaded_error", "Overloaded", retry_after="45"))
    QTest.keyClicks(window.composer, "And in Rust?")
    QTest.keyClick(window.composer, Qt.Key.Key_Return)
    await asyncio.sleep(1.0)
    shot(window, out / "wait.png")
    desk.controller.stop()
    await asyncio.sleep(0.5)
    window.settings_button.setChecked(True)
    await asyncio.sleep(0.3)
    shot(window, out / "stopped-settings.png")
    window.settings_button.setChecked(False)
    await history_reopened(desk, out)
    await image_question(desk, out)
    await pdf_question(desk, out)
    await batch_results(desk, out)
    await image_url_draft(desk, out)
    await spend_view(desk, out)
    await long_tables(desk, out)
    await table_then_text(desk, out)
    await variants(desk, out)
    await web_search(desk, out)
    await local_tools(desk, out)
    window.close()


async def web_search(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    """Web search on from the Tools menu: the search, its sources opened, citation markers and
    the search's cost in the footer."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from desktop.ui.chat.tool_blocks import tool_activity

    window = desk.window
    desk.controller.new_conversation()
    window.composer_row.tools_button.actions_by_name["web_search"].setChecked(True)
    QTest.keyClicks(window.composer, "Is it safe to watch the 2026 solar eclipse?")
    QTest.keyClick(window.composer, Qt.Key.Key_Return)  # the fake server's search_demo answers
    await wait_idle(desk)
    answer = window.chat_view.message_widgets()[-1]
    activity = tool_activity(answer)
    if activity is not None:
        for row in activity.rows.values():
            row.toggle.setChecked(True)
    await asyncio.sleep(0.4)
    shot(window, out / "web-search.png")


async def local_tools(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    """Claude calls the user's MCP servers (mcp-server-time, mcp-server-git over a fresh
    repository): the read-only call runs at once, the one that writes asks first."""
    import subprocess
    import tempfile

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from desktop.ui.chat.permission_prompt import PermissionPrompt
    from desktop.ui.chat.tool_blocks import tool_activity
    from tests.fake_api import LocalCall, TextReply, ToolUseReply
    from tests.mcp_processes import git_server, time_server

    repo = Path(tempfile.mkdtemp(prefix="notes-"))
    subprocess.run(["git", "init", "-q", str(repo)], check=True)  # noqa: ASYNC221 (a moment)
    (repo / "notes.md").write_text("- lunch at noon\n")
    while desk.mcp_host is None:
        await asyncio.sleep(0.1)
    desk.mcp_host.configure([time_server(), git_server(repo)])
    window, server = desk.window, desk.fake
    desk.controller.new_conversation()
    server.enqueue(
        ToolUseReply(
            [LocalCall("time__get_current_time", {"timezone": "Europe/Paris"})],
            "I'll check the time in Paris, then stage your notes.",
        )
    )
    add = {"repo_path": str(repo), "files": ["notes.md"]}
    server.enqueue(ToolUseReply([LocalCall("git__git_add", add)]))
    server.enqueue(TextReply("It's evening in Paris. I staged **notes.md**; nothing is committed."))
    QTest.keyClicks(window.composer, "What time is it in Paris? Then stage my notes.")
    QTest.keyClick(window.composer, Qt.Key.Key_Return)
    prompt = None
    for _ in range(400):
        await asyncio.sleep(0.05)
        answer = window.chat_view.message_widgets()[-1]
        prompts = [p for p in answer.findChildren(PermissionPrompt) if p.isVisible()]
        if prompts:
            prompt = prompts[0]
            break
    assert prompt is not None, "no permission prompt"
    await asyncio.sleep(0.4)
    shot(window, out / "mcp-permission.png")
    prompt.findChild(QPushButton, "allow_once_button").click()
    await wait_idle(desk, 60)
    activity = tool_activity(window.chat_view.message_widgets()[-1])
    if activity is not None:
        next(iter(activity.rows.values())).toggle.setChecked(True)
    await asyncio.sleep(0.4)
    shot(window, out / "mcp-tool-call.png")


async def image_question(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    """A new conversation asking about a photo: chip, thumbnail, streamed answer, costs."""
    from PIL import Image, ImageDraw
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tests.fake_api.script import TextReply

    photo = out / "sunset.jpg"
    image = Image.new("RGB", (3000, 2000), (250, 170, 90))
    draw = ImageDraw.Draw(image)
    for y in range(0, 2000, 40):
        draw.rectangle([0, y, 3000, y + 20], fill=(240 - y // 20, 120 + y // 30, 80 + y // 25))
    draw.ellipse([1200, 600, 1800, 1200], fill=(255, 230, 120))
    image.save(photo, quality=90)
    window = desk.window
    desk.controller.new_conversation()
    desk.controller.attachments.add_file(str(photo))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if desk.controller.attachments.ready():
            break
    QTest.keyClicks(window.composer, "What is in this picture?")
    await asyncio.sleep(0.8)  # the token estimate appears after typing pauses
    shot(window, out / "image-draft.png")
    usage = {"input_tokens": 1620, "output_tokens": 95, "cache_read_input_tokens": 0}
    desk.fake.enqueue(
        TextReply(
            "A **sunset** over striped hills: a pale yellow sun sits in the middle of warm "
            "orange and pink bands.\n\n- Colours: orange, pink, pale yellow\n- Size sent: "
            "1568 × 1045 px",
            usage=usage,
        )
    )
    QTest.keyClick(window.composer, Qt.Key.Key_Return)
    await wait_idle(desk)
    await asyncio.sleep(0.5)
    shot(window, out / "image-answer.png")


async def long_tables(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    """An answer with an ordinary 15-row table and a 70-row one (drawn as segments)."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from tests.bench.long_blocks import table_markdown
    from tests.fake_api.script import TextReply

    window = desk.window
    desk.controller.new_conversation()
    text = table_markdown(15) + "\n" + table_markdown(70, seed=3)
    desk.fake.enqueue(TextReply(text, delta_size=40))
    QTest.keyClicks(window.composer, "Which endpoints did you measure?")
    QTest.keyClick(window.composer, Qt.Key.Key_Return)
    await wait_idle(desk)
    await asyncio.sleep(0.5)
    chat = window.chat_view
    body = chat.message_widgets()[-1].body
    top = body.mapTo(chat.widget(), QPoint(0, 0)).y()
    for name, y in (("table-15-rows.png", top), ("table-70-rows.png", top + 560)):
        chat.verticalScrollBar().setValue(y)
        await asyncio.sleep(0.3)
        shot(window, out / name)


async def table_then_text(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    """A table followed by a paragraph and a heading: streamed, then reopened from history
    (the two should be identical)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tests.fake_api.script import TextReply

    window = desk.window
    desk.controller.new_conversation()
    text = (
        "Here is what is in stock:\n\n| Fruit | Count |\n|---|---|\n| apples | 3 |\n"
        "| pears | 5 |\n\nThe table above sums to 8.\n\n## By shop\n\n"
        "| Shop | Open |\n|---|---|\n| north | yes |\n\n# Summary\n\nBoth shops have fruit."
    )
    desk.fake.enqueue(TextReply(text, delta_size=9))
    QTest.keyClicks(window.composer, "What fruit is there?")
    QTest.keyClick(window.composer, Qt.Key.Key_Return)
    await wait_idle(desk)
    await asyncio.sleep(0.5)
    shot(window, out / "table-then-text-streamed.png")
    await history_reopened(desk, out, "table-then-text-reopened")


async def variants(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    """An answer regenerated twice (the second time with another model), browsed back to
    the second of three: ‹ 2/3 › with that variant's own usage and cost."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tests.fake_api.script import TextReply

    window, chat = desk.window, desk.controller
    chat.new_conversation()
    replies = [
        ("A few names for a grey cat:\n\n- **Ash**\n- **Pebble**\n- **Smokey**", 38, 24),
        ("How about **Earl Grey**? Calm, a little posh, and a nod to the colour.", 38, 19),
        ("Try **Nimbus**: a grey cloud, soft and a bit mysterious.", 38, 15),
    ]
    desk.fake.enqueue(TextReply("Hello! What would you like to name?", delta_size=9))
    QTest.keyClicks(window.composer, "Hi! I need help naming something.")
    QTest.keyClick(window.composer, Qt.Key.Key_Return)
    await wait_idle(desk)
    QTest.keyClicks(window.composer, "Suggest a name for my grey cat.")
    for number, (text, tokens_in, tokens_out) in enumerate(replies):
        usage = {"input_tokens": tokens_in, "output_tokens": tokens_out}
        desk.fake.enqueue(TextReply(text, delta_size=9, usage=usage))
        if number == 0:
            QTest.keyClick(window.composer, Qt.Key.Key_Return)
        else:
            answer = window.chat_view.message_widgets()[-1]
            model = "claude-sonnet-4-6" if number == 2 else ""
            window.branching.regenerate(answer.message.id, model)
        await wait_idle(desk)
    answer = window.chat_view.message_widgets()[-1]
    QTest.mouseClick(answer.tree_actions.previous_button, Qt.MouseButton.LeftButton)
    for _ in range(100):
        await asyncio.sleep(0.05)
        if not window.chat_view.filling and len(window.chat_view.message_widgets()) == 4:
            break
    await asyncio.sleep(0.5)
    shot(window, out / "variants.png")


async def search_hit(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    """Two conversations; a search for a word in an earlier answer: the result's snippet in
    the sidebar, and the opened conversation scrolled to the match with the word highlighted."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tests.fake_api.script import TextReply

    window, chat = desk.window, desk.controller
    talks = [
        [
            ("Where should we walk on Sunday?", "The **cliff path** is lovely in spring."),
            ("Anything to see on the way?", "Yes: the old lighthouse at the point, open till 5."),
            ("And lunch?", "The harbour café does a good fish soup."),
        ],
        [("Give me a word for happy.", "Cheerful, glad, content.")],
    ]
    for talk in talks:
        chat.new_conversation()
        for question, answer in talk:
            desk.fake.enqueue(TextReply(answer, delta_size=9))
            QTest.keyClicks(window.composer, question)
            QTest.keyClick(window.composer, Qt.Key.Key_Return)
            await wait_idle(desk)
    box = window.sidebar.search_box
    box.setFocus()
    QTest.keyClicks(box, "lighthouse")
    view = window.sidebar.view
    for _ in range(100):
        await asyncio.sleep(0.05)
        if view.model().rowCount() == 1:
            break
    QTest.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(view.model().index(0, 0)).center(),
    )
    await asyncio.sleep(1.5)
    shot(window, out / "search-hit.png")


def shot(widget, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The widget as drawn (`grab`), or with SHOOT_SCREEN=1 as the X server shows its window
    (what a person sees: also catches colours Qt draws with alpha into an opaque window)."""
    if os.environ.get("SHOOT_SCREEN") == "1":
        QApplication.processEvents()
        window = widget.window()
        window.raise_()
        QApplication.processEvents()
        window.screen().grabWindow(window.winId()).save(str(path))
    else:
        widget.grab().save(str(path))


async def history_reopened(desk, out: Path, name: str = "history-reopened") -> None:  # type: ignore[no-untyped-def]
    """The conversation opened again from the sidebar: filled in from history."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window, conversation = desk.window, desk.controller.conversation
    desk.controller.new_conversation()
    await asyncio.sleep(0.3)
    view = window.sidebar.view
    index = view.model().index(window.sidebar.model.row_of(conversation.id), 0)
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    while window.chat_view.filling:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)
    window.grab().save(str(out / f"{name}.png"))
    window.chat_view.verticalScrollBar().setValue(0)
    await asyncio.sleep(0.3)
    window.grab().save(str(out / f"{name}-top.png"))


def report_pdf(path: Path, pages: int = 12) -> Path:
    """A PDF of text pages, as a scanned report would look."""
    from PIL import Image, ImageDraw

    sheets = []
    for number in range(1, pages + 1):
        sheet = Image.new("RGB", (620, 877), "white")
        draw = ImageDraw.Draw(sheet)
        draw.text((60, 60), f"Annual report 2026 — page {number}", fill="black")
        for line in range(40):
            draw.text((60, 110 + line * 18), "Revenue, costs and outlook " * 3, fill="gray")
        sheets.append(sheet)
    sheets[0].save(path, "PDF", save_all=True, append_images=sheets[1:])
    return path


async def pdf_question(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    """A conversation over a PDF: the context panel, its cache state, per-answer costs."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tests.fake_api.script import TextReply

    window = desk.window
    desk.controller.new_conversation()
    documents = desk.controller.documents
    documents.add_file(str(report_pdf(out / "annual-report.pdf")))
    for _ in range(200):
        await asyncio.sleep(0.05)
        if documents.documents() and all(d.tokens_exact for d in documents.documents()):
            break
    answers = [
        "The report covers **2026**: revenue grew 12 %, costs 4 %, and the outlook is "
        "cautious.\n\n- Revenue: page 3\n- Costs: page 7",
        "Costs rose mostly from **hiring** (page 7) and **cloud spend** (page 8).",
    ]
    for question, answer in zip(
        ("Summarise this report.", "What drove the costs up?"), answers, strict=True
    ):
        desk.fake.enqueue(TextReply(answer))
        QTest.keyClicks(window.composer, question)
        await asyncio.sleep(0.6)
        QTest.keyClick(window.composer, Qt.Key.Key_Return)
        await wait_idle(desk)
    QTest.keyClicks(window.composer, "And the outlook?")
    await asyncio.sleep(0.9)  # the estimate, documents included
    shot(window, out / "pdf-context.png")


BATCH_PROMPTS = (
    "Classify the sentiment: The battery lasts two full days.",
    "Classify the sentiment: The screen cracked within a week.",
    "Classify the sentiment: Delivery was on time.",
    "Classify the sentiment: Customer service never answered.",
    "Classify the sentiment: Great value for the price.",
    "Classify the sentiment: The manual is unreadable.",
)


async def batch_results(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    """The Batches window: an ended batch with mixed results, usage and costs."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    fake = desk.fake.batches
    fake.outcomes = {"request-00004": "errored", "request-00006": "invalid"}
    answers = ["positive", "negative", "positive", "", "positive", ""]
    for number, answer in enumerate(answers, 1):
        fake.answers[f"request-{number:05d}"] = answer.capitalize() + "."
    # usage comes from the fake server's prompt cache: the first request writes the shared
    # document, the others read it
    desk.batches.first_poll = 0.3
    view = desk.batch_feature.show_view()
    view.resize(1240, 800)
    form = view.form
    form.system_prompt.setPlainText("Answer with one word: positive, negative or neutral.")
    guide = out / "sentiment-guidelines.md"
    rule = "- A review that praises the product but complains about delivery is mixed.\n"
    guide.write_text("# Sentiment guidelines\n\n" + rule * 300, encoding="utf-8")
    form.add_documents([str(guide)])
    for _ in range(100):
        await asyncio.sleep(0.05)
        docs = form.documents
        if docs and docs.documents() and all(d.tokens_exact for d in docs.documents()):
            break
    form.prompts.setFocus()
    for number, prompt in enumerate(BATCH_PROMPTS):
        if number:
            QTest.keyClick(form.prompts, Qt.Key.Key_Return)
        QTest.keyClicks(form.prompts, prompt)
    for _ in range(100):
        await asyncio.sleep(0.05)
        if "shared documents" in form.summary.text():
            break
    shot(view, out / "batch-new.png")
    QTest.mouseClick(form.submit_button, Qt.MouseButton.LeftButton)
    for _ in range(200):
        await asyncio.sleep(0.05)
        if view.records and view.records[0].results_saved:
            break
    view.select_batch(view.records[0].id)
    for _ in range(100):
        await asyncio.sleep(0.05)
        if view.model.rows:
            break
    view.results.selectRow(0)
    await asyncio.sleep(0.3)
    shot(view, out / "batch-results.png")
    window = desk.window
    shot(window, out / "batch-notice.png")


async def image_url_draft(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    """A copied image address pasted into a new message: a chip saying "from URL"."""
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    window = desk.window
    desk.controller.new_conversation()
    QTest.keyClicks(window.composer, "Which bird is this?")
    mime = QMimeData()
    mime.setUrls([QUrl("https://upload.example.org/wiki/Eurasian_blue_tit.jpg")])
    QApplication.clipboard().setMimeData(mime)
    window.composer.paste()
    await asyncio.sleep(0.8)
    shot(window, out / "image-url-draft.png")
    window.attachment_strip.pending.clear()
    window.composer.clear()


async def spend_view(desk, out: Path) -> None:  # type: ignore[no-untyped-def]
    """Two weeks of history with two models (a few answers reading the cache, some Opus ones
    searching and fetching the web), then Spend."""
    import random
    import time

    from desktop.core.conversation import ConversationSettings, Message, Role, Usage, text_block

    store = desk.store
    past = store.create_conversation(ConversationSettings())
    store.rename_conversation(past.id, "Earlier work")
    chance = random.Random(7)
    for days_ago in range(1, 15):
        for model in ("claude-opus-4-8", "claude-sonnet-4-6"):
            if chance.random() < 0.3:
                continue
            for _ in range(chance.randint(1, 6)):
                usage = Usage(
                    input_tokens=chance.randint(2_000, 40_000),
                    output_tokens=chance.randint(300, 4_000),
                    cache_read_input_tokens=chance.choice([0, 0, 60_000, 120_000]),
                )
                if model == "claude-opus-4-8" and chance.random() < 0.4:  # web tools used
                    usage.web_search_requests = chance.randint(1, 5)
                    usage.web_fetch_requests = chance.randint(0, 2)
                when = time.time() - days_ago * 86400 + chance.random() * 3600
                store.add_message(
                    Message(
                        past.id,
                        Role.ASSISTANT,
                        [text_block("…")],
                        created_at=when,
                        model=model,
                        usage=usage,
                    )
                )
    desk.window.show_spend()
    view = desk.window.spend_view  # at the size it opens with
    for _ in range(100):
        await asyncio.sleep(0.05)
        if view.summary is not None:
            break
    view.range_picker.setCurrentIndex(0)  # the last 7 days (priced in a worker)
    await asyncio.sleep(0.5)
    shot(view, out / "spend-7-days.png")
    view.range_picker.setCurrentIndex(1)
    await asyncio.sleep(0.5)
    shot(view, out / "spend.png")
    view.close()


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    theme = sys.argv[2] if len(sys.argv) > 2 else "light"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("CLAUDE_DESK_HOME", tempfile.mkdtemp(prefix="desk-shot-"))
    from tests.fake_api.server import FakeAnthropic

    server = FakeAnthropic().start()
    os.environ["ANTHROPIC_BASE_URL"] = server.base_url
    os.environ["ANTHROPIC_API_KEY"] = "sk-ant-screenshot-key-000000000000"
    import qasync

    from desktop import app as desk_app
    from desktop.application import create_application
    from desktop.cli import parse_args

    qapp = create_application([sys.argv[0]], theme)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    original = desk_app.DeskApp.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        self.fake = server
        self.window.resize(1280, 800)
        self.shoot_task = asyncio.ensure_future(scenario(self, out))

    desk_app.DeskApp.__init__ = init  # type: ignore[method-assign]
    with loop:
        loop.run_until_complete(desk_app.run(qapp, parse_args(["--theme", theme])))
    server.stop()
    print("screenshots in", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
