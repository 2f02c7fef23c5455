"""A 150-megapixel PNG dropped on the composer: prepared in a worker thread, in reduced form,
and attached like any other picture."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import desktop.media.images as media_images
from tests.big_png import SIZE, write_big_png
from tests.gui.attachments.test_images import chips, drop, file_mime, strip_ready
from tests.gui.conftest import Desk


def test_a_150_megapixel_png_is_prepared_off_the_ui_thread(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_big_png(tmp_path / "poster.png")
    prepared_in: list[threading.Thread] = []
    strips_in: list[threading.Thread] = []
    original, reduce = media_images.prepare_image, media_images.reduced_png

    def recording_prepare(*args, **kwargs):
        prepared_in.append(threading.current_thread())
        return original(*args, **kwargs)

    def recording_reduce(*args, **kwargs):
        strips_in.append(threading.current_thread())
        return reduce(*args, **kwargs)

    monkeypatch.setattr(media_images, "prepare_image", recording_prepare)
    monkeypatch.setattr(media_images, "reduced_png", recording_reduce)
    drop(desk.window.composer.viewport(), file_mime([path]))
    desk.until(lambda: strip_ready(desk, 1), timeout=120)
    shown = chips(desk)
    assert [c.name_label.text() for c in shown] == ["poster.png"]
    assert "tokens" in shown[0].detail_label.text()
    item = shown[0].item
    assert item.prepared is not None
    assert (item.prepared.original_width, item.prepared.original_height) == SIZE
    assert prepared_in and strips_in  # decoded a strip at a time ...
    assert threading.main_thread() not in prepared_in + strips_in  # ... in a worker
