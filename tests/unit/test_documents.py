"""Documents: PDF and text checks (media), limits (core), placement in requests, storage."""

from __future__ import annotations

import base64
import codecs
from importlib import resources
from pathlib import Path

import pytest

from desktop.core.caching import breakpoint_paths, place_breakpoints
from desktop.core.catalog import Catalog
from desktop.core.conversation import ConversationSettings, Message, Role, text_block
from desktop.core.documents import (
    Document,
    DocumentError,
    api_block,
    check_documents,
    check_new_document,
    decode_text,
    stored_block,
)
from desktop.core.images import MB
from desktop.core.requests import build_params, inline_blobs, without_documents
from desktop.media.documents import prepare_bytes, prepare_file, prepare_text
from desktop.storage.database import SqliteConversationStore
from tests.pdfs import damaged_pdf, pdf_bytes, pdf_file

CATALOG = Catalog.from_toml(
    resources.files("desktop.resources").joinpath("models.toml").read_text()
)
OPUS = CATALOG.get("claude-opus-4-8")  # 1M context: 600 pages
HAIKU = CATALOG.get("claude-haiku-4-5")  # 200K context: 100 pages


def pdf_doc(name: str = "a.pdf", pages: int = 3, size: int = 1000) -> Document:
    return Document(name, "pdf", "a" * 64, size, pages * 1600, pages=pages)


# -- media: reading and checking ---------------------------------------------------------------


def test_pdf_pages_and_facts(tmp_path: Path) -> None:
    prepared = prepare_file(str(pdf_file(tmp_path / "report.pdf", pages=7)))
    doc = prepared.document
    assert (doc.name, doc.kind, doc.pages) == ("report.pdf", "pdf", 7)
    assert doc.byte_size == len(prepared.data) == (tmp_path / "report.pdf").stat().st_size
    assert doc.media_type == "application/pdf"
    assert not doc.tokens_exact and doc.tokens == 7 * 1600


def test_pdf_detected_by_content_not_only_by_name() -> None:
    assert prepare_bytes(pdf_bytes(2), "no-extension").document.kind == "pdf"


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    path = pdf_file(tmp_path / "secret.pdf", pages=2, password="hunter2")
    with pytest.raises(DocumentError, match="encrypted or password-protected"):
        prepare_file(str(path))


@pytest.mark.parametrize("cut", [True, False])
def test_damaged_pdf_is_refused(tmp_path: Path, cut: bool) -> None:
    path = tmp_path / "broken.pdf"
    if cut:
        path.write_bytes(pdf_bytes(3)[:300])
    else:
        damaged_pdf(path)
    with pytest.raises(DocumentError, match="not a readable PDF"):
        prepare_file(str(path))


@pytest.mark.parametrize(
    "data",
    [
        "héllo, wörld".encode(),
        codecs.BOM_UTF8 + "héllo, wörld".encode(),
        "héllo, wörld".encode("utf-16"),  # with a BOM
        codecs.BOM_UTF16_BE + "héllo, wörld".encode("utf-16-be"),
    ],
)
def test_text_encodings_read(data: bytes) -> None:
    assert decode_text(data, "notes.txt") == "héllo, wörld"


def test_text_document_is_stored_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes("name,city\nZoë,Zürich\n".encode("utf-16"))
    prepared = prepare_file(str(path))
    assert prepared.document.kind == "text"
    assert prepared.data == "name,city\nZoë,Zürich\n".encode()
    assert prepared.document.pages is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\n ", "empty"),
        ("caf\xe9 cr\xe8me".encode("latin-1"), "UTF-8"),
        (b"\x00\x01\x02binary\x00", "binary"),
    ],
)
def test_unusable_text_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        prepare_bytes(data, "file.txt")


def test_unreadable_paths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="could not be read"):
        prepare_file(str(tmp_path / "missing.txt"))
    with pytest.raises(DocumentError, match="folder"):
        prepare_file(str(tmp_path))


def test_pasted_text() -> None:
    doc = prepare_text("Pasted text.txt", "x" * 4000).document
    assert (doc.kind, doc.byte_size, doc.tokens) == ("text", 4000, 1000)
    with pytest.raises(DocumentError):
        prepare_text("Pasted text.txt", "   ")


# -- core: limits ----------------------------------------------------------------------------


def test_page_limit_depends_on_context_window() -> None:
    doc = pdf_doc(pages=150)
    assert check_new_document(doc, [], OPUS) is None
    assert "at most 100 pages" in (check_new_document(doc, [], HAIKU) or "")
    many = [pdf_doc(pages=300), pdf_doc(pages=300)]
    assert check_documents(many, OPUS) == []
    assert "601" in (check_new_document(pdf_doc(pages=1), many, OPUS) or "")


def test_request_size_limit_counts_base64() -> None:
    # 24.1 MB of PDF is 32.1 MB as base64: over the limit alone
    big = pdf_doc(size=24 * MB + 100_000, pages=10)
    assert "32 MB" in (check_new_document(big, [], OPUS) or "")
    half = pdf_doc(size=13 * MB, pages=10)
    assert check_new_document(half, [], OPUS) is None
    assert "32 MB" in (check_new_document(half, [half], OPUS) or "")
    assert check_documents([half], OPUS, other_bytes=20 * MB)  # images count too


