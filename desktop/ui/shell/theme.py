"""The app's look: light, dark, or following the system, from the palettes in `core.palettes`.

A theme is applied as a QPalette (what Fusion draws with: dialogs, menus, tables, scroll bars)
plus a stylesheet generated from the same palette, and published to the rooms
(`ui.common.theme_state`), which re-render what keeps colours of its own. In "system" mode the
theme follows Qt's color scheme (`QStyleHints.colorScheme`) and changes with it, live.

Reading Qt's color scheme turns PySide's whole `Qt` namespace into Python enums (12-50 ms), so
the first paint uses the scheme seen on the last run (`system_dark`), and the app reads the
real one right after it (`read_system_scheme`), which is then remembered for the next start.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QFont, QPalette

from desktop.core.palettes import DARK, LIGHT, Palette
from desktop.ui.common.theme_state import publish
from desktop.ui.shell.stylesheet import stylesheet

if TYPE_CHECKING:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMenu


class ThemeMode(StrEnum):
    LIGHT = "light"
    DARK = "dark"
    SYSTEM = "system"


THEME_MODES = tuple(mode.value for mode in ThemeMode)
MENU_LABELS = {ThemeMode.LIGHT: "&Light", ThemeMode.DARK: "&Dark", ThemeMode.SYSTEM: "&System"}

STYLE_ARGS = ("-style", "fusion")
"""Arguments for a new QApplication: Fusion without bringing QStyle into Python at startup
(wrapping its enums costs ~8 ms); `apply_theme(app, style_set=True)` then skips setStyle."""


def parse_mode(text: str | None) -> ThemeMode | None:
    """The mode a setting or option names ("dark"), or None for anything else."""
    try:
        return ThemeMode((text or "").strip().lower())
    except ValueError:
        return None


def qt_palette(p: Palette) -> QPalette:
    """The QPalette Fusion draws `p` with."""
    role_of, group_of = QPalette.ColorRole, QPalette.ColorGroup
    qp = QPalette()
    roles = {
        role_of.Window: p.window,
        role_of.WindowText: p.text,
        role_of.Base: p.surface,
        role_of.AlternateBase: p.table_zebra,
        role_of.Text: p.text,
        role_of.Button: p.button,
        role_of.ButtonText: p.button_text,
        role_of.BrightText: p.on_accent,
        role_of.Highlight: p.highlight,
        role_of.HighlightedText: p.on_highlight,
        role_of.Link: p.link,
        role_of.LinkVisited: p.link,
        role_of.PlaceholderText: p.placeholder,
        role_of.ToolTipBase: p.surface,
        role_of.ToolTipText: p.text,
        role_of.Light: p.surface,
        role_of.Midlight: p.border,
        role_of.Mid: p.border_strong,
        role_of.Dark: p.border_strong,
        role_of.Shadow: p.stop if p.dark else p.border_strong,
        role_of.Accent: p.accent,
    }
    for role, value in roles.items():
        qp.setColor(role, QColor(value))
    for role in (role_of.Text, role_of.WindowText, role_of.ButtonText):
        qp.setColor(group_of.Disabled, role, QColor(p.placeholder))
    return qp


class ThemeController(QObject):
    """Which theme the app shows, and keeping it so: the View › Theme menu drives it."""

    mode_changed = Signal(str)  # the ThemeMode chosen
    palette_applied = Signal(object)  # the Palette now shown
    system_scheme_read = Signal(bool)  # the system's scheme is dark (see read_system_scheme)

    def __init__(
        self, app: QApplication, mode: ThemeMode = ThemeMode.SYSTEM, system_dark: bool = False
    ) -> None:
        super().__init__(app)
        self._app = app
        self._mode = mode
        self._system_dark = system_dark  # a guess until read_system_scheme
        self._scheme_read = False  # whether Qt's scheme may be touched (see the module's doc)
        app.styleHints().colorSchemeChanged.connect(self._on_hints_color_scheme_changed)
        self._palette: Palette | None = None
        self._scale = 1.0  # the zoom of the stylesheet's font sizes
        self._shown: tuple[Palette, float] | None = None

    def read_system_scheme(self) -> None:
        """Read the system's scheme now, and tell Qt a chosen one (after the first paint: see
        the module's doc)."""
        self._scheme_read = True
        self._request_scheme()
        if self._mode is ThemeMode.SYSTEM:  # else the scheme Qt reports is our own request
            self._system_dark = _is_dark(self._app.styleHints().colorScheme())
            self.apply()
        self.system_scheme_read.emit(self._system_dark)

    def guess_system_dark(self, dark: bool) -> None:
        """Until `read_system_scheme`, take the system's scheme to be dark (or light)."""
        self._system_dark = dark
        self.apply()

    @property
    def mode(self) -> ThemeMode:
        return self._mode

    @property
    def palette(self) -> Palette:
        """The palette the mode resolves to now."""
        if self._mode is ThemeMode.SYSTEM:
            return DARK if self._system_dark else LIGHT
        return DARK if self._mode is ThemeMode.DARK else LIGHT

    def set_mode(self, mode: ThemeMode) -> None:
        """Show `mode`'s theme (and remember nothing: the caller saves the choice)."""
        if mode is self._mode:
            return
        self._mode = mode
        if self._scheme_read:
            self._request_scheme()
            if mode is ThemeMode.SYSTEM:  # what the system shows now, our request withdrawn
                self._system_dark = _is_dark(self._app.styleHints().colorScheme())
        self.apply()
        self.mode_changed.emit(mode.value)

    def set_scale(self, scale: float) -> None:
        """Zoom: the stylesheet's font sizes times `scale`."""
        self._scale = scale
        self.apply()

    def apply(self) -> None:
        """Apply the mode's palette to the app (nothing when it is already shown)."""
        palette = self.palette
        if (palette, self._scale) == self._shown:
            return
        self._shown = (palette, self._scale)
        recoloured = palette != self._palette  # else a zoom: the colours stay
        if recoloured:
            self._palette = palette
            self._app.setPalette(qt_palette(palette))
        self._app.setStyleSheet(stylesheet(palette, self._scale))
        if recoloured:
            publish(palette)
            self.palette_applied.emit(palette)

    def _request_scheme(self) -> None:
        """Tell Qt the scheme chosen, so native parts (title bars, dialogs) follow it too."""
        hints = self._app.styleHints()
        if self._mode is ThemeMode.SYSTEM:
            hints.unsetColorScheme()
        else:
            schemes = type(hints.colorScheme())  # Qt.ColorScheme, without `Qt` (see enum_props)
            hints.setColorScheme(schemes.Dark if self._mode is ThemeMode.DARK else schemes.Light)

    def _on_hints_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self._mode is ThemeMode.SYSTEM:  # (else it may be our own request echoing)
            self._system_dark = _is_dark(scheme)
            self.apply()


