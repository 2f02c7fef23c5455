"""The estimate before sending: exact count after typing pauses, one request at a time, ≈ offline."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QApplication

from tests.gui.conftest import Desk, build_desk


def count_requests(fake_api) -> list[dict]:
    return [r.body for r in fake_api.requests if r.path == "/v1/messages/count_tokens"]


def test_estimate_follows_typing_with_one_count_after_a_pause(desk: Desk, qtbot, fake_api) -> None:
    label = desk.window.token_estimate
    fake_api.count_tokens_delay = 0.3
    composer = desk.window.composer
    composer.setFocus()
    # Typing stays smooth while counts run: measured in tests/bench/test_counting.py.
    estimator = desk.window.estimator
    for char in "How many tokens is this?":
        qtbot.keyClick(composer, char)
        QApplication.processEvents()  # the loop turns between keys, as when a person types
    assert estimator.requests_started == 0  # nothing counted while typing
    assert count_requests(fake_api) == []
    desk.until(lambda: "tokens in" in label.text())
    assert len(count_requests(fake_api)) == 1
    assert estimator.requests_started == 1
    body = count_requests(fake_api)[0]
    assert body["model"] == "claude-opus-4-8"
    assert body["messages"][-1]["content"][-1]["text"] == "How many tokens is this?"
    assert "max_tokens" not in body
    assert not label.text().startswith("≈")
    assert "$" in label.text()


def test_superseded_count_is_cancelled(desk: Desk, qtbot, fake_api) -> None:
    from PySide6.QtTest import QTest

    fake_api.count_tokens_delay = 2.0
    composer = desk.window.composer
    composer.setFocus()
    tasks = desk.controller.tasks
    seen: dict[str, object] = {}

    async def scenario() -> None:  # all of it with the app's loop running, as in the app
        QTest.keyClicks(composer, "first")
        while not tasks.running("count"):
            await asyncio.sleep(0.01)
        seen["first"] = tasks._tasks["count"]
        QTest.keyClicks(composer, " second")
        while desk.window.estimator.requests_started < 2 or tasks.running("count"):
            await asyncio.sleep(0.01)

    desk.loop.run_until_complete(asyncio.wait_for(scenario(), 10))
    assert seen["first"].cancelled()  # the superseded request did not stay in flight
    assert "tokens in" in desk.window.token_estimate.text()
    assert not desk.window.token_estimate.text().startswith("≈")


def test_offline_falls_back_to_a_local_estimate(aloop, qtbot) -> None:
    desk = build_desk(aloop, "http://127.0.0.1:9", qtbot)  # nothing listens there
    qtbot.keyClicks(desk.window.composer, "x" * 400)
    desk.until(lambda: "tokens in" in desk.window.token_estimate.text(), timeout=10)
    text = desk.window.token_estimate.text()
    assert text.startswith("≈")
    assert "estimated locally" in desk.window.token_estimate.toolTip()
    aloop.run_until_complete(desk.backend.aclose())
    desk.store.close()
