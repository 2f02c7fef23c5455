"""Documents keep the listed order in the history, whichever finished reading first, so the
cached prefix sent after a restart is byte for byte the one sent before."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from desktop.storage.database import SqliteConversationStore
from tests.gui.attachments.test_images import drop, file_mime
from tests.gui.chat.test_chat import type_and_send
from tests.gui.conftest import Desk, build_desk
from tests.gui.context.test_documents import names, ready, text_file
from tests.pdfs import pdf_file


def document_blocks(request: dict) -> bytes:
    """The documents at the head of the first message, as sent."""
    first = request["messages"][0]["content"]
    blocks = [block for block in first if block["type"] == "document"]
    return json.dumps(blocks, ensure_ascii=False, separators=(",", ":")).encode()


def titles(request: dict) -> list[str]:
    return [b["title"] for b in request["messages"][0]["content"] if b["type"] == "document"]


def test_documents_keep_the_listed_order_across_a_restart(
    desk: Desk, qtbot, fake_api, tmp_path: Path, aloop, monkeypatch
) -> None:
    type_and_send(desk, qtbot, "Hello")  # the conversation exists: documents are saved as read
    desk.until(desk.idle)
    documents = desk.controller.documents
    assert documents is not None
    preparer = documents._preparer
    real_prepare = preparer.prepare_file
    release = threading.Event()

    def slow_pdf(path: str):  # the PDF, listed first, finishes reading last
        if path.endswith(".pdf"):
            release.wait(10)
        return real_prepare(path)

    monkeypatch.setattr(preparer, "prepare_file", slow_pdf)
    files = [pdf_file(tmp_path / "report.pdf", pages=3), text_file(tmp_path / "notes.md", 2000)]
    drop(desk.window.composer.viewport(), file_mime(files))
    desk.until(lambda: any(i.name == "notes.md" and not i.preparing for i in documents.items))
    release.set()
    desk.until(lambda: ready(desk, 2))
    assert names(desk) == ["report.pdf", "notes.md"]
    type_and_send(desk, qtbot, "Two")
    desk.until(desk.idle)
    before = fake_api.message_requests()[-1]
    assert titles(before) == ["report.pdf", "notes.md"]
    conversation = desk.controller.conversation
    assert conversation is not None
    reopened_store = SqliteConversationStore(desk.paths.database_path)
    try:
        stored = [d.name for d in reopened_store.list_documents(conversation.id)]
    finally:
        reopened_store.close()
    assert stored == ["report.pdf", "notes.md"]

    again = build_desk(aloop, fake_api.base_url, qtbot)  # the app started again
    try:
        again.controller.open_conversation(again.store.list_conversations()[0])
        again.until(lambda: ready(again, 2))
        assert names(again) == ["report.pdf", "notes.md"]
        type_and_send(again, qtbot, "Three")
        again.until(lambda: again.idle() and len(fake_api.message_requests()) == 3)
        after = fake_api.message_requests()[-1]
        assert document_blocks(after) == document_blocks(before)
    finally:
        aloop.run_until_complete(again.controller.tasks.drain())
        aloop.run_until_complete(again.backend.aclose())
        again.store.close()
