"""What an answer cost, from its usage and the model's prices (standard library only).

All arithmetic is `Decimal`, unrounded; only `format_usd` rounds, for display. Prices are USD
per million tokens (`ModelSpec.input_price` / `output_price`); a model without a price gives
`None`, never a guess.

Per answer (api-facts.md §3):

    (input × P_in + writes_5m × 1.25 P_in + writes_1h × 2 P_in + reads × 0.1 P_in
     + output × P_out) / 1e6,  × 0.5 for the Batch API

`output_tokens` already includes thinking tokens, so thinking is never added twice.

Server tools: web searches cost `ModelSpec.web_search_price` per 1,000 (models.toml; the Batch
discount is for tokens, so searches are not halved); web fetches cost nothing beyond the tokens
of what was fetched, which are already in the input counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from desktop.core.catalog import ModelSpec
from desktop.core.conversation import Message, Usage

PER_MILLION = Decimal(1_000_000)
PER_THOUSAND = Decimal(1_000)
CACHE_WRITE_5M_MULTIPLIER = Decimal("1.25")
CACHE_WRITE_1H_MULTIPLIER = Decimal(2)
CACHE_READ_MULTIPLIER = Decimal("0.1")
BATCH_MULTIPLIER = Decimal("0.5")  # the Batch API bills every token at half price

_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_TEN_THOUSANDTH = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class Cost:
    """The price of one answer (or a sum of answers), in USD, split by kind of token.

    `saved_by_cache` is what caching saved net: what the cache reads would have cost as plain
    input minus what they did cost, minus the extra paid for cache writes over plain input
    (0.25 × P_in per 5-minute write token, 1 × P_in per 1-hour write token), batch discount
    applied. It is negative for an answer that wrote the cache and read nothing yet; summed
    over a conversation it is the money caching saved so far.
    """

    input: Decimal = _ZERO
    cache_write: Decimal = _ZERO
    cache_read: Decimal = _ZERO
    output: Decimal = _ZERO
    saved_by_cache: Decimal = _ZERO
    tools: Decimal = _ZERO  # server tool fees (web searches)

    @property
    def total(self) -> Decimal:
        return self.input + self.cache_write + self.cache_read + self.output + self.tools

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            input=self.input + other.input,
            cache_write=self.cache_write + other.cache_write,
            cache_read=self.cache_read + other.cache_read,
            output=self.output + other.output,
            saved_by_cache=self.saved_by_cache + other.saved_by_cache,
            tools=self.tools + other.tools,
        )


@dataclass(frozen=True, slots=True)
class CostTotal:
    """A sum of answers' costs; `unpriced` counts answers whose model has no known price.

    `cost` covers the priced answers only, so with `unpriced > 0` it is a lower bound.
    """

    cost: Cost = field(default_factory=Cost)
    priced: int = 0
    unpriced: int = 0

    @property
    def complete(self) -> bool:
        return self.unpriced == 0

    def label(self) -> str:
        """'$1.24', or '≥ $1.24 (2 answers unpriced)', or 'price unknown' if nothing is priced."""
        if self.priced == 0 and self.unpriced > 0:
            return "price unknown"
        text = format_usd(self.cost.total)
        if self.unpriced:
            noun = "answer" if self.unpriced == 1 else "answers"
            text = f"≥ {text} ({self.unpriced} {noun} unpriced)"
        return text


def cache_write_split(usage: Usage) -> tuple[int, int]:
    """(5-minute, 1-hour) cache write tokens.

    The TTL breakdown is used as given; whatever part of `cache_creation_input_tokens` it does
    not cover (no breakdown at all, or a partial one) counts as 5-minute writes, the default TTL.
    """
    covered = usage.cache_write_5m_tokens + usage.cache_write_1h_tokens
    uncovered = max(0, usage.cache_creation_input_tokens - covered)
    return usage.cache_write_5m_tokens + uncovered, usage.cache_write_1h_tokens


def cost(usage: Usage, spec: ModelSpec, batch: bool = False) -> Cost | None:
    """The cost of one answer, or None when the model's price is unknown."""
    if spec.input_price is None or spec.output_price is None:
        return None
    p_in = spec.input_price / PER_MILLION
    p_out = spec.output_price / PER_MILLION
    writes_5m, writes_1h = cache_write_split(usage)
    write_tokens = writes_5m * CACHE_WRITE_5M_MULTIPLIER + writes_1h * CACHE_WRITE_1H_MULTIPLIER
    reads = Decimal(usage.cache_read_input_tokens)
    saved_tokens = (
        reads * (1 - CACHE_READ_MULTIPLIER)
        - writes_5m * (CACHE_WRITE_5M_MULTIPLIER - 1)
        - writes_1h * (CACHE_WRITE_1H_MULTIPLIER - 1)
    )
    factor = BATCH_MULTIPLIER if batch else Decimal(1)
    return Cost(
        input=usage.input_tokens * p_in * factor,
        cache_write=write_tokens * p_in * factor,
        cache_read=reads * CACHE_READ_MULTIPLIER * p_in * factor,
        output=usage.output_tokens * p_out * factor,
        saved_by_cache=saved_tokens * p_in * factor,
        tools=search_cost(usage.web_search_requests, spec) or _ZERO,
    )


def search_cost(searches: int, spec: ModelSpec) -> Decimal | None:
    """The fee for `searches` web searches; None when searches were made at an unknown price.

    An answer with searches but no known search price is priced without them: `cost` adds
    zero, and the footer says the search price is unknown (see `formatting.tool_line`).
    """
    if not searches:
        return _ZERO
    if spec.web_search_price is None:
        return None
    return searches * spec.web_search_price / PER_THOUSAND


def input_cost(tokens: int, spec: ModelSpec, batch: bool = False) -> Decimal | None:
    """The price of `tokens` uncached input tokens (the estimate shown before sending)."""
    if spec.input_price is None:
        return None
    factor = BATCH_MULTIPLIER if batch else Decimal(1)
    return tokens * spec.input_price / PER_MILLION * factor


def sum_costs(costs: Iterable[Cost | None]) -> CostTotal:
    """The total of answers' costs; None entries (price unknown) are counted, not guessed."""
    total = Cost()
    priced = unpriced = 0
    for item in costs:
        if item is None:
            unpriced += 1
        else:
            total += item
            priced += 1
    return CostTotal(cost=total, priced=priced, unpriced=unpriced)


def conversation_cost(
    messages: Iterable[Message], spec_for: Callable[[str], ModelSpec]
) -> CostTotal:
    """The total of every answer in `messages` that reports usage (e.g. `spec_for=catalog.get`).

    Each answer is priced with its own model, so switching models mid-conversation is honest.
    """
    costs: list[Cost | None] = []
    for message in messages:
        if message.usage is None:
            continue
        costs.append(cost(message.usage, spec_for(message.model)) if message.model else None)
    return sum_costs(costs)


def format_usd(amount: Decimal) -> str:
    """Dollars for display: '$1.24' from $1 up, '$0.0123' below, '<$0.0001' for tiny sums.

    Zero is '$0.00'; negative amounts get a leading minus ('-$0.0012').
    """
    if amount < 0:
        return "-" + format_usd(-amount)
    if amount == 0:
        return "$0.00"
    small = amount.quantize(_TEN_THOUSANDTH, rounding=ROUND_HALF_UP)
    if small == 0:
        return "<$0.0001"
    if small < 1:
        return f"${small}"
    return f"${amount.quantize(_CENT, rounding=ROUND_HALF_UP):,}"
