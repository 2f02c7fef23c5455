"""desktop.core.tree: paths, variants, leaves and the request built from a path."""

from __future__ import annotations

from importlib import resources

import pytest

from desktop.core.catalog import Catalog
from desktop.core.conversation import ConversationSettings, Message, Role, text_block
from desktop.core.tree import (
    MessageTree,
    TreeError,
    Variants,
    branch_title,
    cut_at,
    edited_content,
    last_answer,
    path_to,
    reply_path,
    request_params,
)


def msg(message_id: int, parent_id: int | None, text: str = "", role: Role = Role.USER) -> Message:
    body = text or f"m{message_id}"
    return Message(1, role, [text_block(body)], id=message_id, parent_id=parent_id)


def ids(messages: list[Message]) -> list[int | None]:
    return [m.id for m in messages]


@pytest.fixture
def branched() -> list[Message]:
    r"""A first answer (2) regenerated as 5 and the talk going on under 5; under the first
    answer, a question (3) edited into 4.

        1 ─ 2 ─ 3
          │   └ 4
          └ 5 ─ 6 ─ 7 ─ 8
    """
    a = Role.ASSISTANT
    return [
        msg(1, None, "hello"),
        msg(2, 1, "answer one", a),
        msg(3, 2, "question"),
        msg(4, 2, "question, edited"),
        msg(5, 1, "answer two", a),
        msg(6, 5, "follow-up"),
        msg(7, 6, "answer to the follow-up", a),
        msg(8, 7, "last question"),
    ]


def test_path_to_a_message_runs_from_the_root_whatever_the_input_order(
    branched: list[Message],
) -> None:
    shuffled = branched[::-1]

    assert ids(path_to(shuffled, 8)) == [1, 5, 6, 7, 8]
    assert ids(path_to(shuffled, 4)) == [1, 2, 4]
    assert ids(path_to(shuffled, 1)) == [1]


def test_children_and_roots_are_in_creation_order(branched: list[Message]) -> None:
    tree = MessageTree(branched[::-1])

    assert tree.children(1) == [2, 5]
    assert tree.children(2) == [3, 4]
    assert tree.children(8) == []
    assert tree.roots() == [1]
    assert tree.parent(5) == 1 and tree.parent(1) is None


def test_variants_give_the_index_and_count_shown_as_2_of_3() -> None:
    messages = [msg(1, None), msg(2, 1), msg(3, 1), msg(4, 1)]
    tree = MessageTree(messages)

    middle = tree.variants(3)
    assert middle == Variants((2, 3, 4), 1)
    assert (middle.label, middle.count, middle.previous, middle.next) == ("2/3", 3, 2, 4)
    assert tree.variants(2).previous is None and tree.variants(4).next is None
    assert tree.variants(1).label == "1/1"


def test_roots_are_variants_of_each_other() -> None:
    """An edit of a conversation's first message makes a second root."""
    tree = MessageTree([msg(1, None), msg(2, 1), msg(3, None)])

    assert tree.variants(3) == Variants((1, 3), 1)


def test_leaf_follows_the_latest_child_or_the_selected_one(branched: list[Message]) -> None:
    tree = MessageTree(branched)

    assert tree.leaf_from(1) == 8  # 1 → 5 (latest) → 6 → 7 → 8
    assert tree.leaf_from(2) == 4
    assert tree.leaf_from(1, selected={1: 2}) == 4
    assert tree.leaf_from(1, selected={1: 2, 2: 3}) == 3
    assert tree.leaf_from(1, selected={1: 999}) == 8  # a selection that is not a child: latest
    assert tree.leaf_from(8) == 8


