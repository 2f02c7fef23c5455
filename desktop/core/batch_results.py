"""Following a batch and using its results (stdlib only).

Results arrive in any order and are matched to requests by `custom_id`, never by position.
Each result line is `{"custom_id", "result": {"type": "succeeded", "message": ...} |
{"type": "errored", "error": {"type": "error", "error": {"type", "message"}}} |
{"type": "canceled"} | {"type": "expired"}}` (api-facts.md §7).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from desktop.core.catalog import ModelSpec
from desktop.core.conversation import Usage
from desktop.core.pricing import Cost, cost, sum_costs
from desktop.core.streaming import merge_usage

FIX_THE_REQUEST = "invalid_request_error"
POLL_FIRST_S = 5.0
POLL_MAX_S = 300.0


@dataclass(frozen=True, slots=True)
class RequestCounts:
    processing: int = 0
    succeeded: int = 0
    errored: int = 0
    canceled: int = 0
    expired: int = 0

    @property
    def total(self) -> int:
        return self.processing + self.succeeded + self.errored + self.canceled + self.expired

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RequestCounts:
        data = data or {}
        return cls(**{k: int(data.get(k) or 0) for k in cls.__slots__})


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """A submitted batch as the API reports it; times are Unix seconds (None: not yet)."""

    id: str
    status: str  # in_progress | canceling | ended
    counts: RequestCounts = field(default_factory=RequestCounts)
    created_at: float = 0.0
    expires_at: float | None = None
    ended_at: float | None = None
    cancel_initiated_at: float | None = None
    results_url: str | None = None

    @property
    def ended(self) -> bool:
        return self.status == "ended"


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A batch as this app keeps it: the API's view plus what was asked and what is stored."""

    info: BatchInfo
    title: str
    model: str
    settings: dict[str, Any] = field(default_factory=dict)
    results_saved: bool = False
    notified: bool = False

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def needs_polling(self) -> bool:
        return not self.info.ended or not self.results_saved


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One request's outcome. `kind`: succeeded | errored | canceled | expired | missing."""

    custom_id: str
    kind: str
    text: str = ""
    model: str | None = None
    stop_reason: str | None = None
    usage: Usage | None = None
    error_type: str | None = None
    error_message: str | None = None
    content: tuple[dict[str, Any], ...] = ()

    @property
    def retry_worthwhile(self) -> bool:
        """Errored for a passing reason, canceled or expired. A 400 means fix the request."""
        if self.kind == "errored":
            return self.error_type != FIX_THE_REQUEST
        return self.kind in ("canceled", "expired")

    @property
    def failed(self) -> bool:
        return self.kind != "succeeded"

    @property
    def can_retry(self) -> bool:
        """A failed request that "retry failed rows" sends again."""
        return self.failed and self.kind != "missing" and self.retry_worthwhile


def parse_result(data: dict[str, Any]) -> BatchResult:
    """One line of the results file (already decoded from JSON)."""
    custom_id = str(data.get("custom_id") or "")
    result = data.get("result") or {}
    kind = str(result.get("type") or "missing")
    if kind == "succeeded":
        return _succeeded(custom_id, result.get("message") or {})
    if kind == "errored":
        outer: dict[str, Any] = result.get("error") or {}
        nested = outer.get("error")
        inner: dict[str, Any] = nested if isinstance(nested, dict) else outer
        return BatchResult(
            custom_id,
            kind,
            error_type=str(inner.get("type") or "api_error"),
            error_message=str(inner.get("message") or ""),
        )
    return BatchResult(custom_id, kind)


def _succeeded(custom_id: str, message: dict[str, Any]) -> BatchResult:
    content = tuple(b for b in message.get("content") or [] if isinstance(b, dict))
    text = "".join(b.get("text", "") for b in content if b.get("type") == "text")
    return BatchResult(
        custom_id,
        "succeeded",
        text=text,
        model=message.get("model"),
        stop_reason=message.get("stop_reason"),
        usage=usage_from_api(message.get("usage")),
        content=content,
    )