def _is_dark(scheme: Qt.ColorScheme) -> bool:
    """Whether Qt's color scheme is dark (by name: importing `Qt` costs ~30 ms at startup)."""
    return scheme.name == "Dark"


_controller: ThemeController | None = None


def apply_theme(
    app: QApplication, style_set: bool = False, mode: ThemeMode = ThemeMode.SYSTEM
) -> ThemeController:
    """Style the app (Fusion, a readable font) and show `mode`'s theme; returns the app's
    ThemeController (also `theme_controller()`)."""
    global _controller
    if not style_set:
        app.setStyle("Fusion")
    font = QFont(app.font())
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    if _controller is None or _controller.parent() is not app:
        _controller = ThemeController(app, mode)
    else:
        _controller.set_mode(mode)
    _controller.apply()
    return _controller


def theme_controller() -> ThemeController | None:
    """The controller `apply_theme` made, if any."""
    return _controller


class ThemeActions(QActionGroup):
    """Light, Dark, System: one checked, following the controller (a slot, not a lambda, so
    the connection ends with the menu)."""

    def __init__(self, controller: ThemeController, parent: QObject) -> None:
        super().__init__(parent)
        self.setExclusive(True)
        for mode in ThemeMode:
            action = QAction(MENU_LABELS[mode], parent)
            action.setObjectName(f"theme_{mode.value}_action")
            action.setCheckable(True)
            action.setChecked(mode is controller.mode)
            action.setData(mode.value)
            self.addAction(action)
        self._controller = controller
        self.triggered.connect(self._on_triggered)
        controller.mode_changed.connect(self._on_controller_mode_changed)

    def _on_triggered(self, action: QAction) -> None:
        self._controller.set_mode(ThemeMode(action.data()))

    def _on_controller_mode_changed(self, value: str) -> None:
        for action in self.actions():
            action.setChecked(action.data() == value)


def add_theme_menu(menu: QMenu, controller: ThemeController) -> ThemeActions:
    """View › Theme: Light, Dark, System, one checked; choosing one applies it."""
    submenu = menu.addMenu("&Theme")
    submenu.setObjectName("theme_menu")
    actions = ThemeActions(controller, submenu)
    submenu.addActions(actions.actions())
    return actions
