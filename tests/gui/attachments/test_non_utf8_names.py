"""Dropped files whose names are not UTF-8 (bytes a Linux file system allows, as an old
Latin-1 archive leaves them): images and documents attach all the same."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QUrl

from tests.gui.attachments.test_images import chips, drop, png_file, strip_ready
from tests.gui.conftest import Desk
from tests.gui.context.test_documents import names, panel, ready

pytestmark = pytest.mark.skipif(os.name != "posix", reason="names are bytes on POSIX only")


def latin1_file(folder: Path, name: bytes, content: bytes | None = None) -> bytes:
    """A file called `name` (bytes, not UTF-8) in `folder`; returns its full path as bytes."""
    path = os.fsencode(folder) + b"/" + name
    if content is not None:
        with open(path, "wb") as out:
            out.write(content)
    return path


def dropped_urls(paths: list[bytes]) -> QMimeData:
    """What a file manager puts on the drag: file URLs with the name's bytes percent-encoded."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromEncoded(QByteArray(b"file://" + _escaped(p))) for p in paths])
    return mime


def _escaped(path: bytes) -> bytes:
    from urllib.parse import quote_from_bytes

    return quote_from_bytes(path, safe="/").encode("ascii")


def test_a_text_document_with_a_latin1_name_joins_the_context(desk: Desk, tmp_path: Path) -> None:
    path = latin1_file(tmp_path, b"r\xe9sum\xe9.txt", ("word " * 400).encode())
    drop(desk.window.composer.viewport(), dropped_urls([path]))
    desk.until(lambda: ready(desk, 1) or panel(desk).message_label.text())
    assert "No such file" not in panel(desk).message_label.text()
    assert names(desk) == ["r\ufffdsum\ufffd.txt"]  # shown readable, never a crash


def test_an_image_with_a_latin1_name_is_attached(desk: Desk, tmp_path: Path) -> None:
    png = png_file(tmp_path / "plain.png").read_bytes()
    path = latin1_file(tmp_path, b"photo-\xe9t\xe9.png", png)
    drop(desk.window.composer.viewport(), dropped_urls([path]))
    desk.until(lambda: strip_ready(desk, 1))
    shown = chips(desk)
    assert [c.name_label.text() for c in shown] == ["photo-\ufffdt\ufffd.png"]
    assert "tokens" in shown[0].detail_label.text()


def test_an_image_with_a_latin1_name_dropped_on_the_conversation(
    desk: Desk, tmp_path: Path
) -> None:
    png = png_file(tmp_path / "plain.png").read_bytes()
    path = latin1_file(tmp_path, b"\xe9cran.png", png)
    drop(desk.window.chat_view.viewport(), dropped_urls([path]))
    desk.until(lambda: strip_ready(desk, 1))
    assert [c.name_label.text() for c in chips(desk)] == ["\ufffdcran.png"]
    assert "tokens" in chips(desk)[0].detail_label.text()
