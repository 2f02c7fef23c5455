"""Spending over time: usage records per day and model, from chats and batches (stdlib only).

Storage aggregates usage in SQL and hands the UI `UsageRecord`s; the Spend view prices them
with `desktop.core.pricing.cost` (batch records at the batch discount). A model without a known
price is counted and listed, never given a guessed price.

Server tools are shown apart from tokens: web searches cost `web_search_price` per 1,000 (the
`tools` part of a `Cost`); web fetches are counted but cost only the tokens of what was fetched,
already in the input. Code execution reports no usage counter, so it is not priced here. Usage
stored before the counters existed simply reads as zero searches and fetches.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from desktop.core.catalog import ModelSpec
from desktop.core.conversation import Usage
from desktop.core.pricing import Cost, cache_write_split, cost, format_usd, search_cost

SpecFor = Callable[[str], ModelSpec]
UsageSource = Callable[[], "list[UsageRecord]"]
"""Something that reports spending (the chat history, Message Batches); may block: run it in
a worker thread."""

RANGES: tuple[tuple[str, int | None], ...] = (
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("All time", None),
)
"""The ranges the Spend view offers: label, number of days (None: everything)."""

CSV_COLUMNS = (
    "day",
    "model",
    "kind",
    "requests",
    "input_tokens",
    "output_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "cost_usd",
    "saved_by_cache_usd",
    "web_searches",
    "web_fetches",
    "token_cost_usd",
    "tool_cost_usd",
)
"""New columns go at the end, so a sheet that reads the older ones by position keeps working."""


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """Summed usage of one model on one local day, from chats or from batches.

    Attributes:
        day: local calendar day, 'YYYY-MM-DD'.
        model: the model id the usage was reported for.
        usage: summed token counts.
        batch: True for Message Batches results (priced at 50 %).
        requests: how many answers or batch results were summed.
    """

    day: str
    model: str
    usage: Usage
    batch: bool = False
    requests: int = 1

    @property
    def kind(self) -> str:
        return "batch" if self.batch else "chat"


@dataclass(frozen=True, slots=True)
class ModelSpend:
    """One model's spending in a range, chats and batches apart. `cost` None: price unknown.

    `search_price_unknown`: searches were made but the model has no search price, so they are
    not in `cost` (its tokens are).
    """

    model: str
    batch: bool
    requests: int
    usage: Usage
    cost: Cost | None
    search_price_unknown: bool = False

    @property
    def kind(self) -> str:
        return "batch" if self.batch else "chat"

    @property
    def token_cost(self) -> Decimal | None:
        """What the tokens cost (input, cache, output); None when the price is unknown."""
        return None if self.cost is None else self.cost.total - self.cost.tools

    @property
    def tool_cost(self) -> Decimal | None:
        """The web search fees; None when searches were made at an unknown price."""
        if self.cost is None and self.usage.web_search_requests:
            return None
        if self.search_price_unknown:
            return None
        return Decimal(0) if self.cost is None else self.cost.tools


@dataclass(frozen=True, slots=True)
class DaySpend:
    """One day's priced cost per (model, batch); unpriced usage is not in it.

    `tools` is the part of the total paid in web search fees; `searches` and `fetches` count
    the server tool requests of the priced answers that day.
    """

    day: str
    costs: dict[tuple[str, bool], Decimal] = field(default_factory=dict)
    tools: Decimal = Decimal(0)
    searches: int = 0
    fetches: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.costs.values(), Decimal(0))


@dataclass(frozen=True, slots=True)
class SpendSummary:
    """Totals of a range: `total` covers priced models only; `unpriced` lists the others."""

    models: list[ModelSpend]
    days: list[DaySpend]
    total: Cost
    requests: int

    @property
    def unpriced(self) -> list[ModelSpend]:
        return [m for m in self.models if m.cost is None]

    @property
    def series(self) -> list[tuple[str, bool]]:
        """The priced (model, batch) pairs, most expensive first: the chart's colours."""
        return [(m.model, m.batch) for m in self.models if m.cost is not None]

    @property
    def searches(self) -> int:
        """Web searches of every model in the range, priced or not."""
        return sum(m.usage.web_search_requests for m in self.models)

    @property
    def fetches(self) -> int:
        return sum(m.usage.web_fetch_requests for m in self.models)


def first_day(days: int | None, today: date) -> str | None:
    """The first day ('YYYY-MM-DD') of a range of `days` ending today; None for all time."""
    return None if days is None else (today - timedelta(days=days - 1)).isoformat()


def in_range(records: Iterable[UsageRecord], start: str | None) -> list[UsageRecord]:
    return [r for r in records if start is None or r.day >= start]


def add_usage(a: Usage, b: Usage) -> Usage:
    return Usage(**{name: getattr(a, name) + getattr(b, name) for name in Usage.__slots__})


def price(record: UsageRecord, spec_for: SpecFor) -> Cost | None:
    """What a record cost (batch records at the batch discount); None when the price is unknown."""
    return cost(record.usage, spec_for(record.model), batch=record.batch)


