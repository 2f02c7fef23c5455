"""An answer's text with numbered citation markers: "… safe [1]." linking to the source.

Text blocks carry their citations (`web_search_result_location` with a url and title; document
citations `char_location` / `page_location` with a document index and title). Each distinct
source gets a number in order of first use; a cited block is followed by its markers as
markdown links whose title (the tooltip) is the cited text. No Qt; off the streaming path:
used when a finished answer is rendered whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Source", "answer_markdown", "cited_markdown", "has_citations"]

TOOLTIP_CHARS = 300


@dataclass(frozen=True, slots=True)
class Source:
    """One numbered source: where the marker links, and what it is called."""

    number: int
    href: str
    title: str


def has_citations(content: list[dict[str, Any]]) -> bool:
    return any(b.get("type") == "text" and b.get("citations") for b in content)


def _key_and_source(citation: dict[str, Any], number: int) -> tuple[str, Source]:
    url = citation.get("url")
    if isinstance(url, str) and url:
        return url, Source(number, url, str(citation.get("title") or url))
    index = citation.get("document_index", 0)
    title = str(citation.get("document_title") or f"Document {int(index) + 1}")
    page = citation.get("start_page_number")
    if page is not None:
        return f"doc:{index}:{page}", Source(
            number, f"#doc-{index}-page-{page}", f"{title}, p. {page}"
        )
    return f"doc:{index}", Source(number, f"#doc-{index}", title)


def _tooltip(source: Source, cited: str) -> str:
    text = " ".join(cited.split())
    if len(text) > TOOLTIP_CHARS:
        text = text[: TOOLTIP_CHARS - 1] + "…"
    tip = f"{source.title} — “{text}”" if text else source.title
    return tip.replace("\\", "\\\\").replace('"', "'")


def _link_target(href: str) -> str:
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C")


def cited_markdown(content: list[dict[str, Any]]) -> tuple[str, list[Source]]:
    """The text of the text blocks, each cited block followed by " [n]" links; the sources."""
    numbers: dict[str, Source] = {}
    parts: list[str] = []
    for block in content:
        if block.get("type") != "text":
            continue
        parts.append(str(block.get("text") or ""))
        markers: list[str] = []
        seen: set[int] = set()
        for citation in block.get("citations") or ():
            if not isinstance(citation, dict):
                continue
            key, fresh = _key_and_source(citation, len(numbers) + 1)
            source = numbers.setdefault(key, fresh)
            if source.number in seen:
                continue
            seen.add(source.number)
            tip = _tooltip(source, str(citation.get("cited_text") or ""))
            markers.append(f'[\\[{source.number}\\]]({_link_target(source.href)} "{tip}")')
        if markers:
            parts.append(" " + " ".join(markers))
    return "".join(parts), sorted(numbers.values(), key=lambda s: s.number)


def answer_markdown(content: list[dict[str, Any]], plain: str) -> str:
    """What a finished answer's body shows: `plain` (its text), with markers if it cites."""
    return cited_markdown(content)[0] if has_citations(content) else plain
