"""Messages as a tree: edits and regenerations add siblings, a conversation shows one path.

Every message names its parent (None for a root). Children of one parent are its *variants*,
in creation order (by id: a message is always saved after its parent, so ids grow along a
path). A conversation remembers its current message (normally a leaf); what it shows, and
what is sent to the API, is the path from the root to that message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from desktop.core.conversation import Block, ConversationSettings, Message, Role, text_block
from desktop.core.requests import build_params

if TYPE_CHECKING:
    from desktop.core.catalog import ModelSpec


class Node(Protocol):
    """What the tree needs of a message."""

    @property
    def id(self) -> int | None: ...

    @property
    def parent_id(self) -> int | None: ...


N = TypeVar("N", bound=Node)


class TreeError(ValueError):
    """The messages do not form a tree (a cycle), or an id is not among them."""


@dataclass(frozen=True, slots=True)
class Variants:
    """A message among its siblings: `ids` in creation order, `index` (0-based) of the message."""

    ids: tuple[int, ...]
    index: int

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def label(self) -> str:
        """What ‹ 2/3 › shows: the 1-based position and the count."""
        return f"{self.index + 1}/{self.count}"

    @property
    def previous(self) -> int | None:
        return self.ids[self.index - 1] if self.index > 0 else None

    @property
    def next(self) -> int | None:
        return self.ids[self.index + 1] if self.index + 1 < self.count else None


class MessageTree(Generic[N]):
    """An index over saved messages (any order; unsaved ones, without id, are ignored)."""

    def __init__(self, messages: Iterable[N]) -> None:
        self._by_id: dict[int, N] = {}
        self._children: dict[int | None, list[int]] = {}
        for message in sorted((m for m in messages if m.id is not None), key=_id):
            self._by_id[_id(message)] = message
        for message_id, message in self._by_id.items():
            parent = message.parent_id if message.parent_id in self._by_id else None
            self._children.setdefault(parent, []).append(message_id)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._by_id

    def get(self, message_id: int) -> N:
        try:
            return self._by_id[message_id]
        except KeyError:
            raise TreeError(f"message {message_id} is not in the tree") from None

    def roots(self) -> list[int]:
        """Messages without a (known) parent, oldest first."""
        return list(self._children.get(None, []))

    def children(self, message_id: int | None) -> list[int]:
        """The replies to a message (the roots for None), oldest first."""
        return list(self._children.get(message_id, []))

    def parent(self, message_id: int) -> int | None:
        parent = self.get(message_id).parent_id
        return parent if parent in self._by_id else None

    def variants(self, message_id: int) -> Variants:
        """The message's siblings (itself included) and its place among them."""
        siblings = self._children.get(self.parent(message_id), [])
        return Variants(tuple(siblings), siblings.index(message_id))

    def path_to(self, message_id: int) -> list[N]:
        """The messages from the root down to `message_id`, root first."""
        path: list[N] = []
        seen: set[int] = set()
        current: int | None = message_id
        while current is not None:
            if current in seen:
                raise TreeError(f"message {current} is its own ancestor")
            seen.add(current)
            message = self.get(current)
            path.append(message)
            current = self.parent(current)
        path.reverse()
        return path

    def leaf_from(self, message_id: int, selected: Mapping[int, int] | None = None) -> int:
        """The leaf reached from `message_id` by following, at each message, the child
        remembered in `selected` (parent id → child id) or else the latest child."""
        current = message_id
        seen = {current}
        while children := self._children.get(current):
            chosen = (selected or {}).get(current)
            current = chosen if chosen is not None and chosen in children else children[-1]
            if current in seen:  # pragma: no cover - children always follow their parent
                raise TreeError(f"message {current} is its own ancestor")
            seen.add(current)
        return current

    def latest_leaf(self) -> int | None:
        """The leaf under the latest root (None for an empty tree)."""
        roots = self._children.get(None)
        return self.leaf_from(roots[-1]) if roots else None

    def shown_path(
        self, current_id: int | None, selected: Mapping[int, int] | None = None
    ) -> list[N]:
        """What a conversation shows: the path to its current message, continued down to a
        leaf (by `selected`, else the latest child). A current id that is None or unknown
        (deleted) falls back to the latest leaf."""
        if current_id is None or current_id not in self._by_id:
            current_id = self.latest_leaf()
            if current_id is None:
                return []
        return self.path_to(self.leaf_from(current_id, selected))


def _id(message: Node) -> int:
    assert message.id is not None
    return message.id


def path_to(messages: Sequence[N], message_id: int) -> list[N]:
    """The path from the root to `message_id` among `messages`, root first."""
    return MessageTree(messages).path_to(message_id)


def reply_path(messages: Sequence[N], parent_id: int | None = None) -> list[N]:
    """The path a reply to `parent_id` continues: root first, ending with that message (the
    last of `messages` when None, e.g. a retry after the failed answer was deleted)."""
    if parent_id is None:
        last = next((m.id for m in reversed(messages) if m.id is not None), None)
        return [] if last is None else path_to(messages, last)
    return path_to(messages, parent_id)


def request_params(
    settings: ConversationSettings,
    spec: ModelSpec,
    messages: Sequence[Message],
    leaf_id: int,
    documents: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Messages-API parameters for answering `leaf_id`: built from its path only (other
    branches are never sent). `messages` may hold the whole tree or just the path."""
    return build_params(settings, spec, path_to(messages, leaf_id), documents)


BRANCH_SUFFIX = " (branch)"


def edited_content(content: Sequence[Block], text: str) -> list[Block]:
    """A user message's blocks after an edit: its images and other blocks kept in place,
    its text blocks replaced by `text` (one block, where the first text was, else last)."""
    kept = [dict(block) for block in content if block.get("type") != "text"]
    first = next((i for i, b in enumerate(content) if b.get("type") == "text"), len(content))
    at = sum(1 for block in content[:first] if block.get("type") != "text")
    return [*kept[:at], text_block(text), *kept[at:]] if text.strip() else kept


def last_answer(path: Sequence[Message]) -> Message | None:
    """The latest answer on a shown path (what "Regenerate last answer" regenerates)."""
    return next((m for m in reversed(path) if m.role is Role.ASSISTANT and m.id), None)


def cut_at(path: Sequence[N], message_id: int) -> tuple[list[N], list[N]]:
    """A shown path split before `message_id`: what stays above it, and it with what
    follows (which a new branch replaces). Raises TreeError when it is not on the path."""
    for index, message in enumerate(path):
        if message.id == message_id:
            return list(path[:index]), list(path[index:])
    raise TreeError(f"message {message_id} is not on the path")


def branch_title(title: str) -> str:
    """The title of a conversation branched off `title` (not suffixed twice)."""
    base = title.removesuffix(BRANCH_SUFFIX).strip() or "Untitled"
    return base + BRANCH_SUFFIX
