"""Message Batches over the SDK (`client.messages.batches`); raises only `core.errors` kinds.

Results are read with a GET of the batch's absolute `results_url` (the SDK does not join it to
`base_url`), taken from the retrieve the caller has just made: the SDK's `batches.results()`
would retrieve the batch a second time first. The body is returned as raw bytes, not decoded
into SDK models on the UI thread: the caller decodes it in a worker thread
(`desktop.core.batch_results.decode_results_jsonl`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any

from desktop.api.errors import to_desk_error
from desktop.core.batch_results import BatchInfo, RequestCounts
from desktop.core.errors import DeskError

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic


class AnthropicBatches:
    """The batch endpoints of the account behind `backend` (an `AnthropicBackend`)."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    async def _client(self) -> AsyncAnthropic:
        client: AsyncAnthropic = await self._backend.sdk_client()
        return client

    async def create(self, requests: list[dict[str, Any]]) -> BatchInfo:
        client = await self._client()
        try:
            batch = await client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
        except Exception as error:
            raise to_desk_error(error) from error
        return batch_info(batch)

    async def retrieve(self, batch_id: str) -> BatchInfo:
        client = await self._client()
        try:
            batch = await client.messages.batches.retrieve(batch_id)
        except Exception as error:
            raise to_desk_error(error) from error
        return batch_info(batch)

    async def cancel(self, batch_id: str) -> BatchInfo:
        client = await self._client()
        try:
            batch = await client.messages.batches.cancel(batch_id)
        except Exception as error:
            raise to_desk_error(error) from error
        return batch_info(batch)

    async def list_batches(self, limit: int = 100) -> list[BatchInfo]:
        client = await self._client()
        try:
            page = await client.messages.batches.list(limit=limit)
        except Exception as error:
            raise to_desk_error(error) from error
        return [batch_info(b) for b in page.data]

    async def results_data(self, batch: BatchInfo) -> bytes:
        """The whole results file (JSONL, undecoded) of an ended batch, from its `results_url`."""
        import httpx2

        if not batch.results_url:
            raise DeskError("The batch's results are not published yet; trying again shortly.")
        client = await self._client()
        chunks: list[bytes] = []
        try:
            response = await client.get(
                batch.results_url,
                cast_to=httpx2.Response,
                options={"headers": {"Accept": "application/binary"}},
                stream=True,
            )
            try:
                async for chunk in response.aiter_bytes():
                    chunks.append(chunk)
                    await asyncio.sleep(0)
            finally:
                await response.aclose()
        except Exception as error:
            raise to_desk_error(error) from error
        return await asyncio.to_thread(b"".join, chunks)  # a copy of up to hundreds of MB


def batch_info(batch: Any) -> BatchInfo:
    """An SDK `MessageBatch` as the app's `BatchInfo`."""
    counts = batch.request_counts
    return BatchInfo(
        id=batch.id,
        status=str(batch.processing_status),
        counts=RequestCounts(
            processing=counts.processing,
            succeeded=counts.succeeded,
            errored=counts.errored,
            canceled=counts.canceled,
            expired=counts.expired,
        ),
        created_at=_seconds(batch.created_at) or 0.0,
        expires_at=_seconds(batch.expires_at),
        ended_at=_seconds(batch.ended_at),
        cancel_initiated_at=_seconds(batch.cancel_initiated_at),
        results_url=batch.results_url,
    )


def _seconds(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()
