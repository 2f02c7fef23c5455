"""Batches through the real SDK against the fake server, and kept in a temporary database:
create, retrieve, list, cancel, results at the absolute results_url; storage and spending."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from desktop.api.backend import AnthropicBackend
from desktop.api.batches import AnthropicBatches
from desktop.core.batch_results import BatchInfo, decode_results_jsonl, parse_results_jsonl
from desktop.core.conversation import Usage
from desktop.core.errors import AuthFailed, DeskError, ModelNotFound, NotFound
from desktop.storage.batches import SqliteBatchStore
from desktop.storage.database import SqliteConversationStore
from desktop.storage.migrations import SCHEMA_VERSION


def requests(*ids: str) -> list[dict]:
    params = {"model": "claude-opus-4-8", "max_tokens": 50}
    return [
        {"custom_id": i, "params": {**params, "messages": [{"role": "user", "content": f"Q {i}"}]}}
        for i in ids
    ]


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_create_follow_and_read_results_at_the_absolute_url(fake_api) -> None:
    fake_api.batches.polls_before_end = 1
    fake_api.batches.outcomes = {"b": "errored", "c": "invalid", "d": "expired"}

    async def go() -> tuple[list[BatchInfo], bytes]:
        backend = AnthropicBackend(base_url=fake_api.base_url)
        backend.set_api_key("sk-test")
        api = AnthropicBatches(backend)
        try:
            made = await api.create(requests("a", "b", "c", "d", "e"))
            first = await api.retrieve(made.id)
            ended = await api.retrieve(made.id)
            listed = await api.list_batches()
            data = await api.results_data(ended)
        finally:
            await backend.aclose()
        return [made, first, ended, *listed], data

    (made, first, ended, listed), data = run(go())
    assert made.status == first.status == "in_progress" and made.counts.processing == 5
    assert ended.ended and ended.counts.succeeded == 2 and ended.counts.errored == 2
    assert ended.counts.expired == 1 and ended.ended_at is not None
    assert ended.expires_at == pytest.approx(ended.created_at + 86400)
    assert listed.id == made.id
    assert ended.results_url and ended.results_url.startswith(fake_api.base_url + "/batch-results/")
    results = decode_results_jsonl(data)
    assert sorted(r.custom_id for r in results) == ["a", "b", "c", "d", "e"]
    assert [r.custom_id for r in results] != ["a", "b", "c", "d", "e"]  # out of order
    paths = [r.path for r in fake_api.requests]
    assert paths[-1] == f"/batch-results/{made.id}.jsonl"
    assert paths.count(f"/v1/messages/batches/{made.id}") == 2  # the results: no retrieve


def test_results_before_the_batch_has_ended_are_refused(fake_api) -> None:
    async def go() -> None:
        backend = AnthropicBackend(base_url=fake_api.base_url)
        backend.set_api_key("sk-test")
        try:
            made = await AnthropicBatches(backend).create(requests("a"))
            with pytest.raises(DeskError, match="not published yet"):
                await AnthropicBatches(backend).results_data(made)
        finally:
            await backend.aclose()

    run(go())


def test_cancel_ends_with_every_request_canceled(fake_api) -> None:
    fake_api.batches.polls_before_end = 100

    async def go() -> tuple[BatchInfo, BatchInfo]:
        backend = AnthropicBackend(base_url=fake_api.base_url)
        backend.set_api_key("sk-test")
        api = AnthropicBatches(backend)
        try:
            made = await api.create(requests("a", "b"))
            canceling = await api.cancel(made.id)
            await api.retrieve(made.id)
            return canceling, await api.retrieve(made.id)
        finally:
            await backend.aclose()

    canceling, ended = run(go())
    assert canceling.status == "canceling"
    assert ended.ended and ended.counts.canceled == 2


def test_errors_are_the_apps_own(fake_api) -> None:
    async def go(key: str, batch_id: str) -> None:
        backend = AnthropicBackend(base_url=fake_api.base_url)
        backend.set_api_key(key)
        try:
            await AnthropicBatches(backend).retrieve(batch_id)
        finally:
            await backend.aclose()

    # a 404 here is about the batch, never "model not available": the API's own words
    with pytest.raises(NotFound, match="could not find it: batch msgbatch_nope") as missing:
        run(go("sk-test", "msgbatch_nope"))
    assert not isinstance(missing.value, ModelNotFound)
    assert (missing.value.request_id or "").startswith("req_fake_")
    fake_api.accepted_keys = {"good"}
    with pytest.raises(AuthFailed):
        run(go("bad", "msgbatch_nope"))


def test_store_keeps_batches_results_and_spending(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    SqliteConversationStore(path).close()
    store = SqliteBatchStore(path)
    ended_at = time.mktime((2026, 11, 20, 23, 30, 0, 0, 0, -1))  # local time
    info = BatchInfo("msgbatch_1", "in_progress", created_at=ended_at - 3600)
    settings = {"model": "claude-opus-4-8", "max_tokens": 100}
    store.add_batch(
        info, "Title", settings, [("a", "A?", {"model": "claude-opus-4-8"}), ("b", "B?", {})]
    )
    [record] = store.list_batches()
    assert record.needs_polling and record.model == "claude-opus-4-8"
    store.update_batch(
        BatchInfo("msgbatch_1", "ended", created_at=info.created_at, ended_at=ended_at)
    )
    text = (
        '{"custom_id": "b", "result": {"type": "succeeded", "message": {"model": "claude-opus-4-8", '
        '"content": [{"type": "text", "text": "B!"}], "usage": {"input_tokens": 10, "output_tokens": 5, '
        '"cache_read_input_tokens": 100, "server_tool_use": {"web_search_requests": 2}}}}}\n'
        '{"custom_id": "a", "result": {"type": "succeeded", "message": {"model": "claude-opus-4-8", '
        '"content": [{"type": "text", "text": "A!"}], "usage": {"input_tokens": 3, "output_tokens": 2}}}}\n'
    )
    store.save_results("msgbatch_1", parse_results_jsonl(text))
    record = store.get_batch("msgbatch_1")
    assert record is not None and record.results_saved and not record.needs_polling
    assert store.prompts("msgbatch_1") == {"a": "A?", "b": "B?"}
    assert {r.custom_id: r.text for r in store.load_results("msgbatch_1")} == {"a": "A!", "b": "B!"}
    assert store.request_params("msgbatch_1", ["a"]) == [("a", "A?", {"model": "claude-opus-4-8"})]
    [spent] = store.batch_usage_records()
    assert spent.day == "2026-11-20" and spent.model == "claude-opus-4-8"
    assert spent.batch and spent.requests == 2
    assert spent.usage == Usage(
        input_tokens=13, output_tokens=7, cache_read_input_tokens=100, web_search_requests=2
    )  # a result's searches count in Spend (a result without them reads as none)
    store.close()
    assert SCHEMA_VERSION >= 2
