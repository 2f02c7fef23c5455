"""Message Batches on the fake server: create, retrieve, list, cancel, results at an absolute URL.

Scripting (attributes of `FakeAnthropic.batches`, safe to change while the server runs):
- `polls_before_end`: how many retrieves a new batch answers `in_progress` before `ended`.
- `outcomes`: custom_id -> "succeeded" | "errored" | "invalid" | "canceled" | "expired"
  (default "succeeded"; "errored" is a retryable overloaded error, "invalid" an
  `invalid_request_error`).
- `answers`: custom_id -> answer text; `usage`: custom_id -> usage dict (else computed).
- `shuffle`: results come back in a scrambled (but reproducible) order.
- `prompt_cache`: the server's simulated cache; succeeded requests read and write it in the
  order they were sent (requests with more than four breakpoints fail as invalid).

Results are served at `<base_url>/batch-results/<id>.jsonl` — a path that is not under
`/v1/messages/batches`, so a client that ignored the absolute `results_url` would fail.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fake_api.estimate import input_tokens
from tests.fake_api.prompt_cache import MAX_BREAKPOINTS, PromptCache, count_breakpoints
from tests.fake_api.render import Context, Rendered, error_response, json_bytes, message_json
from tests.fake_api.script import TextReply

PREFIX = "/v1/messages/batches"
RESULTS_PREFIX = "/batch-results/"
DAY = 24 * 3600


@dataclass
class _Batch:
    id: str
    requests: list[dict[str, Any]]
    created_at: float
    polls_left: int
    status: str = "in_progress"
    ended_at: float | None = None
    cancel_initiated_at: float | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


class FakeBatches:
    """The batch state of one fake server (thread-safe: the server is threaded)."""

    def __init__(self) -> None:
        self.polls_before_end = 1
        self.outcomes: dict[str, str] = {}
        self.answers: dict[str, str] = {}
        self.usage: dict[str, dict[str, Any]] = {}
        self.prompt_cache: PromptCache | None = None  # the server's: results read and write it
        self.shuffle = True
        self.base_url = ""
        self._batches: dict[str, _Batch] = {}
        self._lock = threading.Lock()
        self._count = 0

    @property
    def ids(self) -> list[str]:
        with self._lock:
            return list(self._batches)

    def requests_of(self, batch_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._batches[batch_id].requests)

    def finish(self, batch_id: str) -> None:
        """End a batch at its next retrieve."""
        with self._lock:
            self._batches[batch_id].polls_left = 0

    # -- routing -----------------------------------------------------------------------------

    def route(
        self, method: str, path: str, query: dict[str, str], body: dict[str, Any] | None, rid: str
    ) -> Rendered:
        if path.startswith(RESULTS_PREFIX) and method == "GET":
            return self._results(path.removeprefix(RESULTS_PREFIX).removesuffix(".jsonl"), rid)
        rest = path.removeprefix(PREFIX).strip("/")
        if not rest:
            if method == "POST":
                return self._create(body or {}, rid)
            return Rendered(body=json_bytes(self._list(query)))
        batch_id, _, action = rest.partition("/")
        with self._lock:
            batch = self._batches.get(batch_id)
            if batch is None:
                return error_response(404, "not_found_error", f"batch {batch_id}", rid)
            if method == "GET" and not action:
                self._advance(batch)
                return Rendered(body=json_bytes(self._view(batch)))
            if method == "POST" and action == "cancel":
                return self._cancel(batch)
        return error_response(404, "not_found_error", f"Not found: {method} {path}", rid)

    def _create(self, body: dict[str, Any], rid: str) -> Rendered:
        requests = body.get("requests")
        if not isinstance(requests, list) or not requests:
            return error_response(400, "invalid_request_error", "requests: empty", rid)
        ids = [r.get("custom_id") for r in requests]
        if len(set(ids)) != len(ids):
            return error_response(400, "invalid_request_error", "duplicate custom_id", rid)
        with self._lock:
            self._count += 1
            batch_id = f"msgbatch_fake{self._count:06d}"
            batch = _Batch(batch_id, requests, time.time(), self.polls_before_end)
            self._batches[batch_id] = batch
            return Rendered(body=json_bytes(self._view(batch)))

    def _cancel(self, batch: _Batch) -> Rendered:
        if batch.status == "in_progress":
            batch.status = "canceling"
            batch.cancel_initiated_at = time.time()
            batch.polls_left = min(batch.polls_left, 1)
        return Rendered(body=json_bytes(self._view(batch)))

    def _list(self, query: dict[str, str]) -> dict[str, Any]:
        limit = int(query.get("limit") or 20)
        with self._lock:
            views = [self._view(b) for b in reversed(self._batches.values())][:limit]
        return {
            "data": views,
            "has_more": False,
            "first_id": views[0]["id"] if views else None,
            "last_id": views[-1]["id"] if views else None,
        }

    def _results(self, batch_id: str, rid: str) -> Rendered:
        with self._lock:
            batch = self._batches.get(batch_id)
            if batch is None or batch.status != "ended":
                return error_response(404, "not_found_error", f"no results for {batch_id}", rid)
            lines = [json.dumps(r) + "\n" for r in batch.results]
        return Rendered(body="".join(lines).encode("utf-8"))

    # -- progress ----------------------------------------------------------------------------

    def _advance(self, batch: _Batch) -> None:
        if batch.status == "ended":
            return
        if batch.polls_left > 0:
            batch.polls_left -= 1
            return
        canceled = batch.status == "canceling"
        batch.results = [self._result(r, canceled) for r in batch.requests]
        if self.shuffle:
            random.Random(batch.id).shuffle(batch.results)
        batch.status = "ended"
        batch.ended_at = time.time()

    def _result(self, request: dict[str, Any], canceled: bool) -> dict[str, Any]:
        custom_id = request["custom_id"]
        outcome = "canceled" if canceled else self.outcomes.get(custom_id, "succeeded")
        params = request.get("params") or {}
        if outcome == "succeeded" and count_breakpoints(params) > MAX_BREAKPOINTS:
            outcome = "invalid"  # the API refuses more than four cache_control markers
        if outcome == "succeeded":
            return {"custom_id": custom_id, "result": self._succeeded(request)}
        if outcome in ("errored", "invalid"):
            kind = "invalid_request_error" if outcome == "invalid" else "overloaded_error"
            error = {"type": kind, "message": f"{kind.replace('_', ' ')} (fake)"}
            result = {"type": "errored", "error": {"type": "error", "error": error}}
            return {"custom_id": custom_id, "result": result}
        return {"custom_id": custom_id, "result": {"type": outcome}}

    def _succeeded(self, request: dict[str, Any]) -> dict[str, Any]:
        custom_id = request["custom_id"]
        params = request.get("params") or {}
        text = self.answers.get(custom_id) or f"Answer to {custom_id}."
        scripted = self.usage.get(custom_id)
        cache = None
        if self.prompt_cache is not None and scripted is None:
            # requests run in the order sent here: the first writes, the others read
            cache = self.prompt_cache.usage(params, input_tokens(params))
        reply = TextReply(text, usage={**(scripted or {}), "service_tier": "batch"})
        ctx = Context(params, "", f"msg_{custom_id}", cache)
        return {"type": "succeeded", "message": message_json(reply, ctx)}

    def _view(self, batch: _Batch) -> dict[str, Any]:
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if batch.status == "ended":
            for r in batch.results:
                counts[r["result"]["type"]] += 1
        else:
            counts["processing"] = len(batch.requests)
        ended = batch.status == "ended"
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": batch.status,
            "request_counts": counts,
            "created_at": _iso(batch.created_at),
            "expires_at": _iso(batch.created_at + DAY),
            "ended_at": _iso(batch.ended_at) if batch.ended_at else None,
            "cancel_initiated_at": _iso(batch.cancel_initiated_at)
            if batch.cancel_initiated_at
            else None,
            "archived_at": None,
            "results_url": f"{self.base_url}{RESULTS_PREFIX}{batch.id}.jsonl" if ended else None,
        }


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
