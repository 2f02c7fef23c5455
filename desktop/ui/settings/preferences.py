"""Settings › Preferences…: what new conversations start with, and which key sends.

The conversation defaults reuse the conversation settings panel (system prompt, max output,
thinking, effort, summaries, cache time) under a model picker; the send key is a pair of
radio buttons. OK emits `preferences_edited`; the app applies them at once and writes them
to the settings file off the UI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.catalog import Catalog
from desktop.core.preferences import Preferences, SendKey
from desktop.ui.common.model_picker import ModelPicker
from desktop.ui.settings.panel import SettingsPanel


class PreferencesDialog(QDialog):
    """Edits a copy of the preferences; OK emits `preferences_edited` with them."""

    preferences_edited = Signal(object)  # Preferences

    def __init__(
        self, catalog: Catalog, preferences: Preferences, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("preferences_dialog")
        self.setWindowTitle("Preferences")
        self._preferences = preferences.copy()
        self.model_picker = ModelPicker(catalog, self)
        self.model_picker.setObjectName("default_model_picker")
        self.model_picker.setAccessibleName("Model for new conversations")
        self.model_picker.select_model(preferences.defaults.model)
        self.model_picker.currentIndexChanged.connect(self._on_model_picker_changed)
        self.panel = SettingsPanel(catalog, self)
        self.panel.setObjectName("default_settings_panel")
        self.panel.system_prompt.setObjectName("default_system_prompt")
        self.panel.system_prompt.setPlaceholderText("Optional instructions for new conversations")
        self.panel.thinking.setObjectName("default_thinking_checkbox")
        self.panel.effort.setObjectName("default_effort_picker")
        for heading in self.panel.findChildren(QLabel, "panel_heading"):
            heading.setText("New conversations start with")
        self.panel.show_settings(preferences.defaults)
        self.panel.local_tools.setVisible(False)  # app-wide, edited in the side panel
        self.send_enter = QRadioButton("Enter sends; Shift+Enter adds a line", self)
        self.send_enter.setObjectName("send_enter_radio")
        self.send_ctrl_enter = QRadioButton("Ctrl+Enter sends; Enter adds a line", self)
        self.send_ctrl_enter.setObjectName("send_ctrl_enter_radio")
        chosen = preferences.send_key is SendKey.CTRL_ENTER
        (self.send_ctrl_enter if chosen else self.send_enter).setChecked(True)
        self._layout()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Model for new conversations", self.model_picker)
        keys = QVBoxLayout()
        keys.addWidget(self.send_enter)
        keys.addWidget(self.send_ctrl_enter)
        form.addRow("Sending", keys)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.setObjectName("preferences_buttons")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.panel, 1)
        column.addWidget(buttons)

    def _on_model_picker_changed(self) -> None:
        """Another model: the thinking and effort choices follow what it offers."""
        settings = self.panel.edited_settings()
        settings.model = self.model_picker.current_model() or settings.model
        self.panel.show_settings(settings)

    def edited(self) -> Preferences:
        """The preferences as the dialog shows them."""
        edited = self._preferences.copy()
        defaults = self.panel.edited_settings()
        defaults.model = self.model_picker.current_model() or defaults.model
        edited.defaults = defaults
        ctrl = self.send_ctrl_enter.isChecked()
        edited.send_key = SendKey.CTRL_ENTER if ctrl else SendKey.ENTER
        return edited

    def accept(self) -> None:
        self.preferences_edited.emit(self.edited())
        super().accept()
