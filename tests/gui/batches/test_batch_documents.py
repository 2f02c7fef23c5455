"""Shared documents of a batch, driven as a person would: drop or pick files on the New batch
form, read the summary, submit, and check what the fake server received; retry and open as a
conversation keep the documents."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from desktop.core.caching import breakpoint_paths
from tests.gui.attachments.test_images import drop, file_mime
from tests.gui.batches.test_batches import (
    click,
    play,
    press,
    submit_pasted,
    until,
)
from tests.pdfs import pdf_file

ONE_HOUR = {"type": "ephemeral", "ttl": "1h"}


def text_file(path: Path, chars: int = 4000) -> Path:
    path.write_text("row,value\n" + "word,1\n" * (chars // 7), encoding="utf-8")
    return path


def type_prompts(form: Any, text: str) -> None:
    form.prompts.setFocus()
    for number, line in enumerate(text.split("\n")):
        if number:
            press(form.prompts, Qt.Key.Key_Return)
        QTest.keyClicks(form.prompts, line)


def documents_ready(form: Any, count: int) -> bool:
    docs = form.documents
    return (
        len(docs.items) == count
        and not docs.preparing
        and all(d.tokens_exact for d in docs.documents())
    )


def prefix_bytes(params: dict[str, Any]) -> bytes:
    """System and the document blocks, as sent (key order kept)."""
    data = [params["system"], params["messages"][0]["content"][:2]]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def test_every_request_carries_the_same_cached_documents(
    desk, batches, fake_api, tmp_path, monkeypatch
):
    pdf = pdf_file(tmp_path / "handbook.pdf", pages=4)
    csv = text_file(tmp_path / "prices.csv")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(csv)], ""))

    async def scenario() -> None:
        view = batches.feature.show_view()
        form = view.form
        box = form.documents_box
        assert box is not None and box.objectName() == "batch_documents"
        drop(form.prompts.viewport(), file_mime([pdf]))  # a drop on the form, even on the text
        click(box.add_button)  # and the picker
        await until(lambda: documents_ready(form, 2))
        assert [r.name_label.text() for r in box.rows()] == ["handbook.pdf", "prices.csv"]
        assert "4 pages" in box.rows()[0].detail_label.text()
        assert "tokens in every request" in box.total_label.text()
        assert form.prompts.toPlainText() == ""  # the dropped file was not typed in
        form.system_prompt.setPlainText("Answer from the documents.")
        type_prompts(form, "First question\nSecond question\nThird question")
        await until(lambda: "shared documents" in form.summary.text())
        summary = form.summary.text()
        assert "cached for 1 hour" in summary and "reads the cache" in summary
        click(form.submit_button)
        await until(lambda: fake_api.batches.ids)
        await until(lambda: form.documents.items == [])  # the form is ready for the next one
        await until(lambda: view.records and view.records[0].results_saved)

    play(desk, scenario)
    sent = fake_api.batches.requests_of(fake_api.batches.ids[0])
    assert len(sent) == 3
    params = [r["params"] for r in sent]
    first = params[0]["messages"][0]["content"]
    assert first[0]["source"] == {
        "type": "base64",
        "media_type": "application/pdf",
        "data": base64.b64encode(pdf.read_bytes()).decode(),
    }
    assert first[0]["title"] == "handbook.pdf"
    assert first[1]["source"] == {
        "type": "text",
        "media_type": "text/plain",
        "data": csv.read_text(encoding="utf-8"),
    }
    assert first[1]["cache_control"] == ONE_HOUR
    assert params[0]["system"][0]["cache_control"] == ONE_HOUR
    for p, question in zip(params, ["First", "Second", "Third"], strict=True):
        assert breakpoint_paths(p) == ["system[0]", "messages[0].content[1]"]  # at most four
        assert p["messages"][0]["content"][2] == {"type": "text", "text": f"{question} question"}
        assert prefix_bytes(p) == prefix_bytes(params[0])
    # the fake server's cache: the first request wrote the prefix, the others read it
    record = batches.store.get_batch(fake_api.batches.ids[0])
    assert record is not None
    assert [d["name"] for d in record.settings["documents"]] == ["handbook.pdf", "prices.csv"]
    results = {r.custom_id: r.usage for r in batches.store.load_results(record.id)}
    assert results["request-00001"].cache_write_1h_tokens > 0
    assert results["request-00002"].cache_read_input_tokens > 0
    # the documents' blobs are kept while the batch is stored
    hashes = {d["sha256"] for d in record.settings["documents"]}
    assert hashes <= desk.store.referenced_blobs()


def test_retry_and_open_as_conversation_keep_the_documents(desk, batches, fake_api, tmp_path):
    fake_api.batches.outcomes = {"request-00002": "errored"}
    fake_api.batches.answers = {"request-00001": "It is on page 2."}
    pdf = pdf_file(tmp_path / "manual.pdf", pages=3)

    async def scenario() -> None:
        view = batches.feature.show_view()
        form = view.form
        drop(form, file_mime([pdf]))
        await until(lambda: documents_ready(form, 1))
        await submit_pasted(view, "Where is the reset button?\nRetry me")
        await until(lambda: view.records and view.records[0].results_saved)
        view.select_batch(view.records[0].id)
        await until(lambda: len(view.model.rows) == 2)
        drop(form, file_mime([pdf]))  # the next batch, in preparation while retrying
        await until(lambda: documents_ready(form, 1))
        click(view.retry_button)
        await until(lambda: len(fake_api.batches.ids) == 2)
        await until(lambda: len(view.records) == 2)
        assert [d.name for d in form.documents.documents()] == ["manual.pdf"]  # still there
        first_id = fake_api.batches.ids[0]
        await until(lambda: len(view.records) == 2)
        view.select_batch(first_id)
        await until(lambda: len(view.model.rows) == 2 and view.shown_batch == first_id)
        row = next(i for i, r in enumerate(view.model.rows) if r.custom_id == "request-00001")
        view.results.selectRow(row)
        click(view.open_button)
        await until(lambda: desk.controller.conversation is not None)

    play(desk, scenario)
    original = fake_api.batches.requests_of(fake_api.batches.ids[0])[1]["params"]
    retried = fake_api.batches.requests_of(fake_api.batches.ids[1])
    assert [r["custom_id"] for r in retried] == ["request-00002"]
    assert retried[0]["params"] == original  # same documents, same bytes, same breakpoints
    assert retried[0]["params"]["messages"][0]["content"][0]["title"] == "manual.pdf"
    retry_record = batches.store.get_batch(fake_api.batches.ids[1])
    assert (
        retry_record is not None and retry_record.settings["documents"][0]["name"] == "manual.pdf"
    )
    # the opened conversation has the document as its context, and the question as its turn
    conversation = desk.controller.conversation
    assert [d.name for d in desk.store.list_documents(conversation.id)] == ["manual.pdf"]
    assert [d.name for d in desk.controller.documents.documents()] == ["manual.pdf"]
    messages = desk.store.load_messages(conversation.id)
    assert [m.text for m in messages] == ["Where is the reset button?", "It is on page 2."]
    assert all(b.get("type") != "document" for m in messages for b in m.content)


def test_an_unusable_document_is_refused_with_a_message(desk, batches, tmp_path):
    locked = pdf_file(tmp_path / "locked.pdf", pages=2, password="pw")

    async def scenario() -> None:
        form = batches.feature.show_view().form
        drop(form, file_mime([locked]))
        box = form.documents_box
        await until(lambda: not box.message_label.isHidden())
        assert "locked.pdf" in box.message_label.text()
        assert "encrypted" in box.message_label.text()
        assert form.documents.items == []

    play(desk, scenario)


def test_too_many_pages_for_the_model_block_the_submit(desk, batches, tmp_path):
    async def scenario() -> None:
        view = batches.feature.show_view()
        form = view.form
        drop(form, file_mime([pdf_file(tmp_path / "a.pdf", pages=60)]))
        await until(lambda: documents_ready(form, 1))
        drop(form, file_mime([pdf_file(tmp_path / "b.pdf", pages=60)]))
        await until(lambda: documents_ready(form, 2))
        type_prompts(form, "Question")
        await until(lambda: form.submit_button.isEnabled())
        haiku = form.model_picker.findData("claude-haiku-4-5")
        assert haiku >= 0
        form.model_picker.setCurrentIndex(haiku)  # 200K context: at most 100 pages
        await until(lambda: "120 pages" in form.problems.text())
        assert not form.submit_button.isEnabled()

    play(desk, scenario)
