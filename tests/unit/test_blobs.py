"""Content-addressed attachment blobs beside the database."""

from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from desktop.core.errors import StorageError
from desktop.storage.blobs import BlobMissingError, BlobStore
from desktop.storage.paths import AppPaths


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore.in_data_dir(tmp_path / "data")


def test_put_returns_the_sha256_and_get_returns_the_content(store: BlobStore) -> None:
    digest = store.put(b"\x89PNG pixels")

    assert digest == hashlib.sha256(b"\x89PNG pixels").hexdigest()
    assert store.get(digest) == b"\x89PNG pixels"
    assert digest in store


def test_blobs_live_beside_the_database_in_two_level_folders(desk_home: Path) -> None:
    paths = AppPaths.resolve()
    store = BlobStore.in_data_dir(paths.data_dir)

    digest = store.put(b"image")

    assert store.path(digest) == paths.data_dir / "blobs" / digest[:2] / digest
    assert store.path(digest).read_bytes() == b"image"
    assert store.path(digest).parent.parent == paths.database_path.parent / "blobs"


def test_the_same_content_is_stored_once(store: BlobStore) -> None:
    first = store.put(b"same")
    inode = store.path(first).stat().st_ino

    second = store.put(b"same")

    assert first == second
    assert store.path(first).stat().st_ino == inode  # not written again (only touched)
    assert list(store.hashes()) == [first]


def test_no_temporary_files_are_left_behind(store: BlobStore) -> None:
    digest = store.put(b"x" * 100_000)

    assert os.listdir(store.path(digest).parent) == [digest]


def test_a_half_written_blob_is_replaced(store: BlobStore) -> None:
    digest = hashlib.sha256(b"whole content").hexdigest()
    store.path(digest).parent.mkdir(parents=True)
    store.path(digest).write_bytes(b"whole")  # as if written without the atomic rename

    store.put(b"whole content")

    assert store.get(digest) == b"whole content"


def test_empty_content_is_a_blob_too(store: BlobStore) -> None:
    assert store.get(store.put(b"")) == b""


def test_a_missing_blob_raises_a_storage_error(store: BlobStore) -> None:
    with pytest.raises(BlobMissingError) as caught:
        store.get("a" * 64)

    assert isinstance(caught.value, StorageError)
    assert "missing" in caught.value.message
    assert "a" * 64 not in store


@pytest.mark.parametrize("bad", ["", "../../etc/passwd", "A" * 64, "a" * 63, "g" * 64])
def test_only_sha256_names_are_accepted(store: BlobStore, bad: str) -> None:
    with pytest.raises(ValueError):
        store.path(bad)
    assert bad not in store


def test_concurrent_puts_of_the_same_content_agree(store: BlobStore) -> None:
    data = os.urandom(200_000)

    with ThreadPoolExecutor(max_workers=8) as pool:
        digests = set(pool.map(lambda _: store.put(data), range(32)))

    assert len(digests) == 1
    assert store.get(digests.pop()) == data
    assert len(list(store.hashes())) == 1


def test_delete_unreferenced_keeps_what_is_used(store: BlobStore) -> None:
    kept = store.put(b"still in a conversation")
    gone = store.put(b"only in the deleted conversation")
    also_gone = store.put(b"another orphan")

    deleted = store.delete_unreferenced({kept, "f" * 64})

    assert deleted == 2
    assert list(store.hashes()) == [kept]
    assert store.get(kept) == b"still in a conversation"
    assert not store.path(gone).exists() and not store.path(also_gone).exists()


def test_delete_unreferenced_removes_empty_folders_and_stale_temp_files(store: BlobStore) -> None:
    digest = store.put(b"orphan")
    folder = store.path(digest).parent
    stale = folder / ".tmp-crashed"
    stale.write_bytes(b"half")
    old = time.time() - 7200
    os.utime(stale, (old, old))

    store.delete_unreferenced(set())

    assert not folder.exists()
    assert list(store.hashes()) == []


def test_delete_unreferenced_can_spare_young_blobs(store: BlobStore) -> None:
    young = store.put(b"prepared, not sent yet")
    old = store.put(b"from a deleted conversation")
    past = time.time() - 600
    os.utime(store.path(old), (past, past))

    assert store.delete_unreferenced(set(), min_age=60) == 1

    assert list(store.hashes()) == [young]


def test_putting_a_stored_blob_again_makes_it_young(store: BlobStore) -> None:
    digest = store.put(b"from a deleted conversation, attached again")
    past = time.time() - 600
    os.utime(store.path(digest), (past, past))

    assert store.put(b"from a deleted conversation, attached again") == digest

    assert store.delete_unreferenced(set(), min_age=60) == 0
    assert list(store.hashes()) == [digest]


def test_delete_unreferenced_on_an_empty_store(store: BlobStore) -> None:
    assert store.delete_unreferenced(set()) == 0
    assert not store.root.exists()


def test_a_put_after_garbage_collection_recreates_the_folder(store: BlobStore) -> None:
    digest = store.put(b"one")
    store.delete_unreferenced(set())

    assert store.put(b"one") == digest
    assert store.get(digest) == b"one"


def test_unwritable_store_raises_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = BlobStore(blocker / "blobs")

    with pytest.raises(StorageError, match="Could not save an attachment"):
        store.put(b"data")
