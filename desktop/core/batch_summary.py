"""The New batch form's pre-submit summary: requests, a sample's tokens, and the prices."""

from __future__ import annotations

from desktop.core.batches import BatchEstimate
from desktop.core.pricing import format_usd


def summary_text(e: BatchEstimate, model: str) -> str:
    """'3 requests · ≈ 1,234 input tokens (3 counted) · input ≈ $0.003 at the batch price
    (interactive $0.006) · output at most $0.15', and with shared documents what caching does."""
    parts = [f"{e.requests:,} requests to {model}"]
    parts.append(f"≈ {e.input_tokens:,} input tokens ({e.sample} counted)")
    if e.batch_input is None or e.interactive_input is None:
        parts.append("price unknown for this model")
    else:
        parts.append(
            f"input ≈ {format_usd(e.batch_input)} at the batch price without caching "
            f"(interactive {format_usd(e.interactive_input)})"
            if e.cached
            else f"input ≈ {format_usd(e.batch_input)} at the batch price "
            f"(interactive {format_usd(e.interactive_input)})"
        )
    if e.cached:
        parts.append(_cached_text(e))
    if e.batch_output_cap is not None:
        parts.append(
            f"output at most {format_usd(e.batch_output_cap)} (if every answer is max length)"
        )
    return " · ".join(parts)


def _cached_text(e: BatchEstimate) -> str:
    cached = e.cached
    assert cached is not None
    mark = "" if e.documents_exact else "≈"
    head = f"shared documents {mark}{cached.prefix_tokens:,} tokens per request"
    if cached.note:
        return f"{head}; {cached.note} Priced without caching."
    if cached.best is None or cached.worst is None:
        return f"{head}, cached for 1 hour"
    return (
        f"{head}, cached for 1 hour: input ≈ {format_usd(cached.best)} if every request after "
        f"the first reads the cache, up to {format_usd(cached.worst)} if none does (requests "
        "run in parallel, so some may miss it)"
    )