def test_shown_path_is_the_path_to_the_current_message_continued_to_a_leaf(
    branched: list[Message],
) -> None:
    tree = MessageTree(branched)

    assert ids(tree.shown_path(3)) == [1, 2, 3]
    assert ids(tree.shown_path(2)) == [1, 2, 4]  # an inner message: down its latest reply
    assert ids(tree.shown_path(2, selected={2: 3})) == [1, 2, 3]
    assert ids(tree.shown_path(None)) == [1, 5, 6, 7, 8]  # nothing remembered: the latest
    assert ids(tree.shown_path(404)) == [1, 5, 6, 7, 8]  # a deleted current message
    assert MessageTree([]).shown_path(None) == []


def test_a_message_whose_parent_is_missing_starts_its_own_path() -> None:
    """A page of a longer path: the first message's parent was not loaded."""
    page = [msg(10, 9), msg(11, 10), msg(12, 11)]
    tree = MessageTree(page)

    assert ids(tree.path_to(12)) == [10, 11, 12]
    assert tree.roots() == [10]


def test_unsaved_messages_are_ignored_and_unknown_ids_are_errors() -> None:
    draft = Message(1, Role.USER, [text_block("draft")])
    tree = MessageTree([msg(1, None), draft])

    assert tree.roots() == [1]
    with pytest.raises(TreeError):
        tree.path_to(2)
    with pytest.raises(TreeError):
        tree.variants(2)


def test_a_cycle_is_an_error_not_a_hang() -> None:
    with pytest.raises(TreeError, match="own ancestor"):
        path_to([msg(1, 2), msg(2, 1)], 1)


def test_the_request_holds_the_shown_path_only(branched: list[Message]) -> None:
    catalog = Catalog.from_toml(
        resources.files("desktop.resources").joinpath("models.toml").read_text()
    )
    settings = ConversationSettings(model=catalog.default_model)
    spec = catalog.get(settings.model)

    params = request_params(settings, spec, branched, 8)
    on_first_branch = request_params(settings, spec, branched, 4)

    def texts(params: dict) -> list[tuple[str, str]]:
        return [(m["role"], m["content"][-1]["text"]) for m in params["messages"]]

    assert texts(params) == [
        ("user", "hello"),
        ("assistant", "answer two"),
        ("user", "follow-up"),
        ("assistant", "answer to the follow-up"),
        ("user", "last question"),
    ]
    assert texts(on_first_branch) == [
        ("user", "hello"),
        ("assistant", "answer one"),
        ("user", "question, edited"),
    ]


def test_a_reply_continues_the_path_to_its_parent_or_to_the_last_message(
    branched: list[Message],
) -> None:
    assert ids(reply_path(branched, 3)) == [1, 2, 3]  # a reply on another branch
    assert ids(reply_path(branched)) == [1, 5, 6, 7, 8]  # the last message shown
    assert reply_path([]) == []


def test_an_edit_keeps_the_images_and_replaces_the_text() -> None:
    image = {"type": "image", "source": {"type": "blob", "sha256": "ab" * 32}}
    content = [image, text_block("old "), text_block("words")]

    assert edited_content(content, "new words") == [image, text_block("new words")]
    assert edited_content([text_block("a"), image], "b") == [text_block("b"), image]
    assert edited_content([image], "caption") == [image, text_block("caption")]
    assert edited_content([text_block("only text")], "  ") == []  # nothing left to send
    assert edited_content(content, "x")[0] is not image  # a copy: the old message unchanged


def test_the_last_answer_and_a_cut_of_the_shown_path(branched: list[Message]) -> None:
    shown = MessageTree(branched).path_to(8)
    answer = last_answer(shown)
    assert answer is not None and answer.id == 7
    assert last_answer(shown[:1]) is None
    above, below = cut_at(shown, 6)
    assert (ids(above), ids(below)) == ([1, 5], [6, 7, 8])
    with pytest.raises(TreeError):
        cut_at(shown, 3)  # on another branch


def test_a_branch_is_titled_once() -> None:
    assert branch_title("Colours") == "Colours (branch)"
    assert branch_title("Colours (branch)") == "Colours (branch)"
    assert branch_title("  ") == "Untitled (branch)"
