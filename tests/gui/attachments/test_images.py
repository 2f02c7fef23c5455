"""Images in the chat: drop, paste, pick; prepared for the model; sent before the text; re-sent."""

from __future__ import annotations

import base64
import io
import os
import threading
import time
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QWidget

from tests.fake_api.script import TextReply
from tests.gui.conftest import Desk, build_desk

GPS_IFD = 0x8825


def photo_file(path: Path, size: tuple[int, int] = (3200, 2400), orientation: int = 6) -> Path:
    """A JPEG with a camera's EXIF: rotated orientation and a GPS position."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Camera maker"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 10.5), 3: "E", 4: (4.0, 53.0, 1.25)}
    image.save(path, "JPEG", exif=exif.tobytes(), quality=85)
    return path


def png_file(path: Path, size: tuple[int, int] = (300, 200)) -> Path:
    Image.new("RGBA", size, (10, 120, 200, 128)).save(path, "PNG")
    return path


def file_mime(paths: list[Path]) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drop(target: QWidget, mime: QMimeData) -> None:
    """A real drag-enter then drop on `target`, as the window system delivers them."""
    point = target.rect().center()
    action = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(point), action, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    QApplication.sendEvent(target, QDropEvent(QPointF(point), action, mime, buttons, mods))


def strip_ready(desk: Desk, count: int) -> bool:
    pending = desk.controller.attachments
    assert pending is not None
    return len(pending.items) == count and not pending.preparing


def chips(desk: Desk) -> list:
    strip = desk.window.attachment_strip
    assert strip is not None
    return strip.chips()


def type_text(desk: Desk, qtbot, text: str) -> None:
    desk.window.composer.setFocus()
    qtbot.keyClicks(desk.window.composer, text)


def sent_images(request: dict) -> list[Image.Image]:
    out = []
    for block in request["messages"][-1]["content"]:
        if block["type"] == "image":
            out.append(Image.open(io.BytesIO(base64.b64decode(block["source"]["data"]))))
    return out


def test_dropping_files_on_composer_adds_chips(desk: Desk, tmp_path: Path) -> None:
    files = [photo_file(tmp_path / "a.jpg"), png_file(tmp_path / "b.png")]
    drop(desk.window.composer.viewport(), file_mime(files))
    assert desk.window.composer.toPlainText() == ""  # no file path typed into the text
    assert [c.detail_label.text() for c in chips(desk)] == ["preparing…", "preparing…"]
    desk.until(lambda: strip_ready(desk, 2))
    shown = chips(desk)
    assert [c.name_label.text() for c in shown] == ["a.jpg", "b.png"]
    assert shown[0].detail_label.text().startswith("1932 × 2576 px · ~")  # upright, shrunk
    assert "tokens" in shown[1].detail_label.text()
    assert not shown[0].thumbnail.pixmap().isNull()
    assert desk.window.attachment_strip.isVisible()


def test_many_dropped_files_get_their_chips_a_few_at_a_time(desk: Desk, tmp_path: Path) -> None:
    from desktop.ui.attachments.strip import CHIPS_PER_TURN

    files = [png_file(tmp_path / f"m{i}.png", (40 + i, 30)) for i in range(CHIPS_PER_TURN + 3)]
    drop(desk.window.composer.viewport(), file_mime(files))
    assert len(chips(desk)) == CHIPS_PER_TURN  # the rest after the next paint
    desk.until(lambda: strip_ready(desk, len(files)) and len(chips(desk)) == len(files))
    shown = chips(desk)
    assert [c.name_label.text() for c in shown] == [f.name for f in files]
    desk.until(lambda: all(not c.thumbnail.pixmap().isNull() for c in chips(desk)))
    assert all("tokens" in c.detail_label.text() for c in shown)


def test_dropping_on_the_chat_highlights_and_adds(desk: Desk, tmp_path: Path) -> None:
    view = desk.window.chat_view
    mime = file_mime([png_file(tmp_path / "c.png")])
    point = view.viewport().rect().center()
    QApplication.sendEvent(
        view.viewport(),
        QDragEnterEvent(
            point,
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        ),
    )
    assert view.property("dropTarget") is True
    drop(view.viewport(), mime)
    assert not view.property("dropTarget")
    desk.until(lambda: strip_ready(desk, 1))


def test_pasting_a_raw_image_adds_a_chip(desk: Desk, qtbot) -> None:
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor("#3366cc"))
    QApplication.clipboard().setImage(image)
    type_text(desk, qtbot, "What colour?")
    desk.window.composer.paste()
    desk.until(lambda: strip_ready(desk, 1))
    assert desk.window.composer.toPlainText() == "What colour?"
    chip = chips(desk)[0]
    assert chip.name_label.text() == "Pasted image.png"
    assert chip.detail_label.text().startswith("640 × 480 px")


def test_picker_adds_chips_and_remove_button_drops_one(
    desk: Desk, tmp_path: Path, monkeypatch, qtbot
) -> None:
    files = [str(png_file(tmp_path / "x.png")), str(png_file(tmp_path / "y.png", (90, 60)))]
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: (files, ""))
    qtbot.mouseClick(desk.window.attach_button, Qt.MouseButton.LeftButton)
    desk.until(lambda: strip_ready(desk, 2))
    qtbot.mouseClick(chips(desk)[0].remove_button, Qt.MouseButton.LeftButton)
    assert [c.name_label.text() for c in chips(desk)] == ["y.png"]


def test_bad_file_gives_a_message_and_keeps_text_and_others(
    desk: Desk, tmp_path: Path, qtbot
) -> None:
    fake = tmp_path / "notes.png"
    fake.write_text("just some text, not a picture")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    type_text(desk, qtbot, "Compare these")
    desk.window.attach_files([str(png_file(tmp_path / "ok.png")), str(fake), str(empty)])
    desk.until(lambda: strip_ready(desk, 1))
    message = desk.window.attachment_strip.message_label
    desk.until(lambda: "empty.jpg" in message.text() and "notes.png" in message.text())
    assert message.isVisible() and "not an image" in message.text()
    assert [c.name_label.text() for c in chips(desk)] == ["ok.png"]
    assert desk.window.composer.toPlainText() == "Compare these"


def test_sending_puts_prepared_images_before_the_text(
    desk: Desk, tmp_path: Path, qtbot, fake_api
) -> None:
    fake_api.enqueue(TextReply("A gradient and a blue square."))
    desk.window.attach_files(
        [str(photo_file(tmp_path / "p.jpg")), str(png_file(tmp_path / "q.png"))]
    )
    desk.until(lambda: strip_ready(desk, 2))
    type_text(desk, qtbot, "What are these?")
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)
    desk.until(lambda: desk.idle() and fake_api.message_requests())
    assert desk.window.composer.toPlainText() == "" and chips(desk) == []
    content = fake_api.message_requests()[-1]["messages"][-1]["content"]
    assert [b["type"] for b in content] == ["image", "image", "text"]
    assert [b["source"]["media_type"] for b in content[:2]] == ["image/jpeg", "image/png"]
    assert all(b["source"]["type"] == "base64" for b in content[:2])
    photo, graphic = sent_images(fake_api.message_requests()[-1])
    long_edge = desk.controller.catalog.get("claude-opus-4-8").image_long_edge
    assert max(photo.size) <= long_edge and photo.size[1] > photo.size[0]  # upright
    assert not photo.getexif() and "exif" not in photo.info
    assert graphic.size == (300, 200)
    # stored as blob references, once each
    stored = desk.store.load_messages(desk.store.list_conversations()[0].id)[0].content
    assert [b["source"]["type"] for b in stored[:2]] == ["blob", "blob"]
    assert all(b["source"]["sha256"] in desk.blobs for b in stored[:2])
    # the chat shows the sent images as thumbnails; a click opens one full size
    user = next(w for w in desk.window.chat_view.message_widgets() if w.image_buttons)
    buttons = list(user.image_buttons.values())
    assert len(buttons) == 2 and not buttons[0].icon().isNull()
    qtbot.mouseClick(buttons[1], Qt.MouseButton.LeftButton)
    preview = desk.window.findChild(QDialog, "image_preview")
    assert preview is not None and preview.image_label.pixmap().size().width() == 300


def test_switching_model_reprepares_for_its_long_edge(desk: Desk, tmp_path: Path) -> None:
    desk.window.attach_files([str(photo_file(tmp_path / "big.jpg", orientation=1))])
    desk.until(lambda: strip_ready(desk, 1))
    assert chips(desk)[0].detail_label.text().startswith("2576 × 1932 px")
    settings = desk.controller.settings.copy()
    settings.model = "claude-sonnet-4-6"
    desk.controller.update_settings(settings)
    desk.until(lambda: strip_ready(desk, 1))
    assert chips(desk)[0].detail_label.text().startswith("1568 × 1176 px")


def test_history_images_are_resent_after_restart(aloop, fake_api, qtbot, tmp_path: Path) -> None:
    first = build_desk(aloop, fake_api.base_url, qtbot)
    fake_api.enqueue(TextReply("A blue square."))
    first.window.attach_files([str(png_file(tmp_path / "s.png"))])
    first.until(lambda: strip_ready(first, 1))
    type_text(first, qtbot, "What is this?")
    qtbot.keyClick(first.window.composer, Qt.Key.Key_Return)
    first.until(lambda: first.idle() and fake_api.message_requests())
    aloop.run_until_complete(first.controller.tasks.drain())
    aloop.run_until_complete(first.backend.aclose())
    first.store.close()
    first.window.close()

    second = build_desk(aloop, fake_api.base_url, qtbot)
    try:
        second.controller.open_conversation(second.store.list_conversations()[0])
        fake_api.enqueue(TextReply("Still blue."))
        type_text(second, qtbot, "And now?")
        qtbot.keyClick(second.window.composer, Qt.Key.Key_Return)
        second.until(lambda: second.idle() and len(fake_api.message_requests()) == 2)
        first_turn = fake_api.message_requests()[-1]["messages"][0]["content"]
        assert [b["type"] for b in first_turn] == ["image", "text"]
        user = next(w for w in second.window.chat_view.message_widgets() if w.image_buttons)
        button = next(iter(user.image_buttons.values()))
        second.until(lambda: not button.icon().isNull())  # thumbnail made from the blob
        assert first_turn[0]["source"]["type"] == "base64"
        assert Image.open(io.BytesIO(base64.b64decode(first_turn[0]["source"]["data"]))).size == (
            300,
            200,
        )
    finally:
        aloop.run_until_complete(second.controller.tasks.drain())
        aloop.run_until_complete(second.backend.aclose())
        second.store.close()


def make_old(desk: Desk, sha256: str, seconds: float = 600) -> None:
    assert desk.blobs is not None
    past = time.time() - seconds
    os.utime(desk.blobs.path(sha256), (past, past))


def test_deleting_a_conversation_deletes_its_unused_blobs(
    desk: Desk, tmp_path: Path, qtbot, fake_api
) -> None:
    fake_api.enqueue(TextReply("ok"))
    desk.window.attach_files([str(png_file(tmp_path / "d.png"))])
    desk.until(lambda: strip_ready(desk, 1))
    type_text(desk, qtbot, "Look")
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)
    desk.until(lambda: desk.idle() and fake_api.message_requests())
    assert desk.blobs is not None
    (sent,) = desk.blobs.hashes()
    make_old(desk, sent)  # blobs written in the last minute are spared
    # a draft's image, also old: kept because the draft uses it
    desk.window.attach_files([str(png_file(tmp_path / "e.png", (80, 60)))])
    desk.until(lambda: strip_ready(desk, 1))
    (drafted,) = set(desk.blobs.hashes()) - {sent}
    make_old(desk, drafted)
    # a blob just written by a preparation nobody can name yet: kept because it is young
    fresh = desk.blobs.put(b"being prepared for another draft")

    desk.controller.delete_conversation(desk.store.list_conversations()[0].id)
    desk.until(lambda: sent not in desk.blobs)
    desk.loop.run_until_complete(desk.controller.tasks.drain())
    assert set(desk.blobs.hashes()) == {drafted, fresh}


def test_an_image_being_prepared_keeps_its_blob_when_a_conversation_is_deleted(
    desk: Desk, tmp_path: Path, monkeypatch
) -> None:
    """The race: the collector runs while a worker is between preparing and storing a blob."""
    assert desk.blobs is not None and desk.controller.attachments is not None
    blobs = desk.blobs
    conversation = desk.store.create_conversation(desk.controller.settings.copy())
    storing, release = threading.Event(), threading.Event()
    real_put = blobs.put

    def slow_put(data: bytes) -> str:
        storing.set()
        release.wait(10)
        return real_put(data)

    monkeypatch.setattr(blobs, "put", slow_put)
    desk.window.attach_files([str(png_file(tmp_path / "f.png"))])
    desk.until(storing.is_set)
    named = desk.controller.attachments.hashes()
    assert len(named) == 1  # named before it is written
    old_blob = real_put(b"stored long ago by the same image")  # e.g. an earlier long edge
    make_old(desk, old_blob)
    monkeypatch.setattr(blobs, "put", real_put)
    release.set()
    desk.controller.delete_conversation(conversation.id)
    desk.until(lambda: strip_ready(desk, 1))
    desk.loop.run_until_complete(desk.controller.tasks.drain())
    (prepared,) = desk.controller.attachments.ready()
    assert named == {prepared.sha256} and prepared.sha256 in blobs


def test_enter_with_only_an_image_still_preparing_sends_it_when_ready(
    desk: Desk, qtbot, tmp_path: Path, monkeypatch, fake_api
) -> None:
    assert desk.blobs is not None
    storing, release = threading.Event(), threading.Event()
    real_put = desk.blobs.put

    def slow_put(data: bytes) -> str:
        storing.set()
        release.wait(10)
        return real_put(data)

    monkeypatch.setattr(desk.blobs, "put", slow_put)
    desk.window.attach_files([str(png_file(tmp_path / "wait.png"))])
    desk.until(storing.is_set)
    desk.window.composer.setFocus()
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)  # no text: just the image
    bar = desk.window.composer_row.send_queue_bar
    assert bar.isVisible() and bar.label.text() == "Sending when ready…  (images only)"
    assert fake_api.message_requests() == []
    release.set()
    desk.until(lambda: desk.idle() and len(fake_api.message_requests()) == 1)
    (block,) = fake_api.message_requests()[0]["messages"][0]["content"]
    assert block["type"] == "image" and not bar.isVisible()
