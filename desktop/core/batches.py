"""Making a Message Batch: importing prompts, checking limits, building requests (stdlib only).

Prompts come as pasted lines, a CSV column, or JSONL lines with `custom_id` and `prompt` or
`messages`. Every bad line is reported with its line number; nothing is half-imported.
Limits (api-facts.md §7): at most 100,000 requests or 256 MB per batch; `custom_id` is
1–64 characters of letters, digits, `_` and `-`, unique within the batch.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop.core.batch_documents import (
    BATCH_TTL,
    CachedInput,
    cached_input,
    inline_documents,
    with_documents,
)
from desktop.core.caching import Ttl, place_breakpoints
from desktop.core.catalog import ModelSpec
from desktop.core.conversation import ConversationSettings, Message, Role, text_block
from desktop.core.pricing import BATCH_MULTIPLIER, PER_MILLION, input_cost
from desktop.core.requests import build_params

MAX_REQUESTS = 100_000
MAX_BYTES = 256 * 1024 * 1024
CUSTOM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One request of a batch: its id and either a prompt or a full `messages` list."""

    custom_id: str
    prompt: str
    messages: tuple[dict[str, Any], ...] = ()

    @property
    def title(self) -> str:
        """The prompt, or the last user text of `messages`, for tables and exports."""
        if self.prompt or not self.messages:
            return self.prompt
        return _text_of(self.messages[-1].get("content"))


