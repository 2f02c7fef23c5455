"""Above the conversation: its title, what it has cost, the model, and the settings toggle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from desktop.ui.common.enum_props import set_shortcut
from desktop.ui.common.model_picker import ModelPicker

if TYPE_CHECKING:
    from desktop.core.conversation import Conversation, ConversationSettings
    from desktop.ui.chat.controller import ChatController

NEW_TITLE = "New conversation"
MODEL_PICKER_MAX_WIDTH = 260  # px


class ChatHeader(QWidget):
    """Follows the controller: the open conversation's title, cost and model."""

    def __init__(self, controller: ChatController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chat_header")
        self.controller = controller
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 8, 12, 8)
        self.title_label = QLabel(NEW_TITLE, self)
        self.title_label.setObjectName("conversation_title")
        self.cost_label = QLabel(self)
        self.cost_label.setObjectName("cost_label")
        self.cost_label.setAccessibleName("Conversation cost")
        self.model_picker = ModelPicker(controller.catalog, self)
        self.model_picker.setMaximumWidth(MODEL_PICKER_MAX_WIDTH)  # the longest name, no more
        self.settings_button = QToolButton(self)
        self.settings_button.setObjectName("settings_toggle")
        self.settings_button.setText("Settings")
        self.settings_button.setToolTip("System prompt, max output, thinking (Ctrl+,)")
        self.settings_button.setCheckable(True)
        set_shortcut(self.settings_button, "Ctrl+,")
        row.addWidget(self.title_label, 1)
        row.addWidget(self.cost_label)
        row.addWidget(self.model_picker)
        row.addWidget(self.settings_button)
        controller.conversation_opened.connect(self._on_controller_conversation_opened)
        controller.settings_changed.connect(self._on_controller_settings_changed)
        controller.catalog_changed.connect(self._on_controller_catalog_changed)
        controller.cost_changed.connect(self._on_controller_cost_changed)
        self.model_picker.currentIndexChanged.connect(self._on_model_picker_changed)

    def show_title(self) -> None:
        """The open conversation's title again (after a rename)."""
        conversation = self.controller.conversation
        self.title_label.setText(conversation.title if conversation else NEW_TITLE)

    def _on_controller_conversation_opened(
        self, _conversation: Conversation | None, *_: object
    ) -> None:
        self.show_title()

    def _on_controller_settings_changed(self, settings: ConversationSettings) -> None:
        self.model_picker.select_model(settings.model)

    def _on_controller_catalog_changed(self) -> None:
        self.model_picker.set_catalog(self.controller.catalog)
        self.model_picker.select_model(self.controller.settings.model)

    def _on_controller_cost_changed(self, label: str, tooltip: str) -> None:
        self.cost_label.setText(label)
        self.cost_label.setToolTip(tooltip)

    def _on_model_picker_changed(self, _index: int) -> None:
        model = self.model_picker.current_model()
        if not model or model == self.controller.settings.model:
            return
        settings = self.controller.settings.copy()
        settings.model = model
        self.controller.update_settings(settings)
