"""What a round of the tool loop costs the UI thread, beyond rendering what it shows.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/pytest tests/bench/test_tool_loop.py -s

The real window on the fake server (answers streamed through the child process, as the app
does). Answer A is a tool loop of ROUNDS rounds: each round writes a sentence and calls a
read-only local tool (a scripted host that answers at once, so the servers' own time is not
counted), then a final sentence. Answer B writes the same sentences in one request, and the
floor C is answer B again with the tool rows built by hand (the rendering A shows beyond B).
Main-thread CPU time (`time.thread_time`) from Enter to the answer's end is measured for each,
best of REPEATS. Reported per round: (A − C) / ROUNDS, everything the main thread did for a
round (Qt's repaints of the growing answer over the longer wall time included), and the loop's
own code alone: `AnswerRun._run_tools` (answering the calls, saving, showing the results) and
the next request's messages and cache breakpoints, timed by wrapping them.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from desktop.core.local_tools import McpServerConfig
from desktop.ui.chat import answer_run
from tests.fake_api import LocalCall, TextReply, ToolUseReply
from tests.gui.conftest import Desk
from tests.gui.tools.scripted_host import ScriptedHost, attach_local_tools

pytestmark = pytest.mark.bench
ROUNDS = 10
REPEATS = 3
SENTENCES = [f"Round {i}: checking the clock once more. " for i in range(ROUNDS)]


def _answer(qtbot, desk: Desk, text: str) -> float:
    """Main-thread CPU seconds from Enter until the answer has ended."""
    qtbot.keyClicks(desk.window.composer, text)
    begin = time.thread_time()
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)
    assert not desk.idle()  # sending starts the answer at once
    desk.until(desk.idle, timeout=120)
    return time.thread_time() - begin


def _loop(desk: Desk, fake_api) -> None:  # type: ignore[no-untyped-def]
    for i, sentence in enumerate(SENTENCES):
        fake_api.enqueue(ToolUseReply([LocalCall("time__get_time", {"n": i})], sentence))
    fake_api.enqueue(TextReply("That is all."))


def _plain(fake_api) -> None:  # type: ignore[no-untyped-def]
    fake_api.enqueue(TextReply("\n\n".join([*SENTENCES, "That is all."])))


class LoopCode:
    """Main-thread CPU inside the loop's own steps (they run without suspending here: the
    scripted host answers at once)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seconds = 0.0
        run_tools = answer_run.AnswerRun._run_tools

        async def timed_run_tools(run, *args):  # type: ignore[no-untyped-def]
            begin = time.thread_time()
            try:
                return await run_tools(run, *args)
            finally:
                self.seconds += time.thread_time() - begin

        monkeypatch.setattr(answer_run.AnswerRun, "_run_tools", timed_run_tools)
        for name in ("answer_turns", "place_breakpoints"):
            monkeypatch.setattr(answer_run, name, self._timed(getattr(answer_run, name)))

    def _timed(self, func):  # type: ignore[no-untyped-def]
        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            begin = time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - begin

        return timed


def test_a_round_of_the_tool_loop(
    desk: Desk, qtbot, fake_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = LoopCode(monkeypatch)
    host = ScriptedHost()
    attach_local_tools(desk, host, [McpServerConfig("time")])
    loop_cpu, plain_cpu, floor_cpu = [], [], []
    own: list[float] = []
    for _ in range(REPEATS):
        desk.controller.new_conversation()
        _loop(desk, fake_api)
        code.seconds = 0.0
        loop_cpu.append(_answer(qtbot, desk, "What time is it, ten times?"))
        own.append(code.seconds / ROUNDS)
        answer = desk.controller.history.messages()[-1]
        assert answer.usage is not None and answer.usage.extra_requests == ROUNDS  # all ran
        content = answer.content
        rows = [b for b in content if b["type"] != "text"]
        desk.controller.new_conversation()
        _plain(fake_api)
        plain_cpu.append(_answer(qtbot, desk, "What time is it, ten times?"))
        desk.controller.new_conversation()
        _plain(fake_api)
        floor_cpu.append(_answer(qtbot, desk, "What time is it, ten times?"))
        answer_id = desk.controller.history.messages()[-1].id
        tick = time.thread_time()
        for block in rows:  # the tool rows answer A showed, built and shown here
            desk.window.chat_view.show_tool_block(answer_id, block)
        qtbot.wait(1)
        floor_cpu[-1] += time.thread_time() - tick
    a, b, c = min(loop_cpu), min(plain_cpu), min(floor_cpu)
    per_round = (a - c) / ROUNDS
    print(
        f"\ntool loop of {ROUNDS} rounds: main-thread CPU {a * 1000:.0f} ms; the same text in one "
        f"answer {b * 1000:.0f} ms, with the tool rows {c * 1000:.0f} ms: {per_round * 1000:.1f} "
        f"ms per round in all; the loop's own code {min(own) * 1000:.2f} ms per round "
        "(target ≤ 5 ms)"
    )
    assert min(own) < 0.05  # a generous guard; the measured values are printed above
