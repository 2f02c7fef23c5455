"""Spend: pricing usage records into per-day and per-model totals, and CSV (hand-computed)."""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from desktop.core.catalog import ModelSpec
from desktop.core.conversation import Message, MessageStatus, Role, Usage, text_block
from desktop.core.spend import (
    CSV_COLUMNS,
    DaySpend,
    UsageRecord,
    csv_text,
    day_span,
    day_tools_text,
    first_day,
    summarize,
    tools_text,
)
from desktop.storage.database import SqliteConversationStore
from desktop.storage.paths import AppPaths

OPUS = ModelSpec("claude-opus-4-8", "Opus", input_price=Decimal(5), output_price=Decimal(25))
SONNET = ModelSpec("claude-sonnet-4-6", "Sonnet", input_price=Decimal(3), output_price=Decimal(15))
SPECS = {s.id: s for s in (OPUS, SONNET)}
TODAY = date(2026, 11, 21)


def spec_for(model: str) -> ModelSpec:
    return SPECS.get(model) or ModelSpec(model, model)


def rec(day: str, model: str, batch: bool = False, requests: int = 1, **usage: int) -> UsageRecord:
    return UsageRecord(day, model, Usage(**usage), batch, requests)


def test_ranges_start_today_and_go_back() -> None:
    assert first_day(7, TODAY) == "2026-11-15"
    assert first_day(1, TODAY) == "2026-11-21"
    assert first_day(None, TODAY) is None
    assert day_span("2026-11-19", TODAY) == ["2026-11-19", "2026-11-20", "2026-11-21"]


def test_totals_per_model_and_day() -> None:
    records = [
        # Opus: 1M in ($5) + 100k out ($2.50) = $7.50
        rec(
            "2026-11-20",
            "claude-opus-4-8",
            requests=3,
            input_tokens=1_000_000,
            output_tokens=100_000,
        ),
        # Opus: 200k cache reads = 200k × $0.50/M = $0.10; saved 200k × 0.9 × $5/M = $0.90
        rec("2026-11-21", "claude-opus-4-8", cache_read_input_tokens=200_000),
        # Sonnet: 1M in = $3; 5m-writes 100k = 100k × 3.75/M = $0.375 (saved -100k × 0.25 × 3/M)
        rec(
            "2026-11-21",
            "claude-sonnet-4-6",
            input_tokens=1_000_000,
            cache_creation_input_tokens=100_000,
        ),
        rec("2026-10-01", "claude-opus-4-8", input_tokens=1_000_000),  # outside 7 days
    ]
    summary = summarize(records, spec_for, first_day(7, TODAY), TODAY)
    assert [(m.model, m.requests) for m in summary.models] == [
        ("claude-opus-4-8", 4),
        ("claude-sonnet-4-6", 1),
    ]
    opus, sonnet = summary.models
    assert opus.cost is not None and opus.cost.total == Decimal("7.60")
    assert opus.usage.input_tokens == 1_000_000 and opus.usage.cache_read_input_tokens == 200_000
    assert sonnet.cost is not None and sonnet.cost.total == Decimal("3.375")
    assert summary.total.total == Decimal("10.975")
    assert summary.total.saved_by_cache == Decimal("0.90") - Decimal("0.075")
    assert summary.requests == 5
    assert [d.day for d in summary.days] == day_span("2026-11-15", TODAY)  # empty days too
    by_day = {d.day: d for d in summary.days}
    assert by_day["2026-11-20"].total == Decimal("7.50")
    assert by_day["2026-11-21"].costs == {
        ("claude-opus-4-8", False): Decimal("0.10"),
        ("claude-sonnet-4-6", False): Decimal("3.375"),
    }
    assert by_day["2026-11-18"].total == 0
    everything = summarize(records, spec_for, None, TODAY)
    assert everything.days[0].day == "2026-10-01" and everything.total.total == Decimal("15.975")


