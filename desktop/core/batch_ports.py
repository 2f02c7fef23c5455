"""Protocols the Batches view depends on; `desktop.api.batches` and `desktop.storage.batches`
implement them (tests use the real ones against the fake server and a temporary database)."""

from __future__ import annotations

from typing import Any, Protocol

from desktop.core.batch_results import BatchInfo, BatchRecord, BatchResult
from desktop.core.spend import UsageRecord


class BatchApi(Protocol):
    """The Message Batches endpoints. Every method raises only `core.errors` kinds."""

    async def create(self, requests: list[dict[str, Any]]) -> BatchInfo: ...

    async def retrieve(self, batch_id: str) -> BatchInfo: ...

    async def cancel(self, batch_id: str) -> BatchInfo: ...

    async def results_data(self, batch: BatchInfo) -> bytes:
        """The results file (JSONL, undecoded) of an ended batch, as just retrieved."""
        ...


class BatchStore(Protocol):
    """Batches kept locally. Blocking and thread-safe: call from a worker thread."""

    def add_batch(
        self,
        info: BatchInfo,
        title: str,
        settings: dict[str, Any],
        requests: list[tuple[str, str, dict[str, Any]]],
    ) -> BatchRecord: ...

    def update_batch(self, info: BatchInfo) -> None: ...

    def mark_notified(self, batch_id: str) -> None: ...

    def list_batches(self) -> list[BatchRecord]: ...

    def get_batch(self, batch_id: str) -> BatchRecord | None: ...

    def prompts(self, batch_id: str) -> dict[str, str]: ...

    def request_params(
        self, batch_id: str, custom_ids: list[str]
    ) -> list[tuple[str, str, dict[str, Any]]]: ...

    def save_results(self, batch_id: str, results: list[BatchResult]) -> None: ...

    def load_results(self, batch_id: str) -> list[BatchResult]: ...

    def batch_usage_records(self) -> list[UsageRecord]: ...
