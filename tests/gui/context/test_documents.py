"""Documents as a conversation's context: drop, pick, paste; the panel; caching made visible."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop.core.caching import breakpoint_paths
from desktop.ui.common.panels import SIDE_PANEL_MIN_WIDTH
from tests.gui.attachments.test_images import drop, file_mime, png_file, strip_ready
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import Desk
from tests.pdfs import pdf_bytes, pdf_file


def panel(desk: Desk):
    found = desk.window.documents_input.panel
    assert found is not None and found.objectName() == "context_panel"
    return found


def ready(desk: Desk, count: int) -> bool:
    documents = desk.controller.documents
    assert documents is not None
    return len(documents.items) == count and not documents.preparing


def counted(desk: Desk) -> bool:
    documents = desk.controller.documents
    assert documents is not None
    return all(d.tokens_exact for d in documents.documents())


def names(desk: Desk) -> list[str]:
    return [row.name_label.text() for row in panel(desk).rows()]


def text_file(path: Path, chars: int = 400) -> Path:
    path.write_text("word " * (chars // 5), encoding="utf-8")
    return path


def test_dropped_pdf_and_text_join_the_context_and_images_the_message(
    desk: Desk, tmp_path: Path
) -> None:
    assert panel(desk).isHidden()  # nothing to show yet
    files = [
        pdf_file(tmp_path / "report.pdf", pages=4),
        text_file(tmp_path / "notes.md"),
        png_file(tmp_path / "photo.png"),
    ]
    drop(desk.window.composer.viewport(), file_mime(files))
    assert desk.window.composer.toPlainText() == ""
    assert [row.detail_label.text() for row in panel(desk).rows()] == ["reading…", "reading…"]
    desk.until(lambda: ready(desk, 2) and strip_ready(desk, 1) and counted(desk))
    assert not panel(desk).isHidden()
    assert names(desk) == ["report.pdf", "notes.md"]
    details = [row.detail_label.text() for row in panel(desk).rows()]
    # exact counts from the count endpoint (fake: 1,500 tokens a page, 4 characters a token)
    assert details[0].endswith("4 pages · 6,000 tokens")
    assert details[1].endswith("KB · 100 tokens")
    assert [chip.name_label.text() for chip in desk.window.attachment_strip.chips()] == [
        "photo.png"
    ]


def test_picker_adds_documents_and_they_are_sent_first(
    desk: Desk, qtbot, fake_api, tmp_path: Path, monkeypatch
) -> None:
    pdf = pdf_file(tmp_path / "paper.pdf", pages=2)
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(pdf)], "Documents (*.pdf)")
    )
    qtbot.mouseClick(desk.window.add_document_button, Qt.MouseButton.LeftButton)
    desk.until(lambda: ready(desk, 1) and counted(desk))
    type_and_send(desk, qtbot, "Summarise the paper")
    desk.until(desk.idle)
    request = fake_api.message_requests()[-1]
    first = request["messages"][0]["content"]
    assert first[0] == {
        "type": "document",
        "source": {
            "type": "base64",
            "media_type": "application/pdf",
            "data": base64.b64encode(pdf.read_bytes()).decode(),
        },
        "title": "paper.pdf",
        "cache_control": {"type": "ephemeral"},
    }
    assert first[1]["text"] == "Summarise the paper"
    # the documents stay with the conversation when it is opened again
    conversation = desk.controller.conversation
    desk.controller.new_conversation()
    assert panel(desk).isHidden() and names(desk) == []
    desk.controller.open_conversation(conversation)
    assert names(desk) == ["paper.pdf"]


def test_long_paste_is_offered_as_a_document(desk: Desk, qtbot) -> None:
    long_text = "A pasted contract clause. " * 100  # 2,600 characters
    composer = desk.window.composer
    composer.setFocus()
    qtbot.keyClicks(composer, "Check this: ")
    mime = QMimeData()
    mime.setText(long_text)
    QApplication.clipboard().setMimeData(mime)
    composer.paste()
    offer = desk.window.documents_input.offer
    assert not offer.isHidden() and "2,600 characters" in offer.label.text()
    qtbot.mouseClick(offer.add_button, Qt.MouseButton.LeftButton)
    assert offer.isHidden()
    assert composer.toPlainText() == "Check this: "  # the paste moved to the context
    desk.until(lambda: ready(desk, 1) and counted(desk))
    assert names(desk) == ["Pasted text.txt"]
    # a short paste is just text
    mime = QMimeData()
    mime.setText("short")
    QApplication.clipboard().setMimeData(mime)
    composer.paste()
    assert offer.isHidden() and composer.toPlainText().endswith("short")


def test_remove_and_reorder_in_the_panel(desk: Desk, qtbot, fake_api, tmp_path: Path) -> None:
    files = [text_file(tmp_path / f"{name}.txt") for name in ("one", "two", "three")]
    drop(desk.window.composer.viewport(), file_mime(files))
    desk.until(lambda: ready(desk, 3) and counted(desk))
    rows = panel(desk).rows()
    assert not rows[0].up_button.isEnabled() and not rows[2].down_button.isEnabled()
    qtbot.mouseClick(rows[2].up_button, Qt.MouseButton.LeftButton)
    assert names(desk) == ["one.txt", "three.txt", "two.txt"]
    qtbot.mouseClick(panel(desk).rows()[0].remove_button, Qt.MouseButton.LeftButton)
    assert names(desk) == ["three.txt", "two.txt"]
    type_and_send(desk, qtbot, "Compare them")
    desk.until(desk.idle)
    sent = fake_api.message_requests()[-1]["messages"][0]["content"]
    assert [b.get("title") for b in sent] == ["three.txt", "two.txt", None]
    # saved in this order; reordering after the first send is saved too
    qtbot.mouseClick(panel(desk).rows()[1].up_button, Qt.MouseButton.LeftButton)
    stored = desk.store.list_documents(desk.controller.conversation.id)
    assert [d.name for d in stored] == ["two.txt", "three.txt"]


def test_unusable_documents_are_refused_with_a_message(desk: Desk, tmp_path: Path) -> None:
    locked = pdf_file(tmp_path / "locked.pdf", pages=2, password="pw")
    binary = tmp_path / "program.bin"
    binary.write_bytes(b"\x7fELF\x00\x01\x02\x00" * 100)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    drop(desk.window.composer.viewport(), file_mime([locked, binary, empty]))
    desk.until(lambda: ready(desk, 0) and panel(desk).message_label.text().count("\n") == 2)
    message = panel(desk).message_label.text()
    assert "locked.pdf" in message and "encrypted" in message
    assert "program.bin" in message and "empty.txt" in message
    assert not panel(desk).isHidden()


def test_too_many_pages_for_a_200k_model(desk: Desk, tmp_path: Path) -> None:
    picker = desk.window.model_picker
    picker.setCurrentIndex(picker.findData("claude-haiku-4-5"))
    drop(desk.window.composer.viewport(), file_mime([pdf_file(tmp_path / "big.pdf", pages=101)]))
    desk.until(lambda: "at most 100 pages" in panel(desk).message_label.text())
    assert names(desk) == []


def test_minimum_length_warning(desk: Desk, tmp_path: Path) -> None:
    drop(desk.window.composer.viewport(), file_mime([text_file(tmp_path / "short.txt")]))
    desk.until(lambda: ready(desk, 1) and counted(desk))  # no request left to outlive the loop
    warning = panel(desk).cache_warning_label
    assert not warning.isHidden()
    assert warning.text().startswith("Caching will not apply")
    assert "4,096" in warning.text()  # Claude Opus 4.8's minimum
    drop(desk.window.composer.viewport(), file_mime([pdf_file(tmp_path / "long.pdf", pages=3)]))
    desk.until(lambda: ready(desk, 2) and counted(desk))
    assert warning.isHidden()


def test_cache_writes_then_reads_are_shown_with_what_they_saved(
    desk: Desk, qtbot, fake_api, tmp_path: Path
) -> None:
    drop(desk.window.composer.viewport(), file_mime([pdf_file(tmp_path / "book.pdf", pages=4)]))
    desk.until(lambda: ready(desk, 1) and counted(desk))
    type_and_send(desk, qtbot, "First question")
    desk.until(desk.idle)
    first = desk.last_answer().footer.text()
    assert "written to cache" in first and "read from cache" not in first
    state = panel(desk).cache_state_label
    assert state.text().startswith("Cache: cached — 5 min left")
    assert "extra for cache writes" in panel(desk).cache_saved_label.text()
    type_and_send(desk, qtbot, "Second question")
    desk.until(desk.idle)
    second = desk.last_answer().footer.text()
    assert "6,00" in second and "read from cache" in second
    saved = panel(desk).cache_saved_label.text()
    assert saved.startswith("Saved by caching so far: $")
    # the countdown follows the clock (refreshed by a timer, not per frame)
    cache = desk.window.documents_input.cache
    cache.clock = lambda: cache.last_use + 170
    cache._on_timer_timeout()
    assert state.text().startswith("Cache: cached — 3 min left")
    cache.clock = lambda: cache.last_use + 301
    cache._on_timer_timeout()
    assert state.text().startswith("Cache: not cached")


def test_breakpoints_and_prefix_bytes_over_three_turns(
    desk: Desk, qtbot, fake_api, tmp_path: Path
) -> None:
    """The request log: at most four breakpoints, in place; the prefix byte-identical."""
    settings = desk.controller.settings.copy()
    settings.system_prompt = "You answer from the documents."
    settings.cache_ttl = "1h"
    desk.controller.update_settings(settings)
    files = [pdf_file(tmp_path / "a.pdf", pages=3), text_file(tmp_path / "b.csv", 2000)]
    drop(desk.window.composer.viewport(), file_mime(files))
    desk.until(lambda: ready(desk, 2) and counted(desk))
    for text in ("One", "Two", "Three"):
        type_and_send(desk, qtbot, text)
        desk.until(desk.idle)
    requests = fake_api.message_requests()[-3:]
    assert [breakpoint_paths(r) for r in requests] == [
        ["system[0]", "messages[0].content[1]", "messages[0].content[2]"],
        ["system[0]", "messages[0].content[1]", "messages[2].content[0]"],
        ["system[0]", "messages[0].content[1]", "messages[4].content[0]"],
    ]
    one_hour = {"type": "ephemeral", "ttl": "1h"}
    assert requests[0]["system"][0]["cache_control"] == one_hour
    assert requests[0]["messages"][0]["content"][1]["cache_control"] == one_hour

    def prefix(body: dict) -> bytes:  # as sent: key order kept, nothing re-sorted
        data = [body.get("tools"), body["system"], body["messages"][0]["content"][:2]]
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    assert prefix(requests[0]) == prefix(requests[1]) == prefix(requests[2])
    # and the fake server's cache saw it: written once, read by the later turns
    answers = [m for m in desk.store.load_messages(desk.controller.conversation.id) if m.usage]
    usage = [m.usage for m in answers]
    assert usage[0].cache_write_1h_tokens > 0 and usage[0].cache_read_input_tokens == 0
    assert usage[1].cache_read_input_tokens >= usage[0].cache_write_1h_tokens
    assert usage[2].cache_read_input_tokens > usage[1].cache_read_input_tokens


def test_estimate_includes_documents(desk: Desk, tmp_path: Path) -> None:
    label = desk.window.token_estimate
    drop(desk.window.composer.viewport(), file_mime([pdf_file(tmp_path / "r.pdf", pages=2)]))
    desk.until(lambda: ready(desk, 1) and counted(desk))
    desk.until(lambda: label.text().startswith("3,000 tokens in"))
    assert "≈" not in label.text()


def test_deleting_the_conversation_frees_document_blobs(desk: Desk, qtbot, tmp_path: Path) -> None:
    drop(desk.window.composer.viewport(), file_mime([text_file(tmp_path / "gone.txt")]))
    desk.until(lambda: ready(desk, 1) and counted(desk))
    type_and_send(desk, qtbot, "Hi")
    desk.until(desk.idle)
    sha = desk.controller.documents.documents()[0].sha256
    assert sha in desk.store.referenced_blobs()
    desk.controller.delete_conversation(desk.controller.conversation.id)
    assert sha not in desk.store.referenced_blobs()
    assert pdf_bytes  # (helper shared with the unit tests)


def test_the_side_panels_are_built_after_the_first_paint_or_when_needed_sooner(
    desk: Desk, qtbot, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QWidget

    from desktop.ui.shell.main_window import MainWindow

    def found(window: MainWindow, name: str) -> QWidget | None:
        return window.findChild(QWidget, name)

    unpainted = MainWindow(
        desk.controller, exports=desk.window.exports
    )  # not shown yet: built without the side panels
    qtbot.addWidget(unpainted)
    assert found(unpainted, "context_panel") is None
    assert found(unpainted, "settings_panel") is None
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    drop(unpainted.composer.viewport(), file_mime([empty]))  # refused: the panel says why
    desk.until(lambda: found(unpainted, "context_panel") is not None)
    context = found(unpainted, "context_panel")
    desk.until(lambda: "empty.txt" in context.message_label.text())
    assert not context.isHidden()

    fresh = MainWindow(desk.controller, exports=desk.window.exports)
    qtbot.addWidget(fresh)
    fresh.show()
    qtbot.waitUntil(lambda: found(fresh, "settings_panel") is not None, timeout=10_000)
    assert found(fresh, "context_panel") is not None
    assert found(fresh, "settings_panel").isHidden()  # built, shown on request

    qtbot.mouseClick(fresh.settings_button, Qt.MouseButton.LeftButton)
    assert found(fresh, "settings_panel").isVisible()
    splitter = fresh.centralWidget()
    order = [splitter.widget(i).objectName() for i in range(splitter.count())]
    assert order[2:] == ["context_panel", "settings_panel"]
    assert found(fresh, "settings_panel").width() >= SIDE_PANEL_MIN_WIDTH
    assert fresh.chat_view.width() > 300