def usage_from_api(data: dict[str, Any] | None) -> Usage:
    """The API's usage object as the app's `Usage` (TTL breakdown and thinking included)."""
    usage = Usage()
    merge_usage(usage, data)
    return usage


def decode_results_jsonl(data: bytes) -> list[BatchResult]:
    """A results file as downloaded (UTF-8); CPU work: call it from a worker thread."""
    return parse_results_jsonl(data.decode("utf-8", errors="replace"))


def parse_results_jsonl(text: str) -> list[BatchResult]:
    """Every line of a results file; lines that are not JSON objects are skipped."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            out.append(parse_result(data))
    return out


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A request beside its result: what the results table shows and exports."""

    custom_id: str
    prompt: str
    result: BatchResult
    cost: Cost | None

    @property
    def cost_total(self) -> Decimal | None:
        return None if self.cost is None else self.cost.total


def match_results(
    prompts: dict[str, str],
    results: Iterable[BatchResult],
    spec_for: Callable[[str], ModelSpec],
    default_model: str,
) -> list[ResultRow]:
    """Rows in the requests' order, each result found by its `custom_id`.

    Requests with no result get kind "missing"; results for unknown ids are kept at the end.
    """
    by_id = {r.custom_id: r for r in results}
    rows = []
    for custom_id, prompt in prompts.items():
        result = by_id.pop(custom_id, None) or BatchResult(custom_id, "missing")
        rows.append(
            ResultRow(custom_id, prompt, result, result_cost(result, spec_for, default_model))
        )
    for custom_id, result in by_id.items():
        rows.append(ResultRow(custom_id, "", result, result_cost(result, spec_for, default_model)))
    return rows


def results_summary(rows: list[ResultRow]) -> str:
    """'3 results · 1 failed (1 worth retrying) · total $0.0123 at the batch price (50 %)'."""
    total = sum_costs(r.cost for r in rows)
    failed = sum(1 for r in rows if r.result.failed)
    retry = sum(1 for r in rows if r.result.can_retry)
    text = f"{len(rows):,} results · {failed:,} failed ({retry:,} worth retrying)"
    return f"{text} · total {total.label()} at the batch price (50 %)"


def result_cost(
    result: BatchResult, spec_for: Callable[[str], ModelSpec], default_model: str
) -> Cost | None:
    """The batch price (50 %) of a result's usage; zero for results that used nothing."""
    if result.usage is None:
        return Cost()
    return cost(result.usage, spec_for(result.model or default_model), batch=True)


def next_poll_delay(previous: float | None, first: float = POLL_FIRST_S) -> float:
    """Seconds until the next status check: `first`, then ×1.5 each time, at most 5 minutes."""
    if previous is None:
        return first
    return min(POLL_MAX_S, max(first, previous * 1.5))


EXPORT_FIELDS = (
    "custom_id",
    "prompt",
    "status",
    "answer",
    "stop_reason",
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "cost_usd",
    "error_type",
    "error_message",
    "retry_worthwhile",
)


def export_record(row: ResultRow) -> dict[str, Any]:
    r = row.result
    usage = r.usage or Usage()
    return {
        "custom_id": row.custom_id,
        "prompt": row.prompt,
        "status": r.kind,
        "answer": r.text,
        "stop_reason": r.stop_reason or "",
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_creation_input_tokens": usage.cache_creation_input_tokens,
        "cache_read_input_tokens": usage.cache_read_input_tokens,
        "cost_usd": "" if row.cost_total is None else str(row.cost_total),
        "error_type": r.error_type or "",
        "error_message": r.error_message or "",
        "retry_worthwhile": r.retry_worthwhile if r.failed else "",
    }


def export_csv(rows: Iterable[ResultRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow(export_record(row))
    return out.getvalue()


def export_jsonl(rows: Iterable[ResultRow]) -> str:
    return "".join(json.dumps(export_record(r), ensure_ascii=False) + "\n" for r in rows)
