"""Making batches and using their results: import rules with line numbers, limits, matching by
custom_id, cost at the batch price with cache usage, retry advice, exports (no Qt, no network)."""

from __future__ import annotations

import csv
import io
import json
import random
from decimal import Decimal

import pytest

from desktop.core.batch_results import (
    BatchResult,
    decode_results_jsonl,
    export_csv,
    export_jsonl,
    match_results,
    next_poll_delay,
    parse_result,
    parse_results_jsonl,
)
from desktop.core.batches import (
    MAX_REQUESTS,
    BatchInputError,
    BatchItem,
    build_requests,
    check_size,
    estimate,
    merge,
    parse_csv,
    parse_jsonl,
    parse_lines,
)
from desktop.core.catalog import ModelSpec
from desktop.core.conversation import ConversationSettings

OPUS = ModelSpec("claude-opus-4-8", "Opus", input_price=Decimal(5), output_price=Decimal(25))


def spec_for(_model: str) -> ModelSpec:
    return OPUS


def test_pasted_lines_get_ids_in_order() -> None:
    items = parse_lines("first\n\n  second  \nthird\n")
    assert [(i.custom_id, i.prompt) for i in items] == [
        ("request-00001", "first"),
        ("request-00002", "second"),
        ("request-00003", "third"),
    ]


def test_jsonl_with_a_duplicate_custom_id_is_refused_with_its_line() -> None:
    text = '{"custom_id": "a", "prompt": "x"}\n\n{"custom_id": "b", "prompt": "y"}\n{"custom_id": "a", "prompt": "z"}\n'
    with pytest.raises(BatchInputError) as refused:
        parse_jsonl(text)
    assert str(refused.value) == "line 4: duplicate custom_id “a” (line 1)"


def test_jsonl_malformed_line_is_refused_with_its_line_number() -> None:
    text = '{"custom_id": "a", "prompt": "x"}\n{"custom_id": "b", "prompt": \n{"custom_id": "c"}\n'
    with pytest.raises(BatchInputError) as refused:
        parse_jsonl(text)
    problems = refused.value.problems
    assert [p.line for p in problems] == [2, 3]
    assert "not valid JSON" in problems[0].message
    assert "prompt" in problems[1].message


def test_invalid_custom_ids_are_refused() -> None:
    long_id = "x" * 65
    text = "\n".join(
        json.dumps({"custom_id": cid, "prompt": "p"})
        for cid in ("ok-1_A", "has space", long_id, "")
    )
    with pytest.raises(BatchInputError) as refused:
        parse_jsonl(text)
    assert [p.line for p in refused.value.problems] == [2, 3, 4]
    assert "1–64 letters" in refused.value.problems[0].message


def test_jsonl_messages_must_end_with_the_user() -> None:
    ok = {"custom_id": "m", "messages": [{"role": "user", "content": "Hi"}]}
    assert parse_jsonl(json.dumps(ok))[0].title == "Hi"
    bad = {"custom_id": "m", "messages": [{"role": "assistant", "content": "Hi"}]}
    with pytest.raises(BatchInputError, match="line 1: messages must end with a user"):
        parse_jsonl(json.dumps(bad))


def test_csv_column_with_ids_and_an_empty_cell_reports_the_line() -> None:
    text = "custom_id,text,other\nr1,Hello,x\nr2,,y\nr3,World,z\n"
    with pytest.raises(BatchInputError, match="line 3: the “text” cell is empty"):
        parse_csv(text, "text", "custom_id")
    items = parse_csv('text\nHello\n"multi\nline"\n', "text")
    assert [i.prompt for i in items] == ["Hello", "multi\nline"]
    with pytest.raises(BatchInputError, match="no column named"):
        parse_csv(text, "missing")


def test_more_than_100000_requests_are_refused() -> None:
    with pytest.raises(BatchInputError, match="at most 100,000"):
        parse_lines("p\n" * (MAX_REQUESTS + 1))


def test_size_limit_is_checked_before_sending() -> None:
    items = [BatchItem(f"r{i}", "x" * 1000) for i in range(20)]
    requests = build_requests(items, ConversationSettings(), OPUS)
    check_size(requests)
    with pytest.raises(BatchInputError, match="at most 256 MB"):
        check_size(requests, limit=10_000)


def test_merge_renumbers_clashing_made_up_ids() -> None:
    merged = merge(parse_lines("a\nb"), parse_lines("c"))
    assert [i.custom_id for i in merged] == ["request-00001", "request-00002", "request-00003"]
    with pytest.raises(BatchInputError, match="duplicate"):
        merge([BatchItem("x", "1")], [BatchItem("x", "2")])


