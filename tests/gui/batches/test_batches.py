"""The Batches window driven as a person would: import, check the summary, submit, follow,
read the results, export them; cancel; restart resumes; open a result as a conversation.

Each test is one coroutine run on the qasync loop (clicks and typing included), so every task
the view starts is stepped by a running asyncio loop, as in the app.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from tests.gui.conftest import POLL_S, Batches, Desk


async def until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.01)


def play(desk: Desk, scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    desk.loop.run_until_complete(asyncio.wait_for(scenario(), 40))


def jsonl_file(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def press(widget: Any, key: Qt.Key, modifiers: Any = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(widget, key, modifiers)


def click(widget: Any) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_import_submit_follow_and_export_csv(desk, batches, fake_api, tmp_path, monkeypatch):
    fake_api.batches.polls_before_end = 2
    fake_api.batches.outcomes = {"q2": "errored", "q3": "invalid", "q4": "expired"}
    fake_api.batches.answers = {"q1": "Paris.", "q5": "Blue."}
    source = jsonl_file(
        tmp_path,
        [
            {"custom_id": "q1", "prompt": "Capital of France?"},
            {"custom_id": "q2", "prompt": "Largest planet?"},
            {"custom_id": "q3", "prompt": "Bad one"},
            {"custom_id": "q4", "prompt": "Too slow"},
            {"custom_id": "q5", "messages": [{"role": "user", "content": "Sky colour?"}]},
        ],
    )
    out = tmp_path / "results.csv"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))

    async def scenario() -> None:
        press(desk.window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
        view = batches.feature.view
        assert view is not None and view.isVisible() and view.objectName() == "batches_view"
        form = view.form
        click(form.import_button)
        form.system_prompt.setFocus()
        QTest.keyClicks(form.system_prompt, "Answer in one word.")
        await until(lambda: "counted" in form.summary.text())
        summary = form.summary.text()
        assert "5 requests" in summary and "batch price" in summary and "interactive" in summary
        assert form.loaded_label.text().startswith("5 prompts")
        click(form.submit_button)
        await until(lambda: fake_api.batches.ids)
        sent = fake_api.batches.requests_of(fake_api.batches.ids[0])
        assert [r["custom_id"] for r in sent] == ["q1", "q2", "q3", "q4", "q5"]
        assert sent[0]["params"]["system"] == "Answer in one word."
        await until(lambda: view.records and view.records[0].results_saved)
        assert view.tabs.currentIndex() == 1
        view.select_batch(view.records[0].id)
        await until(lambda: len(view.model.rows) == 5)
        rows = {r.custom_id: r for r in view.model.rows}
        assert rows["q1"].result.text == "Paris." and rows["q1"].prompt == "Capital of France?"
        assert rows["q5"].result.text == "Blue."
        assert rows["q2"].result.retry_worthwhile and not rows["q3"].result.retry_worthwhile
        assert view.batch_list.item(0, 1).text() == "ended"
        assert view.batch_list.item(0, 2).text() == "2"
        assert "ended" in desk.window.statusBar().currentMessage()  # the in-app notice
        click(view.export_csv_button)
        await until(out.exists)

    play(desk, scenario)
    exported = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["custom_id"] for r in exported] == ["q1", "q2", "q3", "q4", "q5"]
    assert exported[0]["answer"] == "Paris." and exported[0]["status"] == "succeeded"
    assert exported[2]["error_type"] == "invalid_request_error"
    assert exported[2]["retry_worthwhile"] == "False"
    assert float(exported[0]["cost_usd"]) > 0


async def submit_pasted(view: Any, text: str) -> None:
    form = view.form
    form.prompts.setFocus()
    for number, line in enumerate(text.split("\n")):
        if number:
            press(form.prompts, Qt.Key.Key_Return)
        QTest.keyClicks(form.prompts, line)
    await until(lambda: form.submit_button.isEnabled())
    click(form.submit_button)


def test_a_bad_import_is_refused_with_line_numbers_and_loses_nothing(desk, batches, tmp_path):
    good = jsonl_file(tmp_path, [{"custom_id": "a", "prompt": "A"}])
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"custom_id": "x", "prompt": "1"}\n{"custom_id": "x", "prompt": "2"}\nnot json\n'
    )

    async def scenario() -> None:
        form = batches.feature.show_view().form
        form.import_file(str(good))
        await until(lambda: form.loaded_label.text().startswith("1 prompts"))
        form.import_file(str(bad))
        await until(lambda: "was not imported" in form.problems.text())
        assert "line 2: duplicate custom_id “x” (line 1)" in form.problems.text()
        assert "line 3: not valid JSON" in form.problems.text()
        assert [i.custom_id for i in form.loaded] == ["a"]

    play(desk, scenario)


def test_pasted_lines_cancel_and_the_list_shows_it(desk, batches, fake_api):
    fake_api.batches.polls_before_end = 1000

    async def scenario() -> None:
        view = batches.feature.show_view()
        await submit_pasted(view, "one\ntwo\nthree")
        await until(lambda: view.records and view.records[0].info.status == "in_progress")
        view.select_batch(view.records[0].id)
        assert view.batch_list.item(0, 1).text() == "in progress"
        assert view.cancel_button.isEnabled()
        click(view.cancel_button)
        await until(lambda: view.records[0].results_saved, timeout=15)
        assert view.batch_list.item(0, 1).text() == "ended"
        assert view.batch_list.item(0, 4).text() == "3"  # canceled
        await until(lambda: len(view.model.rows) == 3)
        assert {r.result.kind for r in view.model.rows} == {"canceled"}

    play(desk, scenario)
    assert len([r for r in fake_api.requests if r.path.endswith("/cancel")]) == 1


def test_restart_resumes_polling_from_stored_ids(desk, fake_api):
    fake_api.batches.polls_before_end = 1000

    def polls(batch_id: str) -> int:
        return len([r for r in fake_api.requests if r.path.endswith(batch_id)])

    async def scenario() -> None:
        first = Batches(desk)
        view = first.feature.show_view()
        await submit_pasted(view, "alpha\nbeta")
        await until(lambda: first.controller.records and fake_api.batches.ids)
        batch_id = fake_api.batches.ids[0]
        await until(lambda: polls(batch_id) >= 2)
        await first.close()  # the app quits while the batch runs
        before = polls(batch_id)
        assert not first.controller.tasks.running(f"batch-poll:{batch_id}")
        # No poll over six poll intervals: here the silence over time is the behaviour.
        await asyncio.sleep(POLL_S * 6)
        assert polls(batch_id) == before  # polling stopped with the app
        fake_api.batches.finish(batch_id)
        second = Batches(desk)  # the next start: nothing but the stored id to go on
        try:
            await until(lambda: desk.window.statusBar().currentMessage(), timeout=15)
            assert polls(batch_id) > before
            assert "2 succeeded" in desk.window.statusBar().currentMessage()
            record = second.store.get_batch(batch_id)
            assert record is not None and record.results_saved and record.notified
        finally:
            await second.close()

    play(desk, scenario)


def test_retry_failed_rows_and_open_a_result_as_a_conversation(desk, batches, fake_api):
    fake_api.batches.outcomes = {"request-00002": "errored", "request-00003": "invalid"}
    fake_api.batches.answers = {"request-00001": "The answer is 4."}

    async def scenario() -> None:
        view = batches.feature.show_view()
        await submit_pasted(view, "What is 2+2?\nRetry me\nBroken")
        await until(lambda: view.records and view.records[0].results_saved)
        view.select_batch(view.records[0].id)
        await until(lambda: len(view.model.rows) == 3)
        assert "worth retrying" in view.model.data(view.model.index(1, 7))
        assert "fix the request" in view.model.data(view.model.index(2, 7))
        click(view.retry_button)
        await until(lambda: len(fake_api.batches.ids) == 2)
        retried = fake_api.batches.requests_of(fake_api.batches.ids[1])
        assert [r["custom_id"] for r in retried] == ["request-00002"]
        assert retried[0]["params"]["messages"][0]["content"][0]["text"] == "Retry me"
        await until(lambda: len(view.records) == 2)
        first_id = fake_api.batches.ids[0]
        view.select_batch(first_id)
        await until(lambda: len(view.model.rows) == 3 and view.shown_batch == first_id)
        view.results.selectRow(0)
        click(view.open_button)
        await until(lambda: desk.controller.conversation is not None)

    play(desk, scenario)
    assert desk.controller.conversation.title == "What is 2+2?"
    texts = [m.text for m in desk.store.load_messages(desk.controller.conversation.id)]
    assert texts == ["What is 2+2?", "The answer is 4."]


def test_composer_text_goes_to_the_batch_queue(desk, batches):
    window = desk.window

    async def scenario() -> None:
        window.composer.setFocus()
        QTest.keyClicks(window.composer, "Summarise the report")
        modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        press(window, Qt.Key.Key_B, modifiers)
        view = batches.feature.view
        assert view is not None and view.isVisible()
        await until(lambda: view.form.submit_button.isEnabled())

    play(desk, scenario)
    assert window.composer.toPlainText() == ""
    assert [i.prompt for i in batches.feature.view.form.loaded] == ["Summarise the report"]
    assert desk.controller.conversation is None  # nothing was sent to the chat


def test_an_ended_batch_appears_in_spend_as_batch_at_half_price(desk, batches, fake_api):
    fake_api.batches.usage = {
        f"request-{n:05d}": {"input_tokens": 100_000, "output_tokens": 0} for n in (1, 2)
    }

    async def scenario() -> None:
        view = batches.feature.show_view()
        await submit_pasted(view, "first\nsecond")
        await until(lambda: view.records and view.records[0].results_saved)
        desk.window.spend_action.trigger()
        spend = desk.window.spend_view
        await until(lambda: spend.summary is not None)
        rows = spend.table.row_texts()
        # Opus 4.8 input at $5 per million, halved: 200,000 tokens cost $0.50
        assert [
            "claude-opus-4-8", "batch", "2", "200,000", "0", "0", "0",
            "0", "0", "$0.5000", "—", "$0.5000",  # no searches or fetches, no tool fee
        ] in rows  # fmt: skip
        spend.close()

    play(desk, scenario)


def test_choosing_another_csv_column_replaces_only_that_files_prompts(desk, batches, tmp_path):
    earlier = jsonl_file(tmp_path, [{"custom_id": "a", "prompt": "A"}])
    table = tmp_path / "questions.csv"
    table.write_text("question,note\nFirst?,n1\nSecond?,\n", encoding="utf-8")

    async def scenario() -> None:
        form = batches.feature.show_view().form
        form.import_file(str(earlier))
        await until(lambda: len(form.loaded) == 1)
        form.import_file(str(table))
        await until(lambda: len(form.loaded) == 3)
        assert form.csv_column.currentText() == "question"
        form.csv_column.setFocus()
        press(form.csv_column, Qt.Key.Key_Down)  # the "note" column: one cell is empty
        await until(lambda: "was not imported" in form.problems.text())
        assert "the “note” cell is empty" in form.problems.text()
        assert [i.prompt for i in form.loaded] == ["A", "First?", "Second?"]  # nothing lost
        press(form.csv_column, Qt.Key.Key_Up)  # back to "question": replaces, not appends
        await until(lambda: "was not imported" not in form.problems.text())
        await until(lambda: form.csv_column.currentText() == "question")
        assert [i.prompt for i in form.loaded] == ["A", "First?", "Second?"]

    play(desk, scenario)