def test_detail_line() -> None:
    doc = Document("a.pdf", "pdf", "a" * 64, 1_300_000, 21_400, pages=14, tokens_exact=True)
    assert doc.detail() == "1.2 MB · 14 pages · 21,400 tokens"
    assert pdf_doc(pages=1).detail().endswith("1 page · ≈1,600 tokens")


# -- requests: placement and inlining --------------------------------------------------------------


def history() -> list[Message]:
    return [
        Message(1, Role.USER, [text_block("What is in the report?")]),
        Message(1, Role.ASSISTANT, [text_block("A summary.")]),
        Message(1, Role.USER, [text_block("And the figures?")]),
    ]


def test_documents_open_the_first_user_turn_and_are_cached() -> None:
    docs = [
        stored_block(pdf_doc("a.pdf")),
        stored_block(Document("b.md", "text", "b" * 64, 10, 3)),
    ]
    settings = ConversationSettings(system_prompt="Be brief.")
    params = build_params(settings, OPUS, history(), docs)
    first = params["messages"][0]["content"]
    assert [b["type"] for b in first] == ["document", "document", "text"]
    assert [b["title"] for b in first[:2]] == ["a.pdf", "b.md"]
    marked = place_breakpoints(params, "1h")
    assert breakpoint_paths(marked) == [
        "system[0]",
        "messages[0].content[1]",
        "messages[2].content[0]",
    ]
    assert marked["messages"][0]["content"][1]["cache_control"] == {
        "type": "ephemeral",
        "ttl": "1h",
    }
    assert marked["messages"][2]["content"][0]["cache_control"] == {"type": "ephemeral"}


def test_documents_alone_make_a_user_turn() -> None:
    params = build_params(ConversationSettings(), OPUS, [], [stored_block(pdf_doc())])
    assert params["messages"][0]["role"] == "user"
    assert [b["type"] for b in params["messages"][0]["content"]] == ["document"]


def test_inline_blobs_sends_pdfs_as_base64_and_text_as_text() -> None:
    pdf = pdf_bytes(2)
    blobs = {"a" * 64: pdf, "b" * 64: "# Notes\nZoë".encode()}
    docs = [
        stored_block(pdf_doc("a.pdf")),
        stored_block(Document("notes.md", "text", "b" * 64, 10, 3)),
    ]
    params = place_breakpoints(build_params(ConversationSettings(), OPUS, history(), docs))
    sent = inline_blobs(params, blobs.__getitem__)["messages"][0]["content"]
    assert sent[0] == {
        "type": "document",
        "source": {
            "type": "base64",
            "media_type": "application/pdf",
            "data": base64.b64encode(pdf).decode(),
        },
        "title": "a.pdf",
    }
    assert sent[1] == {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "# Notes\nZoë"},
        "title": "notes.md",
        "cache_control": {"type": "ephemeral"},
    }
    assert "\n" not in sent[0]["source"]["data"]  # base64 without newlines


def test_api_block_keeps_other_keys_in_order() -> None:
    block = {**stored_block(pdf_doc()), "cache_control": {"type": "ephemeral"}}
    assert list(api_block(block, b"%PDF-")) == ["type", "source", "title", "cache_control"]


def test_without_documents_uses_their_counted_tokens() -> None:
    counted = Document("a.pdf", "pdf", "a" * 64, 10, 5000, pages=3, tokens_exact=True)
    guessed = Document("b.txt", "text", "b" * 64, 10, 300)
    params = build_params(ConversationSettings(), OPUS, history(), [stored_block(counted)])
    rest, tokens, exact = without_documents(params)
    assert (tokens, exact) == (5000, True)
    assert all(b["type"] == "text" for m in rest["messages"] for b in m["content"])
    both = [stored_block(counted), stored_block(guessed)]
    params = build_params(ConversationSettings(), OPUS, history(), both)
    assert without_documents(params)[1:] == (5300, False)


# -- storage ---------------------------------------------------------------------------------------


def test_documents_persist_in_order_and_free_their_blobs(tmp_path: Path) -> None:
    with SqliteConversationStore(tmp_path / "h.db") as store:
        conversation = store.create_conversation(ConversationSettings())
        a = store.add_document(conversation.id, pdf_doc("a.pdf"))
        b = store.add_document(conversation.id, Document("b.txt", "text", "b" * 64, 5, 2))
        assert [d.name for d in store.list_documents(conversation.id)] == ["a.pdf", "b.txt"]
        assert b.id is not None and a.id is not None
        store.reorder_documents(conversation.id, [b.id, a.id])
        store.update_document_tokens(a.id, 4321, True)
        listed = store.list_documents(conversation.id)
        assert [d.name for d in listed] == ["b.txt", "a.pdf"]
        assert (listed[1].tokens, listed[1].tokens_exact, listed[1].pages) == (4321, True, 3)
        assert store.referenced_blobs() == {"a" * 64, "b" * 64}
        store.remove_document(b.id)
        assert store.referenced_blobs() == {"a" * 64}
        store.delete_conversation(conversation.id)
        assert store.referenced_blobs() == set()
        assert store.list_documents(conversation.id) == []


def test_cache_ttl_setting_round_trips() -> None:
    settings = ConversationSettings(cache_ttl="1h")
    assert ConversationSettings.from_dict(settings.to_dict()).cache_ttl == "1h"
    assert ConversationSettings.from_dict({}).cache_ttl == "5m"
    assert ConversationSettings.from_dict({"cache_ttl": "2d"}).cache_ttl == "5m"
