"""The conversation view follows the chat controller directly (no window in between)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.core.conversation import Conversation, Message
    from desktop.ui.chat.branching import Branching
    from desktop.ui.chat.composer_row import ComposerRow
    from desktop.ui.chat.controller import ChatController
    from desktop.ui.chat.local_tools import LocalToolAccess, PermissionRequest
    from desktop.ui.chat.view import ChatView


def connect_view(view: ChatView, controller: ChatController, row: ComposerRow) -> Branching:
    """`view` shows what `controller` reports and asks it for retries, continues and pages;
    images dropped on it join `row`'s message. Returns the `Branching` behind the view's
    edits, regenerations, variants and branches (its Ctrl+R action is for the window)."""
    c = controller

    def on_opened(_conversation: Conversation | None, messages: list[Message], more: bool) -> None:
        view.show_messages(messages, more)

    def on_catalog_changed() -> None:
        view.catalog = c.catalog

    def on_image_open_requested(sha256: str) -> None:
        data = c.files.load(sha256)
        if data:
            from desktop.ui.attachments.preview import ImagePreviewDialog  # on first use

            ImagePreviewDialog(data, "Image", view.window()).open()

    retry_after_stop: list[int] = []  # a streaming (stalled) answer to ask again once ended

    def on_retry_requested(message_id: int) -> None:
        if c.is_streaming:
            retry_after_stop[:] = [message_id]
            c.stop()
        else:
            c.retry(message_id)

    def on_busy_changed(busy: bool) -> None:
        if not busy and retry_after_stop:
            c.retry(retry_after_stop.pop())

    c.conversation_opened.connect(on_opened)
    c.conversation_opened.connect(lambda *_: retry_after_stop.clear())  # not in another one
    c.catalog_changed.connect(on_catalog_changed)
    c.earlier_loaded.connect(view.prepend_messages)
    c.message_added.connect(view.add_message)
    c.message_updated.connect(view.update_message)
    c.message_removed.connect(view.remove_message)
    c.stream_text.connect(view.append_text)
    c.stream_thinking.connect(view.append_thinking)
    c.wait_started.connect(view.show_wait)
    c.stream_stalled.connect(view.show_stall)
    c.stream_tool.connect(view.show_tool_block)
    c.busy_changed.connect(on_busy_changed)
    view.retry_requested.connect(on_retry_requested)
    view.continue_requested.connect(c.continue_answer)
    view.cancel_wait_requested.connect(c.stop)
    view.load_earlier_requested.connect(c.load_earlier)
    view.image_open_requested.connect(on_image_open_requested)
    view.thumbnails = c.files.thumbnail
    c.files.thumbnail_ready.connect(view.show_thumbnail)
    if c.attachments is not None:
        view.files_dropped.connect(row.attach_files)
        view.image_dropped.connect(row.attach_image)
    return connect_branching(view, controller, row)


def connect_branching(view: ChatView, controller: ChatController, row: ComposerRow) -> Branching:
    """Edit, Regenerate, ‹ › and Branch on the view's messages, done by a `Branching`."""
    from desktop.ui.chat.branching import Branching

    c, branching = controller, Branching(controller, view)  # with the view, in its window

    def on_removed(message_ids: list[int]) -> None:
        for message_id in message_ids:
            view.remove_message(message_id)

    branching.variants_changed.connect(view.set_variants)
    branching.messages_removed.connect(on_removed)
    branching.message_added.connect(view.add_message)
    branching.refused.connect(row.status_message)
    branching.branched.connect(lambda _conversation: c.conversations_changed.emit())
    view.edit_requested.connect(branching.edit)
    view.regenerate_requested.connect(branching.regenerate)
    view.variant_requested.connect(branching.show_variant)
    view.branch_requested.connect(branching.branch)
    return branching


def connect_local_tools(
    view: ChatView, controller: ChatController, access: LocalToolAccess
) -> None:
    """The chat's answers may call the user's MCP tools through `access`; their permission
    prompts show under the answer that asks."""
    from PySide6.QtWidgets import QApplication

    from desktop.ui.chat.permission_prompt import close_prompt, show_prompt

    def on_asked(request: PermissionRequest) -> None:
        widget = view.message_widget(request.message_id)
        if widget is not None:
            show_prompt(widget, request, access)
            view.ensureWidgetVisible(widget.footer)
            QApplication.alert(view.window())  # the taskbar says so if the window is behind

    def on_closed(request: PermissionRequest) -> None:
        widget = view.message_widget(request.message_id)
        if widget is not None:
            close_prompt(widget, request)

    controller.local_tools = access
    access.permission_asked.connect(on_asked)
    access.permission_closed.connect(on_closed)
