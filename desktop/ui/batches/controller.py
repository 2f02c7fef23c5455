"""The Batches controller: submit, poll with backoff, cancel, fetch and match results.

Every store call and every CPU-heavy step (building 100,000 requests, parsing a results file,
pricing 10,000 rows) runs in a worker thread; network calls are awaited on the loop. Each batch
being followed has one polling task (group `batch-poll:<id>`), all owned by `self.tasks`, so
closing the app cancels them; after a restart `set_api` resumes them from the stored ids.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.core.batch_ports import BatchApi, BatchStore
from desktop.core.batch_results import (
    BatchInfo,
    BatchRecord,
    decode_results_jsonl,
    match_results,
    next_poll_delay,
)
from desktop.core.batches import (
    MAX_BYTES,
    BatchInputError,
    BatchItem,
    build_requests,
    estimate,
    request_params,
    sample_indexes,
    sendable,
)
from desktop.core.catalog import Catalog
from desktop.core.conversation import ConversationSettings, title_from_text
from desktop.core.documents import Document, check_documents, stored_block
from desktop.core.errors import DeskError
from desktop.core.ports import AttachmentStore, DocumentPreparer
from desktop.core.requests import without_documents
from desktop.ui.batches.results_model import ResultTable, build_table
from desktop.ui.common.gil import run_ui_first
from desktop.ui.common.tasks import TaskRegistry

log = logging.getLogger(__name__)

Counter = Callable[[dict[str, Any]], Awaitable[int]]


class BatchesController(QObject):
    batches_changed = Signal(list)  # [BatchRecord], newest first
    batch_submitted = Signal(object)  # BatchRecord
    batch_ended = Signal(object)  # BatchRecord, once per batch, when its results are saved
    results_loaded = Signal(str, object)  # batch id, ResultTable
    estimate_ready = Signal(object)  # BatchEstimate
    failed = Signal(str)  # a message for people

    def __init__(
        self,
        store: BatchStore,
        catalog: Callable[[], Catalog],
        first_poll: float = 5.0,
        *,
        blobs: AttachmentStore | None = None,
        preparer: DocumentPreparer | None = None,
    ):
        super().__init__()
        self.store = store
        self.blobs = blobs  # shared documents' bytes (None: batches without documents)
        self.preparer = preparer
        self.tasks = TaskRegistry()
        self.first_poll = first_poll
        self._catalog = catalog
        self._api: BatchApi | None = None
        self._count: Counter | None = None
        self.records: list[BatchRecord] = []

    @property
    def catalog(self) -> Catalog:
        return self._catalog()

    def token_counter(self) -> _Counting | None:
        """The count endpoint for document lists (None until the API is set)."""
        return None if self._count is None else _Counting(self._count)

    def set_api(self, api: BatchApi, count_tokens: Counter | None = None) -> None:
        """Use `api` from now on and resume following every batch not finished yet."""
        self._api, self._count = api, count_tokens
        self.tasks.start("batch-resume", self._resume())

    def refresh(self) -> None:
        self.tasks.start("batch-refresh", self._refresh())

    async def _refresh(self) -> list[BatchRecord]:
        import asyncio

        self.records = await asyncio.to_thread(self.store.list_batches)
        self.batches_changed.emit(self.records)
        return self.records

    async def _resume(self) -> None:
        for record in await self._refresh():
            if record.needs_polling:
                self._follow(record.id)

    def close(self) -> None:
        """Stop polling (the app is closing)."""
        self.tasks.cancel_all()

    # -- submitting --------------------------------------------------------------------------

    def submit(
        self,
        items: list[BatchItem],
        settings: ConversationSettings,
        title: str,
        documents: list[Document] | None = None,
    ) -> None:
        """Send `items` as a new batch, each request opening with the shared `documents`."""
        work = self._submit(items, settings, title, documents or [])
        self.tasks.start("batch-submit", self._guard(work))

    async def _submit(
        self,
        items: list[BatchItem],
        settings: ConversationSettings,
        title: str,
        documents: list[Document],
    ) -> None:
        import asyncio

        api = self._require_api()
        spec = self.catalog.get(settings.model)
        problems = check_documents(documents, spec)
        if problems:
            raise DeskError(problems[0])
        blocks = [stored_block(d) for d in documents]
        requests = await asyncio.to_thread(build_requests, items, settings, spec, blocks)
        info = await api.create(await asyncio.to_thread(self._sendable, requests))
        rows = [
            (r["custom_id"], i.title, r["params"]) for r, i in zip(requests, items, strict=True)
        ]
        saved = settings.to_dict()
        if documents:
            saved["documents"] = [d.to_dict() for d in documents]
        record = await asyncio.to_thread(self.store.add_batch, info, title, saved, rows)
        self.batch_submitted.emit(record)
        await self._refresh()
        self._follow(info.id)

    def retry_failed(self, record: BatchRecord, custom_ids: list[str]) -> None:
        """Send the given requests again, unchanged, as a new batch."""
        self.tasks.start("batch-submit", self._guard(self._retry(record, custom_ids)))

    async def _retry(self, record: BatchRecord, custom_ids: list[str]) -> None:
        import asyncio

        api = self._require_api()
        rows = await asyncio.to_thread(self.store.request_params, record.id, custom_ids)
        if not rows:
            raise DeskError("There are no failed requests to retry.")
        requests = [{"custom_id": cid, "params": params} for cid, _prompt, params in rows]
        info = await api.create(await asyncio.to_thread(self._sendable, requests))
        title = f"Retry: {record.title}"[:80]
        new = await asyncio.to_thread(self.store.add_batch, info, title, record.settings, rows)
        self.batch_submitted.emit(new)
        await self._refresh()
        self._follow(info.id)

    def cancel(self, batch_id: str) -> None:
        self.tasks.start(f"batch-cancel:{batch_id}", self._guard(self._cancel(batch_id)))

    async def _cancel(self, batch_id: str) -> None:
        import asyncio

        info = await self._require_api().cancel(batch_id)
        await asyncio.to_thread(self.store.update_batch, info)
        await self._refresh()
        self._follow(batch_id)

    # -- estimate ----------------------------------------------------------------------------

    def estimate(
        self,
        items: list[BatchItem],
        settings: ConversationSettings,
        documents: list[Document] | None = None,
    ) -> None:
        """Count a sample's input tokens; emits `estimate_ready` (or `failed`)."""
        work = self._estimate(items, settings, documents or [])
        self.tasks.start("batch-estimate", self._guard(work))

    async def _estimate(
        self, items: list[BatchItem], settings: ConversationSettings, documents: list[Document]
    ) -> None:
        """The documents were counted once when added: the sample is counted without them."""
        spec = self.catalog.get(settings.model)
        if self._count is None:
            raise DeskError("Still starting up — the token count comes in a moment.")
        blocks = [stored_block(d) for d in documents]
        counts = []
        for index in sample_indexes(len(items)):
            params = request_params(items[index], settings, spec, blocks)
            document_tokens = 0
            if blocks:  # placed by `request_params`, so every content is a list of blocks
                params, document_tokens, _exact = without_documents(params)
            counts.append(await self._count(params) + document_tokens)
        prefix = sum(d.tokens for d in documents)
        exact = all(d.tokens_exact for d in documents)
        result = estimate(len(items), counts, spec, settings.max_tokens, prefix, exact)
        self.estimate_ready.emit(result)

    # -- following ---------------------------------------------------------------------------

    def _follow(self, batch_id: str) -> None:
        group = f"batch-poll:{batch_id}"
        if not self.tasks.running(group):
            self.tasks.start(group, self._poll(batch_id))

    async def _poll(self, batch_id: str) -> None:
        """Check the status with backoff until the batch has ended and its results are saved."""
        import asyncio

        delay: float | None = None
        while True:
            try:
                if await self._check(batch_id):
                    return
            except DeskError as error:  # offline, rate limited, ...: keep trying, slower
                log.info("batch %s: status check failed: %s", batch_id, error.message)
            delay = next_poll_delay(delay, self.first_poll)
            await asyncio.sleep(delay)

    async def _check(self, batch_id: str) -> bool:
        """One poll: retrieve the batch, and once it has ended fetch and save its results.

        The list is refreshed once per poll: after the results are saved when it has ended
        (or after the results failed to arrive: the status at least is shown).
        """
        import asyncio

        api = self._require_api()
        info = await api.retrieve(batch_id)
        log.info("batch %s: %s %s", batch_id, info.status, info.counts.to_dict())
        await asyncio.to_thread(self.store.update_batch, info)
        if not info.ended:
            await self._refresh()
            return False
        try:
            await self._save_results(api, info)
        except DeskError:
            await self._refresh()
            raise
        records = await self._refresh()
        record = next((r for r in records if r.id == batch_id), None)
        if record is not None and not record.notified:
            await asyncio.to_thread(self.store.mark_notified, batch_id)
            self.batch_ended.emit(record)
        return True

    async def _save_results(self, api: BatchApi, info: BatchInfo) -> None:
        """Download the results (one GET of `results_url`), decode and save them in a worker."""
        import asyncio

        data = await api.results_data(info)
        results = await asyncio.to_thread(run_ui_first, decode_results_jsonl, data)
        await asyncio.to_thread(run_ui_first, self.store.save_results, info.id, results)

    # -- results -----------------------------------------------------------------------------

    def load_results(self, record: BatchRecord) -> None:
        """Rows of a batch's results, matched and priced in a worker thread."""
        self.tasks.start("batch-results", self._guard(self._load(record)))

    async def _load(self, record: BatchRecord) -> None:
        import asyncio

        catalog = self.catalog
        table = await asyncio.to_thread(run_ui_first, _table, self.store, record, catalog)
        self.results_loaded.emit(record.id, table)

    # -- plumbing ----------------------------------------------------------------------------

    def _sendable(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`requests` with their shared documents' bytes inlined (a worker thread)."""
        blobs = self.blobs
        if blobs is None:
            return sendable(requests, _no_blobs, MAX_BYTES)
        return sendable(requests, blobs.get, MAX_BYTES)

    def _require_api(self) -> BatchApi:
        if self._api is None:
            raise DeskError("Still starting up — try again in a moment.")
        return self._api

    async def _guard(self, work: Awaitable[Any]) -> None:
        try:
            await work
        except (DeskError, BatchInputError) as error:
            self.failed.emit(error.message if isinstance(error, DeskError) else str(error))


class _Counting:
    """The count endpoint as a `TokenCounter` (what the form's document list counts with)."""

    def __init__(self, count: Counter) -> None:
        self._count = count

    async def count_tokens(self, params: dict[str, Any]) -> int:
        return await self._count(params)


def _no_blobs(sha256: str) -> bytes:
    raise DeskError("This batch's documents cannot be read here (no document storage).")


def _table(store: BatchStore, record: BatchRecord, catalog: Catalog) -> ResultTable:
    """The batch's rows, matched by custom_id, priced and formatted (runs in a worker thread)."""
    prompts = store.prompts(record.id)
    results = store.load_results(record.id)
    return build_table(match_results(prompts, results, catalog.get, record.model))


def batch_title(items: list[BatchItem]) -> str:
    """A name for a new batch: its first prompt and how many there are."""
    first = title_from_text(items[0].title, 40) if items else "Batch"
    return first if len(items) == 1 else f"{first} (+{len(items) - 1})"
