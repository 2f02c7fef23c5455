"""What can be done with a message of the tree: ‹ 2/3 › variants, Edit or Regenerate, Branch.

A row of small buttons in the message's header. The variant arrows are built only for a
message that has variants, and the "another model" menu only when first opened, so a page of
history costs two buttons per message.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from desktop.core.conversation import Message, MessageStatus, Role
from desktop.core.tree import Variants

ModelChoices = Callable[[], list[tuple[str, str]]]  # (model id, label) to regenerate with

EDIT_TIP = "Edit this message and send it again; the answers after it stay on their own branch"
REGENERATE_TIP = "Ask for this answer again; the old one stays as a variant (‹ › to browse)"
OTHER_MODEL_TIP = "Regenerate with another model"
BRANCH_TIP = "Branch from here: a new conversation holding the messages up to this one"


class MessageActions(QWidget):
    """The tree actions of one message; says what was asked through its signals."""

    edit_clicked = Signal()
    regenerate_requested = Signal(int, str)  # answer id, model id ("" for the usual one)
    branch_requested = Signal(int)  # the message's id
    variant_requested = Signal(int)  # the sibling to show instead

    def __init__(self, message: Message, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message_actions")
        self.message_id = message.id or 0
        is_user = message.role is Role.USER
        self.models: ModelChoices | None = None  # set by the chat view
        self.variants: Variants | None = None
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.previous_button: QToolButton | None = None
        self.next_button: QToolButton | None = None
        self.variant_label: QLabel | None = None
        self.model_menu: QMenu | None = None
        self.other_model_button: QToolButton | None = None
        if is_user:
            self.edit_button = self._button("Edit", "edit_message_button", EDIT_TIP)
            self.edit_button.clicked.connect(self.edit_clicked)
        else:
            self.regenerate_button = self._button("Regenerate", "regenerate_button", REGENERATE_TIP)
            self.regenerate_button.clicked.connect(lambda: self._regenerate(""))
            other = self._button("▾", "regenerate_model_button", OTHER_MODEL_TIP)
            other.clicked.connect(self._on_other_model_clicked)
            self.other_model_button = other
        self.branch_button = self._button("Branch", "branch_button", BRANCH_TIP)
        self.branch_button.clicked.connect(lambda: self.branch_requested.emit(self.message_id))

    def show_for(self, message: Message) -> None:
        """Shown for a saved message that is not streaming."""
        self.setVisible(message.status is not MessageStatus.STREAMING and message.id is not None)

    def _regenerate(self, model: str) -> None:
        self.regenerate_requested.emit(self.message_id, model)

    def _button(self, text: str, name: str, tip: str, index: int = -1) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(";")[0].split(":")[0])
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # the conversation is one Tab stop
        self._layout.insertWidget(index, button)
        return button

    def set_variants(self, variants: Variants | None) -> None:
        """Show ‹ n/m › when the message has variants (siblings), else nothing."""
        self.variants = variants
        many = variants is not None and variants.count > 1
        if many and self.variant_label is None:
            self.previous_button = self._button(
                "‹", "previous_variant_button", "Previous variant", 0
            )
            self.variant_label = QLabel(self)
            self.variant_label.setObjectName("variant_label")
            self._layout.insertWidget(1, self.variant_label)
            self.next_button = self._button("›", "next_variant_button", "Next", 2)
            self.previous_button.clicked.connect(lambda: self._on_arrow_clicked(-1))
            self.next_button.clicked.connect(lambda: self._on_arrow_clicked(1))
        if self.variant_label is None or self.previous_button is None or self.next_button is None:
            return
        for widget in (self.previous_button, self.variant_label, self.next_button):
            widget.setVisible(many)
        if variants is not None and many:
            self.variant_label.setText(variants.label)
            self.variant_label.setAccessibleName(
                f"Variant {variants.index + 1} of {variants.count}"
            )
            self.previous_button.setEnabled(variants.previous is not None)
            self.next_button.setEnabled(variants.next is not None)

    def _on_arrow_clicked(self, step: int) -> None:
        variants = self.variants
        if variants is None:
            return
        target = variants.previous if step < 0 else variants.next
        if target is not None:
            self.variant_requested.emit(target)

    def _on_other_model_clicked(self) -> None:
        """A menu of the catalog's models under the ▾ button (built when first opened)."""
        if self.model_menu is None:
            self.model_menu = QMenu(self)
            self.model_menu.setObjectName("regenerate_model_menu")
        menu = self.model_menu
        menu.clear()
        for model_id, label in self.models() if self.models is not None else []:
            action = menu.addAction(label)
            action.setData(model_id)
            action.triggered.connect(lambda _checked=False, m=model_id: self._regenerate(m))
        button = self.other_model_button
        assert button is not None
        menu.popup(button.mapToGlobal(QPoint(0, button.height())))
