"""Search results as the sidebar shows them: a conversation, the message that matched and a
snippet of it with the matched words marked.

The store marks matched words in a snippet with `MARK_START` … `MARK_END` (FTS5's
``snippet()``); `snippet_pieces` splits such a snippet into plain and marked runs for drawing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop.core.conversation import Conversation

MARK_START = "\x02"
MARK_END = "\x03"
ELLIPSIS = "…"
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}", re.DOTALL)
_SPACES = re.compile(r"\s+")
MAX_TERMS = 16
"""At most this many distinct matched words are highlighted in the opened message."""


@dataclass(slots=True)
class ConversationHit(Conversation):
    """A conversation found by a search. `message_id` is the latest message that matched
    (None: only the title did); `snippet` a line of it around the match, matched words marked;
    `terms` the words as they are written in that message (for highlighting)."""

    message_id: int | None = None
    snippet: str = ""
    terms: tuple[str, ...] = ()


def one_line(text: str) -> str:
    """`text` with every run of white space (newlines included) as one space."""
    return _SPACES.sub(" ", text).strip()


def snippet_pieces(snippet: str) -> list[tuple[str, bool]]:
    """`snippet` as (text, marked) runs, in order; empty runs left out."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for match in _MARKED.finditer(snippet):
        if match.start() > position:
            pieces.append((snippet[position : match.start()], False))
        if match.group(1):
            pieces.append((match.group(1), True))
        position = match.end()
    rest = snippet[position:].replace(MARK_START, "").replace(MARK_END, "")
    if rest:
        pieces.append((rest, False))
    return pieces


def plain_snippet(snippet: str) -> str:
    """`snippet` without its marks."""
    return "".join(text for text, _marked in snippet_pieces(snippet))


def marked_terms(highlighted: str) -> tuple[str, ...]:
    """The distinct marked words of `highlighted` (a whole text with marks), first seen first,
    compared without case; at most `MAX_TERMS`."""
    terms: dict[str, str] = {}
    for match in _MARKED.finditer(highlighted):
        word = match.group(1).strip()
        if word and word.casefold() not in terms:
            terms[word.casefold()] = word
            if len(terms) >= MAX_TERMS:
                break
    return tuple(terms.values())