def test_batch_records_are_half_price_and_apart_from_chats() -> None:
    records = [
        rec("2026-11-21", "claude-opus-4-8", input_tokens=1_000_000),
        rec("2026-11-21", "claude-opus-4-8", batch=True, requests=10, input_tokens=1_000_000),
    ]
    summary = summarize(records, spec_for, None, TODAY)
    kinds = {(m.model, m.kind): m.cost.total for m in summary.models if m.cost}
    assert kinds == {
        ("claude-opus-4-8", "chat"): Decimal(5),
        ("claude-opus-4-8", "batch"): Decimal("2.5"),
    }
    assert summary.series == [("claude-opus-4-8", False), ("claude-opus-4-8", True)]


def test_unknown_prices_are_counted_not_guessed() -> None:
    records = [
        rec("2026-11-21", "claude-opus-4-8", input_tokens=1_000_000),
        rec("2026-11-21", "claude-mystery-1", requests=4, input_tokens=999_999),
    ]
    summary = summarize(records, spec_for, None, TODAY)
    assert summary.total.total == Decimal(5)  # the unknown model adds nothing
    assert [(m.model, m.requests, m.cost) for m in summary.unpriced] == [
        ("claude-mystery-1", 4, None)
    ]
    assert summary.series == [("claude-opus-4-8", False)]
    assert summary.days[-1].costs == {("claude-opus-4-8", False): Decimal(5)}


def test_no_records_is_an_empty_day_today() -> None:
    summary = summarize([], spec_for, None, TODAY)
    assert summary.models == [] and summary.total.total == 0
    assert [d.day for d in summary.days] == ["2026-11-21"]


def test_csv_rows() -> None:
    records = [
        rec("2026-11-21", "claude-mystery-1", input_tokens=10),
        rec(
            "2026-11-20",
            "claude-sonnet-4-6",
            batch=True,
            requests=2,
            input_tokens=1000,
            output_tokens=2000,
            cache_creation_input_tokens=300,
            cache_write_1h_tokens=100,
            cache_read_input_tokens=5000,
        ),
    ]
    rows = list(csv.reader(io.StringIO(csv_text(records, spec_for))))
    assert rows[0] == list(CSV_COLUMNS)
    # batch Sonnet: (1000×3 + 200×3.75 + 100×6 + 5000×0.3 + 2000×15)/1e6 × 0.5 = 0.017925
    # saved: (5000×0.9×3 − 200×0.25×3 − 100×1×3)/1e6 × 0.5 = 13050/1e6 × 0.5 = 0.006525
    assert rows[1] == [
        "2026-11-20", "claude-sonnet-4-6", "batch", "2",
        "1000", "2000", "200", "100", "5000", "0.017925", "0.006525",
        "0", "0", "0.017925", "0",  # no searches or fetches: all of it is tokens
    ]  # fmt: skip
    assert rows[2] == [
        "2026-11-21",
        "claude-mystery-1",
        "chat",
        "1",
        "10",
        "0",
        "0",
        "0",
        "0",
        "",
        "",
        "0",
        "0",
        "",
        "",
    ]


def _answer(
    store: SqliteConversationStore, conversation: int, model: str | None, when: float, **usage: int
) -> None:
    store.add_message(
        Message(
            conversation,
            Role.ASSISTANT,
            [text_block("answer")],
            created_at=when,
            status=MessageStatus.COMPLETE,
            model=model,
            usage=Usage(**usage) if usage else None,
        )
    )


def test_store_sums_usage_per_local_day_and_model() -> None:
    path: Path = AppPaths.resolve().ensure().database_path
    store = SqliteConversationStore(path)
    from desktop.core.conversation import ConversationSettings

    first = store.create_conversation(ConversationSettings()).id
    second = store.create_conversation(ConversationSettings()).id
    noon = time.mktime((2026, 11, 20, 12, 0, 0, 0, 0, -1))  # local noon
    day = 86400.0
    _answer(store, first, "claude-opus-4-8", noon, input_tokens=10, output_tokens=5)
    _answer(
        store, second, "claude-opus-4-8", noon + 3600, input_tokens=1, cache_read_input_tokens=7
    )
    _answer(
        store,
        first,
        "claude-sonnet-4-6",
        noon,
        output_tokens=3,
        cache_write_1h_tokens=2,
        cache_creation_input_tokens=2,
    )
    _answer(store, first, "claude-opus-4-8", noon + day, input_tokens=100)
    _answer(store, first, "claude-opus-4-8", noon + day)  # no usage: not counted
    store.add_message(Message(first, Role.USER, [text_block("question")], created_at=noon))
    found: list[UsageRecord] = []
    worker = threading.Thread(target=lambda: found.extend(store.usage_records()))
    worker.start()  # from a worker thread, as the Spend view calls it
    worker.join()
    assert found == [
        UsageRecord("2026-11-20", "claude-opus-4-8", Usage(11, 5, 0, 7), False, 2),
        UsageRecord("2026-11-20", "claude-sonnet-4-6", Usage(0, 3, 2, 0, 0, 2), False, 1),
        UsageRecord("2026-11-21", "claude-opus-4-8", Usage(100), False, 1),
    ]
    store.close()


