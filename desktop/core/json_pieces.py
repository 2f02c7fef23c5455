"""JSON parsed a piece at a time, so a worker thread parsing a big file lets the UI thread run.

`json.loads` parses a whole document in one C call that holds the GIL: on a 60 MB export the UI
thread would wait a second or more. Here the outer containers (down to `depth`) are walked in
Python, one element at a time, and only the elements are handed to the C decoder; long strings
without escapes (base64 attachments) are cut out with `str.find`. Between pieces the
interpreter can switch threads. The result equals `json.loads` (errors too: `JSONDecodeError`).
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

DEPTH = 4
"""Enough to reach single messages in both export formats (file, conversations, messages)."""
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def loads(text: str, depth: int = DEPTH) -> Any:
    """Parse `text` like `json.loads`, a piece at a time."""
    value, end = _value(text, _skip(text, 0), depth)
    end = _skip(text, end)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _skip(s: str, i: int) -> int:
    match = _WS.match(s, i)
    return match.end() if match else i


def _value(s: str, i: int, depth: int) -> tuple[Any, int]:
    first = s[i : i + 1]
    if first == '"':
        return _string(s, i)
    if depth > 0 and first == "[":
        return _array(s, i, depth)
    if depth > 0 and first == "{":
        return _object(s, i, depth)
    try:
        value, end = _DECODER.raw_decode(s, i)
    except json.JSONDecodeError:
        raise
    except (ValueError, IndexError) as exc:
        raise json.JSONDecodeError("Expecting value", s, i) from exc
    return value, end


def _string(s: str, i: int) -> tuple[str, int]:
    end = s.find('"', i + 1)
    if end > 0 and s.find("\\", i + 1, end) < 0:
        return s[i + 1 : end], end + 1
    text, after = scanstring(s, i + 1)
    return str(text), int(after)


def _array(s: str, i: int, depth: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    i = _skip(s, i + 1)
    if s.startswith("]", i):
        return items, i + 1
    while True:
        value, i = _value(s, i, depth - 1)
        items.append(value)
        i = _skip(s, i)
        if s.startswith(",", i):
            i = _skip(s, i + 1)
        elif s.startswith("]", i):
            return items, i + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", s, i)


def _object(s: str, i: int, depth: int) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}
    i = _skip(s, i + 1)
    if s.startswith("}", i):
        return out, i + 1
    while True:
        if not s.startswith('"', i):
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", s, i)
        key, i = _string(s, i)
        i = _skip(s, i)
        if not s.startswith(":", i):
            raise json.JSONDecodeError("Expecting ':' delimiter", s, i)
        out[key], i = _value(s, _skip(s, i + 1), depth - 1)
        i = _skip(s, i)
        if s.startswith(",", i):
            i = _skip(s, i + 1)
        elif s.startswith("}", i):
            return out, i + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", s, i)


def dumps(value: Any, depth: int = DEPTH) -> str:
    """`value` as JSON (UTF-8 kept, one outer element a line), encoded a piece at a time."""
    parts: list[str] = []
    _dump(value, depth, parts)
    return "".join(parts)


def _dump(value: Any, depth: int, parts: list[str]) -> None:
    if depth > 0 and isinstance(value, dict) and value:
        parts.append("{")
        for n, (key, item) in enumerate(value.items()):
            parts.append(("," if n else "") + "\n" + json.dumps(str(key)) + ": ")
            _dump(item, depth - 1, parts)
        parts.append("\n}")
    elif depth > 0 and isinstance(value, list) and value:
        parts.append("[")
        for n, item in enumerate(value):
            parts.append(("," if n else "") + "\n")
            _dump(item, depth - 1, parts)
        parts.append("\n]")
    else:
        parts.append(json.dumps(value, ensure_ascii=False))
