"""Export and import against a real history file and blob store: the round trip, rollback of a
conversation that fails, owner-only files, the remembered folder, unreadable files."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.conversation import (
    ConversationSettings,
    Message,
    Role,
    text_block,
)
from desktop.core.errors import StorageError
from desktop.core.exchange import (
    ExchangeError,
    ImportBundle,
    ImportedConversation,
    export_dict,
    parse_export,
)
from desktop.storage.blobs import BlobStore
from desktop.storage.database import SqliteConversationStore
from desktop.storage.exchange import EXPORTS_FILE, SqliteExchange
from desktop.storage.paths import AppPaths
from tests.exchange_data import PNG, comparable, make_conversation


@pytest.fixture
def paths() -> AppPaths:
    return AppPaths.resolve().ensure()


@pytest.fixture
def store(paths: AppPaths) -> Iterator[SqliteConversationStore]:
    with SqliteConversationStore(paths.database_path) as opened:
        yield opened


@pytest.fixture
def blobs(paths: AppPaths) -> BlobStore:
    return BlobStore.in_data_dir(paths.data_dir)


@pytest.fixture
def exchange(paths: AppPaths, blobs: BlobStore) -> SqliteExchange:
    return SqliteExchange(paths.database_path, blobs, paths.config_dir)


def round_trip(exchange: SqliteExchange, conversation_id: int, tmp: Path) -> list[int]:
    path = tmp / "out.json"
    exported = export_dict([exchange.snapshot(conversation_id)], 1.0, "test")
    exchange.write_export(str(path), json.dumps(exported))
    bundle = parse_export(json.loads(exchange.read_text(str(path))))
    result = exchange.import_bundle(bundle)
    assert result.failed == []
    return [c.id for c in result.imported]


def test_round_trip_is_lossless(store, blobs, exchange, tmp_path):
    original = make_conversation(store, blobs)
    (new_id,) = round_trip(exchange, original, tmp_path)
    assert new_id != original
    before, after = exchange.snapshot(original), exchange.snapshot(new_id)
    assert comparable(after) == comparable(before)
    assert len(after.messages) == 5 and len(after.blobs) == 3
    # the store sees it as its own: variants, the shown path, usage of every branch
    shown = store.load_messages(new_id)
    assert [m.text for m in shown] == ["What is it?", "A chart."]
    assert store.siblings(shown[1].id).label == "1/2"
    assert store.usage_by_model(new_id) == store.usage_by_model(original)
    assert [d.name for d in store.list_documents(new_id)] == ["b.pdf", "a.md"]
    found = store.search_conversations("really")
    assert {c.id for c in found} == {original, new_id}  # indexed for search


def test_import_into_a_fresh_history_restores_blobs(paths, store, blobs, exchange, tmp_path):
    original = make_conversation(store, blobs)
    path = tmp_path / "all.json"
    exchange.write_export(str(path), json.dumps(export_dict([exchange.snapshot(original)], 1, "t")))
    other = AppPaths.under(tmp_path / "elsewhere").ensure()
    with SqliteConversationStore(other.database_path) as fresh:
        there = SqliteExchange(
            other.database_path, BlobStore.in_data_dir(other.data_dir), other.config_dir
        )
        result = there.import_bundle(parse_export(json.loads(there.read_text(str(path)))))
        (conv,) = result.imported
        assert [c.id for c in fresh.list_conversations()] == [conv.id]
        assert comparable(there.snapshot(conv.id)) == comparable(exchange.snapshot(original))


def test_a_failing_conversation_leaves_nothing_and_the_others_go_in(store, blobs, exchange):
    good = ImportedConversation("Good", ConversationSettings(), 1.0, 2.0,
                                [Message(0, Role.USER, [text_block("hi")], id=1)])  # fmt: skip
    broken = ImportedConversation(
        "Broken", ConversationSettings(), 1.0, 2.0,
        [Message(0, Role.USER, [text_block("a")], id=1),
         Message(0, Role.ASSISTANT, [text_block("b")], id=2, parent_id=7)],  # unknown parent
    )  # fmt: skip
    result = exchange.import_bundle(ImportBundle("test", [broken, good]))
    assert [c.title for c in result.imported] == ["Good"]
    assert [title for title, _ in result.failed] == ["Broken"]
    assert [c.title for c in store.list_conversations()] == ["Good"]
    assert store.search_conversations("a") == []  # the broken one's first message rolled back


def test_exports_are_owner_only_and_the_folder_is_remembered(exchange, paths, tmp_path):
    target = tmp_path / "exports" / "chat.md"
    target.parent.mkdir()
    exchange.write_export(
        str(target), "# hi\n", {"chat_files/a.png": PNG, "chat_files/b.png": b"x"}
    )
    assert target.read_text() == "# hi\n"
    assert (tmp_path / "exports" / "chat_files" / "a.png").read_bytes() == PNG
    if os.name == "posix":
        for file in (target, *(tmp_path / "exports" / "chat_files").iterdir()):
            assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "exports" / "chat_files").stat().st_mode) == 0o700
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]
    assert exchange.folder() == str(target.parent)
    again = SqliteExchange(paths.database_path, exchange.blobs, paths.config_dir)
    assert again.folder() == str(target.parent)  # after a restart
    assert json.loads((paths.config_dir / EXPORTS_FILE).read_text()) == {
        "folder": str(target.parent)
    }


def test_unwritable_target_says_so(exchange, tmp_path):
    with pytest.raises(StorageError, match="Could not write"):
        exchange.write_export(str(tmp_path / "missing" / "x.json"), "{}")


def test_unreadable_files_are_refused(exchange, tmp_path):
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"a": "caf\xe9"}')
    with pytest.raises(ExchangeError, match="not text in UTF-8"):
        exchange.read_text(str(latin))
    with pytest.raises(ExchangeError, match="Could not read"):
        exchange.read_text(str(tmp_path / "nope.json"))
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf[]")
    assert exchange.read_text(str(bom)) == "[]"