# -- server tools: searches priced per 1,000 apart from tokens; fetches counted ------------------

SEARCHING = ModelSpec(
    "claude-opus-4-8",
    "Opus",
    input_price=Decimal(5),
    output_price=Decimal(25),
    web_search_price=Decimal(10),
)
TOOL_SPECS = {"claude-opus-4-8": SEARCHING, "claude-sonnet-4-6": SONNET}  # Sonnet: no search price


def tool_spec_for(model: str) -> ModelSpec:
    return TOOL_SPECS.get(model) or ModelSpec(model, model)


def test_searches_are_priced_apart_from_tokens_per_model_and_day() -> None:
    records = [
        # 1M in = $5; 3 searches × $10 / 1,000 = $0.03; 2 fetches cost only their tokens
        rec(
            "2026-11-20",
            "claude-opus-4-8",
            requests=2,
            input_tokens=1_000_000,
            web_search_requests=3,
            web_fetch_requests=2,
        ),
        # batch: tokens at half price ($2.50), searches at the full fee: 7 × $0.01 = $0.07
        rec(
            "2026-11-21",
            "claude-opus-4-8",
            batch=True,
            input_tokens=1_000_000,
            web_search_requests=7,
        ),
        rec("2026-11-21", "claude-opus-4-8", output_tokens=40_000),  # old answer: $1, no tools
    ]
    summary = summarize(records, tool_spec_for, None, TODAY)
    chat, batch = sorted(summary.models, key=lambda m: m.batch)
    assert (chat.usage.web_search_requests, chat.usage.web_fetch_requests) == (3, 2)
    assert chat.token_cost == Decimal(6) and chat.tool_cost == Decimal("0.03")
    assert chat.cost is not None and chat.cost.total == Decimal("6.03")
    assert batch.token_cost == Decimal("2.5") and batch.tool_cost == Decimal("0.07")
    assert summary.total.total == Decimal("8.60") and summary.total.tools == Decimal("0.10")
    assert (summary.searches, summary.fetches) == (10, 2)
    first, second = summary.days
    assert (first.tools, first.searches, first.fetches) == (Decimal("0.03"), 3, 2)
    assert first.total == Decimal("5.03")  # the fee is in the day's bar too
    assert (second.tools, second.searches, second.fetches) == (Decimal("0.07"), 7, 0)
    assert tools_text(summary) == (
        "Tokens $8.50 · web tools $0.1000 (10 searches · 2 fetches); "
        "fetches cost only the tokens they read."
    )
    assert day_tools_text(first) == "of which web tools: $0.0300 (3 searches · 2 fetches)"
    assert day_tools_text(DaySpend("2026-11-19", fetches=1)) == "web tools: 1 fetch"


def test_usage_from_before_tools_were_counted_shows_none() -> None:
    summary = summarize(
        [rec("2026-11-21", "claude-opus-4-8", input_tokens=10)], tool_spec_for, None, TODAY
    )
    [spend] = summary.models
    assert spend.tool_cost == 0 and (summary.searches, summary.fetches) == (0, 0)
    assert tools_text(summary) == "Web tools: none used in this range."
    assert day_tools_text(summary.days[-1]) == ""


