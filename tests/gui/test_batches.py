"""The Batches window driven as a person would: import, check the summary, submit, follow,
read the results, export them; cancel; restart resumes; open a result as a conversation."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from desktop.api.batches import AnthropicBatches
from desktop.storage.batches import SqliteBatchStore
from desktop.ui.batch_controller import BatchesController
from desktop.ui.batch_wiring import BatchesFeature
from tests.gui.conftest import Desk

POLL_S = 0.05


class Batches:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.store = SqliteBatchStore(desk.paths.database_path)
        self.controller = BatchesController(self.store, lambda: desk.controller.catalog, POLL_S)
        self.feature = BatchesFeature(desk.window, self.controller)
        self.controller.set_api(AnthropicBatches(desk.backend), desk.backend.count_tokens)

    def close(self) -> None:
        self.desk.loop.run_until_complete(self.controller.tasks.drain())
        self.store.close()


@pytest.fixture
def batches(desk: Desk) -> Iterator[Batches]:
    b = Batches(desk)
    yield b
    b.close()


def jsonl_file(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


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
    window = desk.window
    QTest.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    view = batches.feature.view
    assert view is not None and view.isVisible() and view.objectName() == "batches_view"
    form = view.form
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))

    async def fill() -> None:
        QTest.mouseClick(form.import_button, Qt.MouseButton.LeftButton)
        form.system_prompt.setFocus()
        QTest.keyClicks(form.system_prompt, "Answer in one word.")

    desk.loop.run_until_complete(fill())
    desk.until(lambda: "counted" in form.summary.text())
    summary = form.summary.text()
    assert "5 requests" in summary and "batch price" in summary and "interactive" in summary
    assert form.loaded_label.text().startswith("5 prompts")
    assert form.submit_button.isEnabled()
    QTest.mouseClick(form.submit_button, Qt.MouseButton.LeftButton)
    desk.until(lambda: fake_api.batches.ids)
    sent = fake_api.batches.requests_of(fake_api.batches.ids[0])
    assert [r["custom_id"] for r in sent] == ["q1", "q2", "q3", "q4", "q5"]
    assert sent[0]["params"]["system"] == "Answer in one word."
    desk.until(lambda: view.records and view.records[0].results_saved)
    assert view.tabs.currentIndex() == 1
    view.select_batch(view.records[0].id)
    desk.until(lambda: len(view.model.rows) == 5)
    rows = {r.custom_id: r for r in view.model.rows}
    assert rows["q1"].result.text == "Paris." and rows["q1"].prompt == "Capital of France?"
    assert rows["q5"].result.text == "Blue."
    assert rows["q2"].result.retry_worthwhile and not rows["q3"].result.retry_worthwhile
    assert view.batch_list.item(0, 1).text() == "ended"
    assert view.batch_list.item(0, 2).text() == "2"
    assert "ended" in batches.feature.notifier.shown[0]
    out = tmp_path / "results.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    QTest.mouseClick(view.export_csv_button, Qt.MouseButton.LeftButton)
    desk.until(out.exists)
    exported = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["custom_id"] for r in exported] == ["q1", "q2", "q3", "q4", "q5"]
    assert exported[0]["answer"] == "Paris." and exported[0]["status"] == "succeeded"
    assert exported[2]["error_type"] == "invalid_request_error"
    assert exported[2]["retry_worthwhile"] == "False"
    assert float(exported[0]["cost_usd"]) > 0