@dataclass(frozen=True, slots=True)
class Problem:
    line: int  # 1-based line of the input (0: the input as a whole)
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class BatchInputError(ValueError):
    """The input was refused; `problems` say where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = [str(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
        more = len(problems) - len(shown)
        if more:
            shown.append(f"… and {more} more")
        super().__init__("\n".join(shown))


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


def auto_id(number: int) -> str:
    return f"request-{number:05d}"


def parse_lines(text: str) -> list[BatchItem]:
    """One prompt per non-empty line; ids `request-00001`, ... in order."""
    prompts = [line.strip() for line in text.splitlines() if line.strip()]
    items = [BatchItem(auto_id(n), prompt) for n, prompt in enumerate(prompts, 1)]
    return checked(items, [])


def csv_columns(text: str) -> list[str]:
    """The header row of a CSV file (the columns a person may pick)."""
    reader = csv.reader(io.StringIO(text))
    return [name.strip() for name in next(reader, [])]


def parse_csv(text: str, column: str, id_column: str | None = None) -> list[BatchItem]:
    """Prompts from one column of a CSV file with a header row; ids from `id_column` or made."""
    reader = csv.DictReader(io.StringIO(text))
    names = [n.strip() for n in reader.fieldnames or []]
    if column not in names:
        raise BatchInputError([Problem(1, f"no column named “{column}”")])
    reader.fieldnames = names
    items: list[BatchItem] = []
    problems: list[Problem] = []
    lines: list[int] = []
    for row in reader:
        line = reader.line_num
        prompt = (row.get(column) or "").strip()
        if not prompt:
            problems.append(Problem(line, f"the “{column}” cell is empty"))
            continue
        custom_id = (row.get(id_column) or "").strip() if id_column else auto_id(len(items) + 1)
        items.append(BatchItem(custom_id, prompt))
        lines.append(line)
    return checked(items, problems, lines=lines)


def parse_jsonl(text: str) -> list[BatchItem]:
    """One JSON object per line: `custom_id` and `prompt` (a string) or `messages` (a list)."""
    items: list[BatchItem] = []
    problems: list[Problem] = []
    lines: list[int] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            item = _jsonl_item(raw)
        except ValueError as exc:
            problems.append(Problem(number, str(exc)))
            continue
        items.append(item)
        lines.append(number)
    return checked(items, problems, lines=lines)


def _jsonl_item(raw: str) -> BatchItem:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc.args[0].split(':')[0]})") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object with custom_id and prompt or messages")
    custom_id = data.get("custom_id")
    if not isinstance(custom_id, str):
        raise ValueError("custom_id is missing or not a string")
    prompt, messages = data.get("prompt"), data.get("messages")
    if isinstance(prompt, str) and prompt.strip():
        return BatchItem(custom_id, prompt.strip())
    if isinstance(messages, list) and messages and all(_is_message(m) for m in messages):
        if messages[-1]["role"] != "user":
            raise ValueError("messages must end with a user message")
        return BatchItem(custom_id, "", tuple(messages))
    raise ValueError("needs a non-empty prompt (string) or messages (list of role/content)")


def _is_message(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("role") in ("user", "assistant")
        and isinstance(value.get("content"), str | list)
    )


def checked(
    items: list[BatchItem], problems: list[Problem], lines: list[int] | None = None
) -> list[BatchItem]:
    """`items` if every id is valid and unique and the count fits, else BatchInputError."""
    where = lines or list(range(1, len(items) + 1))
    seen: dict[str, int] = {}
    for item, line in zip(items, where, strict=True):
        if not CUSTOM_ID.fullmatch(item.custom_id):
            problems.append(Problem(line, f"custom_id “{item.custom_id}” {_id_rule()}"))
        elif item.custom_id in seen:
            first = seen[item.custom_id]
            problems.append(Problem(line, f"duplicate custom_id “{item.custom_id}” (line {first})"))
        else:
            seen[item.custom_id] = line
    if len(items) > MAX_REQUESTS:
        problems.append(Problem(0, f"{len(items):,} requests; a batch holds at most 100,000"))
    if not items and not problems:
        problems.append(Problem(0, "there are no prompts"))
    if problems:
        raise BatchInputError(sorted(problems, key=lambda p: p.line))
    return items


def _id_rule() -> str:
    return "must be 1–64 letters, digits, “_” or “-”"


def merge(existing: list[BatchItem], added: list[BatchItem]) -> list[BatchItem]:
    """`existing` then `added`; added items whose made-up ids clash get fresh ones."""
    taken = {item.custom_id for item in existing}
    out = list(existing)
    number = len(existing)
    for item in added:
        custom_id = item.custom_id
        if custom_id in taken and custom_id.startswith("request-"):
            while (custom_id := auto_id(number + 1)) in taken:
                number += 1
        taken.add(custom_id)
        number += 1
        out.append(BatchItem(custom_id, item.prompt, item.messages))
    return checked(out, [])


def request_params(
    item: BatchItem,
    settings: ConversationSettings,
    spec: ModelSpec,
    documents: Sequence[dict[str, Any]] = (),
    ttl: Ttl = BATCH_TTL,
) -> dict[str, Any]:
    """Messages-API parameters of one request (shared system prompt, max tokens, thinking).

    `documents` (stored document blocks) open the first user turn and are cached with the
    system prompt (`desktop.core.batch_documents`), so every request has the same prefix.
    """
    history = [Message(0, Role.USER, [text_block(item.prompt)])]
    params = build_params(settings, spec, history, list(documents) or None)
    if item.messages:
        params["messages"] = with_documents(item.messages, documents)
    return place_breakpoints(params, ttl, history_ttl=None) if documents else params


def build_requests(
    items: list[BatchItem],
    settings: ConversationSettings,
    spec: ModelSpec,
    documents: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """The `requests` body of `POST /v1/messages/batches`, documents still as blob references
    (`sendable` inlines them); raises if it breaks the limits."""
    requests = [
        {"custom_id": i.custom_id, "params": request_params(i, settings, spec, documents)}
        for i in items
    ]
    check_size(requests)
    return requests


def request_bytes(requests: list[dict[str, Any]]) -> int:
    return len(json.dumps({"requests": requests}, ensure_ascii=False).encode("utf-8"))


def check_size(
    requests: list[dict[str, Any]], limit: int = MAX_BYTES, extra_per_request: int = 0
) -> None:
    """Refuse more than 100,000 requests or more than `limit` bytes; `extra_per_request` is
    what each request adds once its shared documents are inlined."""
    if len(requests) > MAX_REQUESTS:
        raise BatchInputError([Problem(0, f"{len(requests):,} requests; at most 100,000")])
    size = request_bytes(requests) + extra_per_request * len(requests)
    if size > limit:
        mb = size / (1024 * 1024)
        why = " (the shared documents count in every request)" if extra_per_request else ""
        raise BatchInputError([Problem(0, f"the batch is {mb:,.1f} MB{why}; at most 256 MB")])


def sendable(
    requests: list[dict[str, Any]], read: Callable[[str], bytes], limit: int
) -> list[dict[str, Any]]:
    """`requests` with stored documents inlined; raises `BatchInputError` over `limit` bytes."""
    out, extra = inline_documents(requests, read)
    check_size(requests, limit, extra_per_request=extra)
    return out


@dataclass(frozen=True, slots=True)
class BatchEstimate:
    """What a batch is expected to cost before it is sent (input from a counted sample)."""

    requests: int
    sample: int  # how many requests were counted
    input_tokens: int  # estimated for the whole batch
    batch_input: Decimal | None  # at the batch price (50 %)
    interactive_input: Decimal | None  # the same input sent as normal messages
    batch_output_cap: Decimal | None  # if every answer used max_tokens, at the batch price
    cached: CachedInput | None = None  # with shared documents: the input with caching
    documents_exact: bool = True  # False: the documents' tokens are a local guess


def estimate(
    requests: int,
    sample_tokens: list[int],
    spec: ModelSpec,
    max_tokens: int,
    prefix_tokens: int = 0,
    documents_exact: bool = True,
) -> BatchEstimate:
    """Scale the sample's average input to all `requests`; price it both ways (and, with
    `prefix_tokens` of shared documents per request, with the cache)."""
    average = sum(sample_tokens) / len(sample_tokens) if sample_tokens else 0
    tokens = round(average * requests)
    output_cap = None
    if spec.output_price is not None:
        output_cap = requests * max_tokens * spec.output_price / PER_MILLION * BATCH_MULTIPLIER
    return BatchEstimate(
        requests=requests,
        sample=len(sample_tokens),
        input_tokens=tokens,
        batch_input=input_cost(tokens, spec, batch=True),
        interactive_input=input_cost(tokens, spec),
        batch_output_cap=output_cap,
        cached=cached_input(requests, tokens, prefix_tokens, spec) if prefix_tokens else None,
        documents_exact=documents_exact,
    )


def sample_indexes(count: int, size: int = 3) -> list[int]:
    """Which requests to count: the first, the middle and the last (fewer for small batches)."""
    return sorted({0, count // 2, count - 1})[:size] if count else []
