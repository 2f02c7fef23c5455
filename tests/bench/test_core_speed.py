"""Speeds the unit suite used to assert in absolute time, each against a floor measured here.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/pytest tests/bench/test_core_speed.py -s

Moved from tests/unit (their behaviour stays tested there without a clock):
- the first render after `warm_up()` (was "< 50 ms") vs. the same render once everything is
  built (the floor), each in a fresh process; a render with no warm-up is printed too;
- 20,000 stream deltas through the `apply` reducer (was "< 0.25 s") vs. appending the same
  strings to a list and joining them (the least any accumulation costs);
- 1,000 conversations listed by the store (was "< 0.1 s") vs. a bare `SELECT` of the same rows
  with sqlite3 on the same file;
- the fake server sending 20,000 deltas (was "< 3 s") vs. the same bytes pre-rendered
  (`SseFile`), both over HTTP.
Medians of 5, alternating. Assertions are only generous guards (a loaded 2-core machine must
never flake); the printed ratios are the report.
"""

from __future__ import annotations

import http.client
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.core.conversation import ConversationSettings
from desktop.core.streaming import StreamState, apply
from desktop.storage.database import SqliteConversationStore
from tests.bench.streaming_answer import sse_body
from tests.fake_api.script import SseFile, TextReply

pytestmark = pytest.mark.bench
RUNS = 5
ROOT = Path(__file__).resolve().parents[2]


def median_times(*functions: Callable[[], object]) -> list[float]:
    """Each function's median time over RUNS, the functions alternating within each run."""
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(RUNS):
        for timings, function in zip(times, functions, strict=True):
            started = time.perf_counter()
            function()
            timings.append(time.perf_counter() - started)
    return [statistics.median(t) for t in times]


# -- markdown: the render after warm_up ---------------------------------------------------------

RENDER = """
import sys, time
from desktop.render.markdown import render_markdown, warm_up
TEXT = "```javascript\\nconst a = 1;\\n```\\n\\n```bash\\necho hi\\n```\\n"
if sys.argv[1] == "warm":
    warm_up()
started = time.perf_counter()
render_markdown(TEXT)
first = time.perf_counter() - started
started = time.perf_counter()
render_markdown(TEXT)
print(first, time.perf_counter() - started)
"""


def first_render(mode: str) -> tuple[float, float]:
    """(first render, the same render again) in a fresh process, `mode` "warm" or "cold"."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", RENDER, mode], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def test_the_render_after_warm_up() -> None:
    first_render("warm")  # the bytecode cache
    warm, cold, again = [], [], []
    for _ in range(RUNS):
        first, steady = first_render("warm")
        warm.append(first)
        again.append(steady)
        cold.append(first_render("cold")[0])
    floor = statistics.median(again)
    app = statistics.median(warm)
    ratio = app / floor
    print(
        f"\nmarkdown: first render after warm_up {app * 1000:.2f} ms vs the same render again "
        f"{floor * 1000:.2f} ms, ratio {ratio:.2f}; with no warm-up "
        f"{statistics.median(cold) * 1000:.1f} ms (ratio {statistics.median(cold) / floor:.0f})"
    )
    assert ratio < 10.0  # a generous guard (no warm-up is ~100x)


# -- the streaming reducer ---------------------------------------------------------------------


def text_stream(deltas: int) -> list[dict[str, Any]]:
    delta = {"type": "content_block_delta", "index": 0}
    return [
        {
            "type": "message_start",
            "message": {"id": "m", "model": "x", "usage": {"input_tokens": 1, "output_tokens": 1}},
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        *({**delta, "delta": {"type": "text_delta", "text": "abc "}} for _ in range(deltas)),
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {}},
        {"type": "message_stop"},
    ]


def test_twenty_thousand_deltas_through_the_reducer() -> None:
    events = text_stream(20_000)

    def reducer() -> str:
        state = StreamState()
        for event in events:
            state = apply(event, state)
        return state.text

    def floor() -> str:
        parts: list[str] = []
        for event in events:
            if event["type"] == "content_block_delta":
                parts.append(event["delta"]["text"])
        return "".join(parts)

    assert reducer() == floor()
    app, base = median_times(reducer, floor)
    ratio = app / base
    print(
        f"\nreducer, 20k deltas: apply {app * 1000:.1f} ms vs list-and-join {base * 1000:.2f} ms, "
        f"ratio {ratio:.1f}"
    )
    assert ratio < 200  # a generous guard; the measured ratio is printed above
    small = text_stream(5_000)
    small_app, _ = median_times(lambda: _reduce(small), floor)
    large_app, _ = median_times(lambda: _reduce(events), floor)
    print(f"reducer, 20k vs 5k deltas: x{large_app / small_app:.1f} (linear: ~4, quadratic: ~16)")


def _reduce(events: list[dict[str, Any]]) -> str:
    state = StreamState()
    for event in events:
        state = apply(event, state)
    return state.text


# -- the store: listing 1,000 conversations --------------------------------------------------


def test_listing_1000_conversations(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with SqliteConversationStore(path) as store:
        for _ in range(1000):
            store.create_conversation(ConversationSettings())
        raw = sqlite3.connect(path)
        try:

            def bare() -> list[Any]:
                return raw.execute("SELECT * FROM conversations ORDER BY id DESC").fetchall()

            assert len(store.list_conversations()) == len(bare()) == 1000
            app, base = median_times(store.list_conversations, bare)
        finally:
            raw.close()
    ratio = app / base
    print(
        f"\nstore, 1,000 conversations: list_conversations {app * 1000:.2f} ms vs bare SELECT "
        f"{base * 1000:.2f} ms, ratio {ratio:.1f}"
    )
    assert ratio < 20  # a generous guard; the measured ratio is printed above


# -- the fake server: 20,000 deltas ----------------------------------------------------------


def fetch(api: Any) -> bytes:
    host, port = api.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    body = {"model": "claude-opus-4-8", "max_tokens": 5, "stream": True, "messages": []}
    body["messages"] = [{"role": "user", "content": "x"}]
    try:
        connection.request(
            "POST", "/v1/messages", json.dumps(body), {"x-api-key": "k", "content-type": "json"}
        )
        return connection.getresponse().read()
    finally:
        connection.close()


def test_the_fake_server_sends_20k_deltas(fake_api: Any, tmp_path: Path) -> None:
    deltas = [f"w{i} " for i in range(20_000)]
    sse = sse_body(deltas, tmp_path / "answer.sse")

    def rendered() -> bytes:
        fake_api.enqueue(TextReply.many_deltas(deltas))
        return fetch(fake_api)

    def replayed() -> bytes:
        fake_api.enqueue(SseFile(sse))
        return fetch(fake_api)

    assert rendered().count(b"content_block_delta") == replayed().count(b"content_block_delta")
    app, base = median_times(rendered, replayed)
    ratio = app / base
    print(
        f"\nfake server, 20k deltas over HTTP: rendered per request {app * 1000:.0f} ms vs "
        f"pre-rendered {base * 1000:.0f} ms, ratio {ratio:.2f}"
    )
    assert ratio < 20  # a generous guard; the measured ratio is printed above
