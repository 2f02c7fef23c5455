"""The export formats as plain data: claude-desk/1 both ways, claude.ai, Markdown, JSON pieces."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from desktop.core.claude_ai import (
    ATTACHMENT_HEADING,
    SKIPPED_ATTACHMENTS,
    SKIPPED_BLOCKS,
    SKIPPED_CONVERSATIONS,
    SKIPPED_FILES,
    parse_claude_ai,
)
from desktop.core.conversation import (
    Conversation,
    ConversationSettings,
    Message,
    MessageStatus,
    Role,
    Usage,
    text_block,
)
from desktop.core.documents import Document
from desktop.core.exchange import (
    FORMAT,
    ConversationSnapshot,
    ExchangeError,
    ImportResult,
    export_dict,
    import_summary,
    parse_export,
)
from desktop.core.images import ImageFacts, blob_image_block
from desktop.core.markdown_export import markdown_export, unique_stems
from desktop.core.names import safe_stem

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "claude_ai" / "conversations.json"
PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 10
PNG_SHA = hashlib.sha256(PNG).hexdigest()
TEXT_DOC = b"# Notes\nkeep the starter warm\n"
DOC_SHA = hashlib.sha256(TEXT_DOC).hexdigest()


def image_block() -> dict:
    return blob_image_block(ImageFacts("image/png", 8, 6, len(PNG), PNG_SHA, "loaf.png"))


def snapshot() -> ConversationSnapshot:
    """A tree: q1 -> (a1, a1'), a1' -> q2 -> a2; ids as a store gives them (not from 1)."""
    settings = ConversationSettings(model="claude-opus-4-8", system_prompt="Be brief.")
    conv = Conversation(41, "Bread: a [test]", 1000.0, 2000.0, settings)
    usage = Usage(input_tokens=120, output_tokens=30, cache_read_input_tokens=1000)
    messages = [
        Message(41, Role.USER, [image_block(), text_block("What is this?")], id=100,
                created_at=1001.0),
        Message(41, Role.ASSISTANT, [text_block("A loaf.")], id=101, created_at=1002.0,
                parent_id=100, model="claude-opus-4-8", usage=usage, stop_reason="end_turn"),
        Message(41, Role.ASSISTANT,
                [{"type": "thinking", "thinking": "Crumb looks open.", "signature": "sig"},
                 text_block("A sourdough loaf.")],
                id=105, created_at=1003.0, parent_id=100, model="claude-opus-4-8",
                usage=Usage(input_tokens=5, output_tokens=7), stop_reason="end_turn",
                stop_details={"type": "x"}),
        Message(41, Role.USER, [text_block("Why open?")], id=106, created_at=1004.0,
                parent_id=105),
        Message(41, Role.ASSISTANT, [text_block("Long ferm")], id=107, created_at=1005.0,
                parent_id=106, status=MessageStatus.FAILED, error="Overloaded"),
    ]  # fmt: skip
    documents = [Document("notes.md", "text", DOC_SHA, len(TEXT_DOC), 9, None, True, 3)]
    return ConversationSnapshot(
        conv, messages, 107, documents, {PNG_SHA: PNG, DOC_SHA: TEXT_DOC}, set()
    )


def test_export_remaps_ids_and_keeps_everything():
    data = json.loads(json.dumps(export_dict([snapshot()], 3000.0, "Claude Desk 9")))
    assert data["format"] == FORMAT and data["app"] == "Claude Desk 9"
    conv = data["conversations"][0]
    assert [m["id"] for m in conv["messages"]] == [1, 2, 3, 4, 5]
    assert [m["parent"] for m in conv["messages"]] == [None, 1, 1, 3, 4]
    assert conv["current_leaf"] == 5
    assert conv["messages"][2]["content"][0]["signature"] == "sig"  # blocks exactly as stored
    assert conv["messages"][1]["usage"]["cache_read_input_tokens"] == 1000
    assert (
        conv["messages"][4]["status"] == "failed" and conv["messages"][4]["error"] == "Overloaded"
    )
    assert conv["settings"]["system_prompt"] == "Be brief."
    assert conv["documents"][0]["name"] == "notes.md"
    assert base64.b64decode(data["blobs"][PNG_SHA]["data"]) == PNG
    assert data["blobs"][PNG_SHA]["media_type"] == "image/png"
    assert set(data["blobs"]) == {PNG_SHA, DOC_SHA} and data["missing_blobs"] == []


def test_each_blob_once_across_conversations_and_missing_ones_listed():
    one, two = snapshot(), snapshot()
    two.blobs = {}
    data = export_dict([one, two], 0.0, "x")
    assert len(data["blobs"]) == 2 and data["missing_blobs"] == []
    two.blobs, one.blobs = {}, {PNG_SHA: PNG}
    assert export_dict([one, two], 0.0, "x")["missing_blobs"] == [DOC_SHA]


def test_parse_gives_back_what_was_exported():
    original = snapshot()
    bundle = parse_export(json.loads(json.dumps(export_dict([original], 0.0, "x"))))
    (conv,) = bundle.conversations
    assert bundle.blobs == {PNG_SHA: PNG, DOC_SHA: TEXT_DOC}
    assert conv.title == original.conversation.title
    assert conv.settings == original.conversation.settings
    assert (conv.created_at, conv.updated_at) == (1000.0, 2000.0)
    assert conv.current_leaf == 5
    assert [d.name for d in conv.documents] == ["notes.md"] and conv.documents[0].tokens_exact
    for got, want in zip(conv.messages, original.messages, strict=True):
        assert (got.role, got.content, got.status, got.model, got.usage, got.error) == (
            want.role, want.content, want.status, want.model, want.usage, want.error
        )  # fmt: skip
        assert (got.stop_reason, got.stop_details, got.created_at) == (
            want.stop_reason, want.stop_details, want.created_at
        )  # fmt: skip


def exported() -> dict:
    return json.loads(json.dumps(export_dict([snapshot()], 0.0, "x")))


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda d: d.update(format="claude-desk/7"), "“claude-desk/7”"),
        (lambda d: d.pop("format"), "not a Claude Desk export"),
        (lambda d: d.update(conversations={}), "conversations is not a list"),
        (lambda d: d["conversations"][0]["messages"][1].update(parent=9), "unknown message"),
        (lambda d: d["conversations"][0]["messages"][1].update(role="robot"), "cannot be read"),
        (lambda d: d["conversations"][0].update(current_leaf=77), "current message"),
        (lambda d: d["conversations"][0]["messages"][0].update(content="hi"), "not a list"),
        (lambda d: d["blobs"][PNG_SHA].update(data="!!!"), "not valid base64"),
        (lambda d: d["blobs"][PNG_SHA].update(data=base64.b64encode(b"x").decode()), "damaged"),
        (lambda d: d["conversations"][0].pop("title"), "has no title"),
    ],
)
def test_damaged_exports_are_refused_with_a_reason(damage, words):
    data = exported()
    damage(data)
    with pytest.raises(ExchangeError) as caught:
        parse_export(data)
    assert words in caught.value.message


def test_claude_ai_fixture():
    bundle = parse_claude_ai(json.loads(FIXTURE.read_text()), ConversationSettings(model="m"))
    assert bundle.source == "claude.ai"
    bread, welsh = bundle.conversations
    assert bread.title == "Sourdough starter" and welsh.title == "Untitled"
    assert bread.settings.model == "m"
    # branches: message 2 has two replies (fridge, counter)
    parents = {m.id: m.parent_id for m in bread.messages}
    assert parents == {1: None, 2: 1, 3: 2, 4: 3, 5: 2, 6: 5}
    first = bread.messages[0]
    assert first.role is Role.USER and first.content[0]["text"].startswith(ATTACHMENT_HEADING)
    assert "Day 2: discarded half" in first.content[0]["text"]
    assert first.content[1]["text"] == "My starter smells like nail polish. Is it dead?"
    answer = bread.messages[1]
    assert answer.role is Role.ASSISTANT
    assert answer.content == [
        text_block("Not dead, just hungry. Feed it twice a day at a 1:1:1 ratio.")
    ]
    assert "jar.jpg was not included" in bread.messages[2].text
    assert bread.created_at == pytest.approx(1730538843.512345)
    # without parent_message_uuid: one path in list order
    assert [(m.id, m.parent_id) for m in welsh.messages] == [(1, None), (2, 1)]
    assert bundle.skipped == {
        SKIPPED_ATTACHMENTS: 2, SKIPPED_FILES: 1, SKIPPED_BLOCKS: 1, SKIPPED_CONVERSATIONS: 1
    }  # fmt: skip
    result = ImportResult(imported=[Conversation(1, "a", 0, 0), Conversation(2, "b", 0, 0)])
    summary = import_summary(bundle, result)
    assert summary.startswith("Imported 2 conversations from claude.ai; ")
    assert "2 attachments without text were skipped" in summary


@pytest.mark.parametrize("data", [[{"name": "x"}], [{"chat_messages": 3}], {"a": 1}])
def test_not_claude_ai(data):
    with pytest.raises(ExchangeError):
        parse_claude_ai(data)


def test_summary_names_failures():
    bundle = parse_claude_ai(json.loads(FIXTURE.read_text()))
    result = ImportResult([Conversation(1, "a", 0, 0)], [("Bread", "disk full")])
    assert "1 could not be imported: “Bread” (disk full)" in import_summary(bundle, result)


def test_markdown_shows_the_current_path_with_images_details_and_costs():
    spec_for = lambda model: None  # noqa: E731
    text, files = markdown_export(snapshot(), "bread", spec_for, 0.0)
    assert text.startswith("# Bread: a [test]\n")
    assert "**System prompt:**\n\n> Be brief." in text
    assert "- notes.md — " in text
    assert f"![loaf.png](bread_files/{PNG_SHA[:16]}.png)" in text
    assert files == {f"bread_files/{PNG_SHA[:16]}.png": PNG}
    assert "A sourdough loaf." in text and "A loaf." not in text  # the shown branch only
    assert "<details>\n<summary>Thinking</summary>\n\nCrumb looks open.\n\n</details>" in text
    assert "<sub>5 in · 7 out</sub>" in text
    assert "> **Error:** Overloaded" in text
    assert text.index("What is this?") < text.index("Why open?") < text.index("Long ferm")


def test_markdown_links_are_relative_and_escaped_and_missing_images_said():
    snap = snapshot()
    snap.blobs = {}
    text, files = markdown_export(snap, "my chat", lambda m: None, 0.0)
    assert files == {} and "*[image missing from the history: loaf.png]*" in text
    text, files = markdown_export(snapshot(), "my chat", lambda m: None, 0.0)
    assert f"(my%20chat_files/{PNG_SHA[:16]}.png)" in text


def test_file_names():
    assert safe_stem('a/b\\c: "d"?') == "a b c d"
    assert safe_stem("...") == "conversation"
    assert len(safe_stem("x" * 300)) == 80
    assert unique_stems({1: "Notes", 2: "notes", 3: "Notes"}) == {
        1: "Notes", 2: "notes (2)", 3: "Notes (3)"
    }  # fmt: skip
