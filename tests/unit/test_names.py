"""File names as people read them (core.names)."""

from __future__ import annotations

import os

from desktop.core.names import file_name, readable


def test_a_name_that_is_not_utf8_reads_with_replacement_characters() -> None:
    path = (
        os.fsdecode(b"/tmp/r\xe9sum\xe9.txt") if os.name == "posix" else "/tmp/r\udce9sum\udce9.txt"
    )
    assert file_name(path) == "r\ufffdsum\ufffd.txt"
    assert file_name("/tmp/résumé.txt") == "résumé.txt"
    assert readable("plain") == "plain"
