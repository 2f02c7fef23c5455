"""Prices of answers against hand-computed cases (api-facts.md §3)."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

import pytest

from desktop.core.catalog import Catalog, ModelSpec
from desktop.core.conversation import Message, Role, Usage, text_block
from desktop.core.pricing import (
    Cost,
    conversation_cost,
    cost,
    format_usd,
    input_cost,
    sum_costs,
)

OPUS = ModelSpec(
    "claude-opus-4-8", "Claude Opus 4.8", input_price=Decimal(5), output_price=Decimal(25)
)
SONNET = ModelSpec(
    "claude-sonnet-4-6", "Claude Sonnet 4.6", input_price=Decimal(3), output_price=Decimal(15)
)
HAIKU = ModelSpec(
    "claude-haiku-4-5", "Claude Haiku 4.5", input_price=Decimal(1), output_price=Decimal(5)
)
UNPRICED = ModelSpec("claude-opus-4-5", "Claude Opus 4.5")


def priced(usage: Usage, spec: ModelSpec, batch: bool = False) -> Cost:
    result = cost(usage, spec, batch=batch)
    assert result is not None
    return result


def test_plain_input_and_output() -> None:
    # 1,000 in × $3/M = $0.003; 500 out × $15/M = $0.0075
    c = priced(Usage(input_tokens=1000, output_tokens=500), SONNET)
    assert c.input == Decimal("0.003")
    assert c.output == Decimal("0.0075")
    assert c.cache_write == c.cache_read == c.saved_by_cache == 0
    assert c.total == Decimal("0.0105")


def test_cache_writes_without_ttl_breakdown_are_5_minute_writes() -> None:
    # 10,000 writes × $5/M × 1.25 = $0.0625; 100 in = $0.0005; 200 out × $25/M = $0.005
    usage = Usage(input_tokens=100, output_tokens=200, cache_creation_input_tokens=10_000)
    c = priced(usage, OPUS)
    assert c.cache_write == Decimal("0.0625")
    assert c.total == Decimal("0.068")
    # the 0.25 × P_in premium is what the write cost beyond plain input
    assert c.saved_by_cache == Decimal("-0.0125")


def test_5_minute_writes_with_breakdown() -> None:
    usage = Usage(cache_creation_input_tokens=10_000, cache_write_5m_tokens=10_000)
    assert priced(usage, OPUS).cache_write == Decimal("0.0625")


def test_1_hour_writes_cost_twice_the_input_price() -> None:
    # 10,000 × $5/M × 2 = $0.10; the premium over plain input is $0.05
    usage = Usage(cache_creation_input_tokens=10_000, cache_write_1h_tokens=10_000)
    c = priced(usage, OPUS)
    assert c.cache_write == Decimal("0.1")
    assert c.saved_by_cache == Decimal("-0.05")


@pytest.mark.parametrize("given_5m", [0, 2000])
def test_partial_breakdown_leaves_the_rest_as_5_minute_writes(given_5m: int) -> None:
    # 4,000 at 1 h ($0.04) + 6,000 at 5 min ($0.0375) = $0.0775
    usage = Usage(
        cache_creation_input_tokens=10_000,
        cache_write_5m_tokens=given_5m,
        cache_write_1h_tokens=4000,
    )
    assert priced(usage, OPUS).cache_write == Decimal("0.0775")


def test_cache_reads_cost_a_tenth_and_save_the_rest() -> None:
    # 50 in = $0.00005; 20,000 reads × $1/M × 0.1 = $0.002; 300 out × $5/M = $0.0015
    usage = Usage(input_tokens=50, output_tokens=300, cache_read_input_tokens=20_000)
    c = priced(usage, HAIKU)
    assert c.cache_read == Decimal("0.002")
    assert c.total == Decimal("0.00355")
    # as plain input the reads would have cost $0.02: saved $0.018
    assert c.saved_by_cache == Decimal("0.018")


def test_saved_by_cache_nets_reads_against_write_premiums() -> None:
    # reads 100,000 × $5/M × 0.9 = $0.45; 5-min premium 8,000 × $5/M × 0.25 = $0.01;
    # 1-h premium 2,000 × $5/M × 1 = $0.01  →  $0.43
    usage = Usage(
        cache_creation_input_tokens=10_000,
        cache_write_1h_tokens=2000,
        cache_read_input_tokens=100_000,
    )
    assert priced(usage, OPUS).saved_by_cache == Decimal("0.43")


def test_thinking_tokens_are_inside_output_tokens() -> None:
    # 1,000 output tokens of which 800 thinking: billed 1,000 × $25/M, not 1,800
    c = priced(Usage(output_tokens=1000, thinking_tokens=800), OPUS)
    assert c.output == Decimal("0.025")
    assert c.total == Decimal("0.025")


def test_batch_is_half_of_everything() -> None:
    usage = Usage(
        input_tokens=1_000_000,
        output_tokens=1_000_000,
        cache_creation_input_tokens=1_000_000,
        cache_read_input_tokens=1_000_000,
    )
    full = priced(usage, SONNET)
    half = priced(usage, SONNET, batch=True)
    # $3 + $3.75 + $0.30 + $15 = $22.05 → $11.025
    assert full.total == Decimal("22.05")
    assert half.total == Decimal("11.025")
    assert half.input == Decimal("1.5")
    assert half.cache_write == Decimal("1.875")
    assert half.cache_read == Decimal("0.15")
    assert half.output == Decimal("7.5")
    assert half.saved_by_cache == full.saved_by_cache / 2


def test_unknown_price_gives_none_never_a_number() -> None:
    usage = Usage(input_tokens=10, output_tokens=10)
    assert cost(usage, UNPRICED) is None
    assert cost(usage, ModelSpec("x", "x", input_price=Decimal(1))) is None
    assert cost(usage, ModelSpec("x", "x", output_price=Decimal(1))) is None
    assert input_cost(10, UNPRICED) is None


def test_input_cost_for_the_estimate() -> None:
    assert input_cost(12_345, OPUS) == Decimal("0.061725")
    assert input_cost(12_345, OPUS, batch=True) == Decimal("0.0308625")


def test_zero_usage_costs_nothing() -> None:
    assert priced(Usage(), OPUS) == Cost()


def test_sum_counts_unpriced_answers_instead_of_guessing() -> None:
    a = priced(Usage(input_tokens=1000, output_tokens=500), SONNET)
    b = priced(Usage(cache_read_input_tokens=20_000), HAIKU)
    total = sum_costs([a, None, b])
    assert total.cost.total == Decimal("0.0125")
    assert total.cost.saved_by_cache == Decimal("0.018")
    assert (total.priced, total.unpriced, total.complete) == (2, 1, False)
    assert total.label() == "≥ $0.0125 (1 answer unpriced)"
    assert sum_costs([a, b]).label() == "$0.0125"
    assert sum_costs([None, None]).label() == "price unknown"
    assert sum_costs([]).label() == "$0.00"


def test_conversation_cost_prices_each_answer_with_its_own_model() -> None:
    catalog = Catalog.from_toml(
        resources.files("desktop.resources").joinpath("models.toml").read_text()
    )
    usage = Usage(input_tokens=1000, output_tokens=500)

    def answer(model: str | None) -> Message:
        return Message(1, Role.ASSISTANT, [text_block("hi")], model=model, usage=usage)

    messages = [
        Message(1, Role.USER, [text_block("q")]),
        answer("claude-sonnet-4-6"),  # $0.0105
        answer("claude-opus-4-8"),  # $0.005 + $0.0125 = $0.0175
        answer("claude-opus-4-5"),  # legacy: no price
        answer(None),
        Message(1, Role.ASSISTANT, [text_block("no usage")], model="claude-opus-4-8"),
    ]
    total = conversation_cost(messages, catalog.get)
    assert total.cost.total == Decimal("0.028")
    assert (total.priced, total.unpriced) == (2, 2)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0", "$0.00"),
        ("0.00004", "<$0.0001"),
        ("0.00005", "$0.0001"),
        ("0.0123", "$0.0123"),
        ("0.01234", "$0.0123"),
        ("0.00355", "$0.0036"),
        ("0.5", "$0.5000"),
        ("0.99996", "$1.00"),
        ("1.235", "$1.24"),
        ("1.2449", "$1.24"),
        ("22.05", "$22.05"),
        ("1234.5", "$1,234.50"),
        ("-0.0125", "-$0.0125"),
    ],
)
def test_format_usd(amount: str, text: str) -> None:
    assert format_usd(Decimal(amount)) == text


def test_conversation_cost_label_includes_search_fees() -> None:
    from dataclasses import replace

    from desktop.core.formatting import conversation_cost_label

    opus = replace(OPUS, web_search_price=Decimal(10))
    specs = {"claude-opus-4-8": opus, "claude-haiku-4-5": HAIKU}
    usage = {
        # 1,000 in × $5 + 100 out × $25 per million = $0.0075; 5 searches × $10 / 1,000 = $0.05
        "claude-opus-4-8": Usage(input_tokens=1000, output_tokens=100, web_search_requests=5),
        "claude-haiku-4-5": Usage(input_tokens=1000, web_fetch_requests=2),  # $0.001, no fee
    }
    label, tip = conversation_cost_label(usage, specs.__getitem__)
    assert label == "$0.0585"
    assert "including $0.0500 for 5 web searches" in tip
    label, tip = conversation_cost_label({"claude-haiku-4-5": Usage(1000)}, specs.__getitem__)
    assert label == "$0.0010" and "web search" not in tip  # answers from before: no fee line