def test_requests_share_settings() -> None:
    settings = ConversationSettings(
        model="claude-opus-4-8", system_prompt="Be brief.", max_tokens=300
    )
    requests = build_requests([BatchItem("a", "Hi")], settings, OPUS)
    params = requests[0]["params"]
    assert requests[0]["custom_id"] == "a"
    assert params["system"] == "Be brief." and params["max_tokens"] == 300
    assert params["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]


def succeeded(cid: str, text: str, usage: dict) -> dict:
    message = {
        "model": "claude-opus-4-8",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "usage": usage,
    }
    return {"custom_id": cid, "result": {"type": "succeeded", "message": message}}


def test_results_matched_by_custom_id_when_shuffled() -> None:
    prompts = {f"id-{n}": f"prompt {n}" for n in range(50)}
    lines = [
        succeeded(cid, f"answer to {prompt}", {"input_tokens": 1, "output_tokens": 1})
        for cid, prompt in prompts.items()
    ]
    random.Random(7).shuffle(lines)
    text = "".join(json.dumps(line) + "\n" for line in lines)
    rows = match_results(prompts, parse_results_jsonl(text), spec_for, "claude-opus-4-8")
    assert [r.custom_id for r in rows] == list(prompts)
    assert all(r.result.text == f"answer to {r.prompt}" for r in rows)


def test_missing_and_unknown_results_are_kept_apart() -> None:
    rows = match_results(
        {"a": "A", "b": "B"},
        [
            parse_result({"custom_id": "z", "result": {"type": "expired"}}),
            parse_result({"custom_id": "a", "result": {"type": "canceled"}}),
        ],
        spec_for,
        "m",
    )
    assert [(r.custom_id, r.result.kind) for r in rows] == [
        ("a", "canceled"),
        ("b", "missing"),
        ("z", "expired"),
    ]


def test_cost_is_half_price_with_cache_reads_and_writes() -> None:
    usage = {
        "input_tokens": 1000,
        "output_tokens": 2000,
        "cache_creation_input_tokens": 4000,
        "cache_read_input_tokens": 10000,
        "cache_creation": {"ephemeral_5m_input_tokens": 3000, "ephemeral_1h_input_tokens": 1000},
    }
    [row] = match_results({"a": "A"}, [parse_result(succeeded("a", "x", usage))], spec_for, "m")
    # by hand, at $5 in / $25 out per MTok, then halved:
    # input 1000×5 = 5000; writes 3000×5×1.25 + 1000×5×2 = 18750 + 10000; reads 10000×5×0.1 = 5000
    # output 2000×25 = 50000 → total 88750 / 1e6 = $0.08875 → batch $0.044375
    assert row.cost is not None
    assert row.cost.total == Decimal("0.044375")
    assert row.cost.cache_read == Decimal("0.0025")
    assert row.cost.cache_write == Decimal("0.014375")


def test_errors_say_whether_retrying_is_worthwhile() -> None:
    def errored(kind: str) -> BatchResult:
        error = {"type": "error", "error": {"type": kind, "message": "m"}}
        return parse_result({"custom_id": "a", "result": {"type": "errored", "error": error}})

    assert not errored("invalid_request_error").retry_worthwhile
    assert errored("overloaded_error").retry_worthwhile
    assert errored("api_error").error_type == "api_error"
    assert parse_result({"custom_id": "a", "result": {"type": "expired"}}).retry_worthwhile
    assert parse_result({"custom_id": "a", "result": {"type": "canceled"}}).retry_worthwhile


def test_exports_hold_every_column() -> None:
    rows = match_results(
        {"a": "Q, with comma"},
        [parse_result(succeeded("a", "A\nB", {"input_tokens": 10, "output_tokens": 4}))],
        spec_for,
        "m",
    )
    [record] = list(csv.DictReader(io.StringIO(export_csv(rows))))
    assert record["prompt"] == "Q, with comma" and record["answer"] == "A\nB"
    assert record["input_tokens"] == "10" and Decimal(record["cost_usd"]) == Decimal("0.000075")
    assert json.loads(export_jsonl(rows))["answer"] == "A\nB"


def test_poll_delay_backs_off_to_five_minutes() -> None:
    delays = [next_poll_delay(None)]
    for _ in range(20):
        delays.append(next_poll_delay(delays[-1]))
    assert delays[0] == 5 and delays[1] == 7.5 and delays[-1] == 300
    assert delays == sorted(delays)


def test_estimate_prices_batch_beside_interactive() -> None:
    e = estimate(100, [100, 200, 300], OPUS, max_tokens=1000)
    assert e.input_tokens == 20_000
    assert e.interactive_input == Decimal("0.1")
    assert e.batch_input == Decimal("0.05")
    assert e.batch_output_cap == Decimal("1.25")


def test_results_are_decoded_from_the_downloaded_bytes() -> None:
    good = '{"custom_id": "a", "result": {"type": "succeeded", "message": {"content": []}}}'
    damaged = b'{"custom_id": "b", "result": {"type": "canceled"}, "note": "\xff"}'
    results = decode_results_jsonl(good.encode() + b"\n" + damaged + b"\nnot json\n")
    assert [(r.custom_id, r.kind) for r in results] == [("a", "succeeded"), ("b", "canceled")]
