"""Spending over time: usage records per day and model, from chats and batches (stdlib only).

Storage aggregates usage in SQL and hands the UI `UsageRecord`s; the Spend view prices them
with `desktop.core.pricing.cost` (batch records at the batch discount).
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.conversation import Usage


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