def summarize(
    records: Iterable[UsageRecord], spec_for: SpecFor, start: str | None, today: date
) -> SpendSummary:
    """Per-model and per-day totals of the records from `start` (None: the first record) on."""
    chosen = sorted(in_range(records, start), key=lambda r: (r.day, r.model, r.batch))
    by_model: dict[tuple[str, bool], tuple[int, Usage, Cost | None]] = {}
    by_day: dict[str, _Day] = {}
    for record in chosen:
        key = (record.model, record.batch)
        amount = price(record, spec_for)
        requests, usage, total = by_model.get(key, (0, Usage(), Cost()))
        summed = None if amount is None or total is None else total + amount
        by_model[key] = (requests + record.requests, add_usage(usage, record.usage), summed)
        if amount is not None:
            by_day.setdefault(record.day, _Day()).add(key, amount, record.usage)
    models = [
        ModelSpend(k[0], k[1], n, u, c, _search_price_unknown(u, spec_for(k[0])))
        for k, (n, u, c) in by_model.items()
    ]
    models.sort(key=lambda m: (m.cost is None, -(m.cost.total if m.cost else 0), m.model))
    total = sum((m.cost for m in models if m.cost is not None), Cost())
    begin = start or (chosen[0].day if chosen else today.isoformat())
    days = [by_day.get(d, _Day()).spend(d) for d in day_span(begin, today)]
    return SpendSummary(models, days, total, sum(m.requests for m in models))


@dataclass(slots=True)
class _Day:
    """One day's sums while `summarize` walks the records."""

    costs: dict[tuple[str, bool], Decimal] = field(default_factory=dict)
    tools: Decimal = Decimal(0)
    searches: int = 0
    fetches: int = 0

    def add(self, key: tuple[str, bool], amount: Cost, usage: Usage) -> None:
        self.costs[key] = self.costs.get(key, Decimal(0)) + amount.total
        self.tools += amount.tools
        self.searches += usage.web_search_requests
        self.fetches += usage.web_fetch_requests

    def spend(self, day: str) -> DaySpend:
        return DaySpend(day, self.costs, self.tools, self.searches, self.fetches)


def _search_price_unknown(usage: Usage, spec: ModelSpec) -> bool:
    return search_cost(usage.web_search_requests, spec) is None


def day_span(first: str, today: date) -> list[str]:
    """Every day from `first` to `today` (both included); just `first` if it is later."""
    start = date.fromisoformat(first)
    count = max(1, (today - start).days + 1)
    return [(start + timedelta(days=i)).isoformat() for i in range(count)]


def csv_text(records: Iterable[UsageRecord], spec_for: SpecFor) -> str:
    """The records as CSV (`CSV_COLUMNS`), one row per day, model and kind, oldest first.

    Amounts are unrounded USD; `cost_usd` (tokens and tools), `saved_by_cache_usd` and
    `token_cost_usd` are empty when the model's price is unknown, `tool_cost_usd` also when
    searches were made at an unknown search price.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in sorted(records, key=lambda r: (r.day, r.model, r.batch)):
        writer.writerow(csv_row(record, spec_for))
    return out.getvalue()


def csv_row(record: UsageRecord, spec_for: SpecFor) -> list[str]:
    usage = record.usage
    writes_5m, writes_1h = cache_write_split(usage)
    amount = price(record, spec_for)
    counts = (usage.input_tokens, usage.output_tokens, writes_5m, writes_1h)
    tools_known = amount is not None and not _search_price_unknown(usage, spec_for(record.model))
    return [
        record.day,
        record.model,
        record.kind,
        str(record.requests),
        *(str(n) for n in counts),
        str(usage.cache_read_input_tokens),
        "" if amount is None else _plain(amount.total),
        "" if amount is None else _plain(amount.saved_by_cache),
        str(usage.web_search_requests),
        str(usage.web_fetch_requests),
        "" if amount is None else _plain(amount.total - amount.tools),
        _plain(amount.tools) if amount is not None and tools_known else "",
    ]


def _plain(amount: Decimal) -> str:
    """A Decimal without exponent notation, trailing zeros dropped ('0.0125', '0')."""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def counted(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def tool_counts(searches: int, fetches: int) -> str:
    """ "3 searches · 1 fetch"; "" for neither."""
    parts = [counted(searches, "search", "searches")] if searches else []
    if fetches:
        parts.append(counted(fetches, "fetch", "fetches"))
    return " · ".join(parts)


def tools_text(summary: SpendSummary) -> str:
    """The range's token and tool costs apart, with the searches and fetches behind them."""
    counts = tool_counts(summary.searches, summary.fetches)
    if not counts:
        return "Web tools: none used in this range."
    tokens = format_usd(summary.total.total - summary.total.tools)
    text = f"Tokens {tokens} · web tools {format_usd(summary.total.tools)} ({counts})"
    if summary.fetches:
        text += "; fetches cost only the tokens they read"
    unknown = [m for m in summary.models if m.usage.web_search_requests and m.tool_cost is None]
    if unknown:
        missing = sum(m.usage.web_search_requests for m in unknown)
        text += f"; {counted(missing, 'search', 'searches')} at an unknown price, not in it"
    return text + "."


def day_tools_text(day: DaySpend) -> str:
    """A day's tool line for the chart's tooltip; "" when the day used no web tools."""
    counts = tool_counts(day.searches, day.fetches)
    if not counts:
        return ""
    if day.tools:
        return f"of which web tools: {format_usd(day.tools)} ({counts})"
    return f"web tools: {counts}"
