"""File names as people read them.

On POSIX a file name is bytes; one that is not UTF-8 (an old Latin-1 archive, say) reaches
Python with surrogate escapes (`os.fsdecode`). The path keeps them, so the file opens; what is
shown, stored or sent uses `file_name`, where each undecodable byte reads as U+FFFD.
"""

from __future__ import annotations

import re
from pathlib import PurePath


def readable(text: str) -> str:
    """`text` with surrogate escapes (undecodable bytes of a file name) shown as U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape")
        return raw.decode("utf-8", "replace")
    return text


def file_name(path: str) -> str:
    """The last part of `path`, readable (see `readable`)."""
    return readable(PurePath(path).name)


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
STEM_LIMIT = 80


def safe_stem(title: str) -> str:
    """A file name (without suffix) from a title: no separators or reserved characters."""
    stem = " ".join(_UNSAFE.sub(" ", title).split()).strip(". ")
    return stem[:STEM_LIMIT].rstrip(". ") or "conversation"
