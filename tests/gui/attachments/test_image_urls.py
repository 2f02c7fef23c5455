"""A copied image address attaches the image; the API downloads it (a `url` image source)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtWidgets import QApplication, QLabel

from tests.fake_api.script import TextReply
from tests.gui.attachments.test_images import chips, strip_ready, type_text
from tests.gui.conftest import Desk

URL = "https://upload.example.org/photos/Red%20fox.JPG?width=800"


def url_mime(*urls: str) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl(u) for u in urls])
    return mime


def test_pasting_an_image_url_attaches_it_and_history_resends_it(
    desk: Desk, qtbot, fake_api
) -> None:
    type_text(desk, qtbot, "What animal is this?")
    QApplication.clipboard().setMimeData(url_mime(URL))
    desk.window.composer.paste()
    desk.until(lambda: strip_ready(desk, 1))
    assert desk.window.composer.toPlainText() == "What animal is this?"  # no URL text pasted
    chip = chips(desk)[0]
    assert chip.name_label.text() == "Red fox.JPG"
    assert chip.detail_label.text() == "from URL"
    assert URL in chip.toolTip()
    fake_api.enqueue(TextReply("A red fox."), TextReply("Yes, a fox."))
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)
    desk.until(lambda: desk.idle() and fake_api.message_requests())
    assert chips(desk) == []
    sent = fake_api.message_requests()[-1]["messages"][-1]["content"]
    assert sent == [
        {"type": "image", "source": {"type": "url", "url": URL}},
        # the latest turn carries the history's cache breakpoint
        {"type": "text", "text": "What animal is this?", "cache_control": {"type": "ephemeral"}},
    ]
    # shown in the conversation as a link, and sent again on the next turn
    link = desk.window.findChild(QLabel, "message_image_url")
    assert link is not None and "Red fox.JPG" in link.text() and "from URL" in link.text()
    type_text(desk, qtbot, "Sure?")
    qtbot.keyClick(desk.window.composer, Qt.Key.Key_Return)
    desk.until(lambda: desk.idle() and len(fake_api.message_requests()) == 2)
    first_turn = fake_api.message_requests()[-1]["messages"][0]["content"]
    assert first_turn[0] == {"type": "image", "source": {"type": "url", "url": URL}}


def test_copied_image_address_as_text_attaches_but_other_text_pastes(desk: Desk, qtbot) -> None:
    clipboard = QApplication.clipboard()
    clipboard.setText("https://example.com/cat.png")
    desk.window.composer.paste()
    desk.until(lambda: strip_ready(desk, 1))
    assert chips(desk)[0].name_label.text() == "cat.png"
    assert desk.window.composer.toPlainText() == ""
    # a page address, a local file URL as text, or plain words stay text
    for text in ("https://example.com/article", "ftp://example.com/a.png", "see x.png"):
        desk.window.composer.clear()
        clipboard.setText(text)
        desk.window.composer.paste()
        assert desk.window.composer.toPlainText() == text
    assert len(chips(desk)) == 1


def test_token_estimate_counts_a_url_image(desk: Desk, qtbot, fake_api) -> None:
    desk.window.attach_urls(["https://example.com/a.webp"])
    type_text(desk, qtbot, "Describe")
    desk.until(lambda: "tokens in" in desk.window.token_estimate.text())
    counts = [r.body for r in fake_api.requests if r.path == "/v1/messages/count_tokens"]
    assert counts[-1]["messages"][-1]["content"][0]["source"] == {
        "type": "url",
        "url": "https://example.com/a.webp",
    }
