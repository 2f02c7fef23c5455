# TEMPORARY profiling harness (helper); delete before handing back.
from __future__ import annotations

import cProfile
import os

import pytest

from desktop.ui.markdown import warm_up
from tests.bench import test_streaming as ts
from tests.fake_api.script import SseFile, TextReply

pytestmark = pytest.mark.bench

desk = ts.desk
answer = ts.answer


@pytest.mark.usefixtures("frozen_gc")
def test_prof(desk, qtbot, fake_api, answer) -> None:
    warm_up()
    ts.send_and_watch(desk, qtbot, fake_api, TextReply(ts.WARM_REPLY), ts.WARM_REPLY)
    mode = os.environ.get("PROF", "cprofile")
    for i in range(int(os.environ.get("RUNS", "2"))):
        if mode == "cprofile" and i == 1:
            prof = cProfile.Profile()
            prof.enable()
            run = ts.send_and_watch(desk, qtbot, fake_api, SseFile(answer.sse), answer.text)
            prof.disable()
            prof.dump_stats("/tmp/prof/out.prof")
        else:
            run = ts.send_and_watch(desk, qtbot, fake_api, SseFile(answer.sse), answer.text)
        print(run.line(0.58))
frozen_gc = ts.frozen_gc
