"""Following a batch: one retrieve and one list refresh per poll; results decoded in a worker."""

from __future__ import annotations

import threading

import desktop.ui.batches.controller as batch_controller
from tests.counting import CountingStore
from tests.gui.batches.test_batches import play, submit_pasted, until
from tests.gui.conftest import Batches


def test_each_poll_retrieves_once_refreshes_once_and_decodes_off_the_ui_thread(
    desk, fake_api, monkeypatch
):
    fake_api.batches.polls_before_end = 2
    decoded_in: list[str] = []
    real_decode = batch_controller.decode_results_jsonl

    def recording_decode(data: bytes):  # type: ignore[no-untyped-def]
        decoded_in.append(threading.current_thread().name)
        return real_decode(data)

    monkeypatch.setattr(batch_controller, "decode_results_jsonl", recording_decode)
    holder: dict[str, Batches] = {}

    async def scenario() -> None:
        batches = holder["b"] = Batches(desk, wrap_store=CountingStore)
        view = batches.feature.show_view()
        await submit_pasted(view, "first\nsecond")
        await until(lambda: view.records and view.records[0].results_saved)
        view.select_batch(view.records[0].id)
        await until(lambda: len(view.model.rows) == 2)
        assert all(r.result.kind == "succeeded" and r.result.text for r in view.model.rows)
        assert view.batch_list.item(0, 1).text() == "ended"
        await batches.close()

    play(desk, scenario)
    batch_id = fake_api.batches.ids[0]
    retrieves = [
        r for r in fake_api.requests if r.method == "GET" and r.path.endswith(f"/{batch_id}")
    ]
    assert len(retrieves) == 3  # in progress, in progress, ended: no second retrieve for results
    assert [r.path for r in fake_api.requests][-1] == f"/batch-results/{batch_id}.jsonl"
    assert decoded_in and threading.main_thread().name not in decoded_in
    store: CountingStore = holder["b"].store  # type: ignore[assignment]
    names = [c.name for c in store.calls]
    polls = [i for i, name in enumerate(names) if name == "update_batch"]
    assert len(polls) == 3
    for start, end in zip(polls, [*polls[1:], len(names)], strict=True):
        assert names[start:end].count("list_batches") == 1  # one view refresh per poll