def test_searches_at_an_unknown_price_are_not_guessed() -> None:
    records = [
        rec("2026-11-21", "claude-sonnet-4-6", input_tokens=1_000_000, web_search_requests=4),
        rec("2026-11-21", "claude-mystery-1", input_tokens=5, web_search_requests=2),
        rec("2026-11-21", "claude-opus-4-8", input_tokens=1_000_000, web_search_requests=1),
    ]
    summary = summarize(records, tool_spec_for, None, TODAY)
    by_model = {m.model: m for m in summary.models}
    sonnet, mystery = by_model["claude-sonnet-4-6"], by_model["claude-mystery-1"]
    assert sonnet.search_price_unknown and sonnet.tool_cost is None
    assert sonnet.token_cost == Decimal(3)  # its tokens are still priced
    assert mystery.cost is None and mystery.tool_cost is None and mystery.token_cost is None
    assert summary.total.tools == Decimal("0.01")  # Opus's one search only
    assert tools_text(summary).endswith("(7 searches); 6 searches at an unknown price, not in it.")
    rows = {r[1]: r for r in csv.reader(io.StringIO(csv_text(records, tool_spec_for)))}
    tool_columns = slice(CSV_COLUMNS.index("web_searches"), None)
    assert rows["claude-sonnet-4-6"][tool_columns] == ["4", "0", "3", ""]
    assert rows["claude-mystery-1"][tool_columns] == ["2", "0", "", ""]
    assert rows["claude-opus-4-8"][tool_columns] == ["1", "0", "5", "0.01"]
    assert rows["claude-opus-4-8"][CSV_COLUMNS.index("cost_usd")] == "5.01"


def test_csv_keeps_the_older_columns_first() -> None:
    assert CSV_COLUMNS[:11][-2:] == ("cost_usd", "saved_by_cache_usd")
    assert CSV_COLUMNS[11:] == ("web_searches", "web_fetches", "token_cost_usd", "tool_cost_usd")


def test_store_keeps_server_tool_counts_and_reads_older_usage_as_none(tmp_path: Path) -> None:
    from desktop.core.conversation import ConversationSettings

    store = SqliteConversationStore(tmp_path / "history.sqlite3")
    conversation = store.create_conversation(ConversationSettings()).id
    noon = time.mktime((2026, 11, 20, 12, 0, 0, 0, 0, -1))
    _answer(
        store,
        conversation,
        "claude-opus-4-8",
        noon,
        input_tokens=10,
        web_search_requests=3,
        web_fetch_requests=1,
    )
    _answer(
        store, conversation, "claude-opus-4-8", noon + 60, input_tokens=5, web_search_requests=2
    )
    # an answer saved before the counters existed: its usage JSON has no such keys
    _answer(store, conversation, "claude-opus-4-8", noon + 120, input_tokens=99)
    old = '{"input_tokens": 7, "output_tokens": 1}'
    with sqlite3.connect(tmp_path / "history.sqlite3") as raw:
        raw.execute(
            "UPDATE messages SET usage_json = ? WHERE id = (SELECT max(id) FROM messages)", (old,)
        )
    raw.close()
    stored = [m.usage for m in store.read_messages(conversation)]
    assert [(u.web_search_requests, u.web_fetch_requests) for u in stored if u] == [
        (3, 1),
        (2, 0),
        (0, 0),
    ]
    [record] = store.usage_records()
    assert record.requests == 3
    assert record.usage == Usage(
        input_tokens=22, output_tokens=1, web_search_requests=5, web_fetch_requests=1
    )
    assert store.usage_by_model(conversation)["claude-opus-4-8"].web_search_requests == 5
    store.close()


def test_a_tool_loops_extra_requests_count_in_spend(tmp_path: Path) -> None:
    from desktop.core.conversation import ConversationSettings

    store = SqliteConversationStore(tmp_path / "history.sqlite3")
    conversation = store.create_conversation(ConversationSettings()).id
    noon = time.mktime((2026, 11, 20, 12, 0, 0, 0, 0, -1))
    _answer(store, conversation, "claude-opus-4-8", noon, input_tokens=10, extra_requests=3)
    _answer(store, conversation, "claude-opus-4-8", noon + 60, input_tokens=5)
    [record] = store.usage_records()
    assert record.requests == 5  # 1 + 3 for the loop's rounds, 1 for the plain answer
    assert record.usage.input_tokens == 15  # the rounds' usage, summed in the answer
    store.close()
