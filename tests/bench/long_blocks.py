"""Answers that are mostly one long markdown block: a 1,500-row table, a 1,500-item list.

Neither has a blank line inside, so without splitting inside the block each would be one
open block re-rendered whole at every flush. Used by the table/list streaming benchmark and
by the tests of the splitter.
"""

from __future__ import annotations

import random

from tests.bench.streaming_answer import _VERBS, _WORDS, _sentence

ROWS = 1500
ITEMS = 1500


def table_markdown(rows: int = ROWS, seed: int = 13) -> str:
    """An intro, a `rows`-row table (inline markup, aligned columns), a closing line."""
    rng = random.Random(seed)
    lines = [
        "# Every endpoint we measured\n\n",
        _sentence(rng) + " " + _sentence(rng) + "\n\n",
        "| # | Endpoint | Latency | What it does | Cached |\n|--:|---|--:|---|:-:|\n",
    ]
    for i in range(rows):
        word = rng.choice(_WORDS)
        lines.append(
            f"| {i + 1} | `/{word}/{i}` | {rng.randint(1, 999)} ms | "
            f"{rng.choice(_VERBS)} the **{rng.choice(_WORDS)}** {rng.choice(_WORDS)} | "
            f"{'yes' if rng.random() < 0.5 else 'no'} |\n"
        )
    lines.append("\nThat is all of them.\n")
    return "".join(lines)


def list_markdown(items: int = ITEMS, seed: int = 17) -> str:
    """An intro, a `items`-item bullet list without blank lines (some nested), a closing line."""
    rng = random.Random(seed)
    lines = ["Here is everything the parser checks, in order:\n\n"]
    for i in range(items):
        lines.append(f"- Item {i + 1}: {_sentence(rng)}\n")
        if rng.random() < 0.2:
            lines.append(f"  - {_sentence(rng)}\n")
            if rng.random() < 0.3:
                lines.append(f"    1. {_sentence(rng)}\n")
    lines.append("\nThat is the whole list.\n")
    return "".join(lines)


def numbered_markdown(items: int = ITEMS, seed: int = 19) -> str:
    """Like `list_markdown`, numbered."""
    rng = random.Random(seed)
    body = "".join(f"{i + 1}. {_sentence(rng)}\n" for i in range(items))
    return "Steps:\n\n" + body + "\nDone.\n"
