"""The app's colours: one palette per theme, the only place colour values are written down.

Everything the app paints takes its colours from here: the Qt palette and the stylesheet
(`ui/shell/theme.py`), the markdown and code highlighting (`render/code_theme.py`), the Spend
chart, the tables' warning and error colours. `tests/unit/test_palettes.py` checks that every
text colour meets WCAG AA (4.5:1) on each background it is drawn on, and
`tests/unit/test_no_colour_literals.py` that no other module writes a colour. Pure data (no
Qt): the renderer reads it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Pygments token names and their style, e.g. ("Keyword", "bold #cf222e").
Syntax = tuple[tuple[str, str], ...]


@dataclass(frozen=True, eq=False)  # identity: one instance per theme (cheap to create and hash)
class Palette:
    """The colours of one theme, by role."""

    name: str
    dark: bool
    # surfaces
    window: str  # the chat's background, the window
    surface: str  # an answer's card, inputs, tables' cells
    sidebar: str
    sidebar_hover: str
    sidebar_selected: str
    panel: str  # side panels (settings, context)
    user_bubble: str
    border: str  # hairlines between parts
    border_strong: str  # inputs' borders
    button: str
    button_hover: str
    # text
    text: str
    text_muted: str  # statuses, footers, secondary labels
    placeholder: str
    button_text: str
    link: str
    highlight: str  # selected text's background
    on_highlight: str
    find_match: str  # a search hit's words in an opened conversation
    on_find_match: str
    # accent
    accent: str  # buttons that act (Send, New conversation), focus, drop border
    accent_hover: str
    on_accent: str
    stop: str
    on_stop: str
    drop: str  # background under a drag that can drop
    # notices and states
    info_bg: str
    warning_bg: str
    error_bg: str
    wait_text: str
    warning_text: str
    error_text: str
    # markdown
    code_bg: str
    code_header: str
    code_text: str
    code_label: str
    inline_code_bg: str
    copy_button: str
    copy_border: str
    table_border: str
    table_header: str
    table_zebra: str
    quote_bar: str
    quote_text: str
    # the Spend chart
    chart_grid: str
    chart_series: tuple[str, ...]
    syntax: Syntax = field(default=())

    def text_pairs(self) -> list[tuple[str, str, str]]:
        """(what, text colour, background) for every text the app draws on a background."""
        backgrounds = {
            "window": self.window,
            "surface": self.surface,
            "sidebar": self.sidebar,
            "panel": self.panel,
            "user_bubble": self.user_bubble,
        }
        pairs = [(f"text on {k}", self.text, v) for k, v in backgrounds.items()]
        pairs += [(f"muted on {k}", self.text_muted, v) for k, v in backgrounds.items()]
        pairs += [
            ("text on sidebar_hover", self.text, self.sidebar_hover),
            ("text on sidebar_selected", self.text, self.sidebar_selected),
            ("placeholder on surface", self.placeholder, self.surface),
            ("button text", self.button_text, self.button),
            ("button text hovered", self.button_text, self.button_hover),
            ("link on surface", self.link, self.surface),
            ("link on window", self.link, self.window),
            ("selected text", self.on_highlight, self.highlight),
            ("search hit", self.on_find_match, self.find_match),
            ("accent button", self.on_accent, self.accent),
            ("accent button hovered", self.on_accent, self.accent_hover),
            ("stop button", self.on_stop, self.stop),
            ("text on drop", self.text, self.drop),
            ("text on info notice", self.text, self.info_bg),
            ("text on warning notice", self.text, self.warning_bg),
            ("text on error notice", self.text, self.error_bg),
            ("wait text on warning", self.wait_text, self.warning_bg),
            ("wait text on surface", self.wait_text, self.surface),
            ("warning text on surface", self.warning_text, self.surface),
            ("error text on surface", self.error_text, self.surface),
            ("error text on window", self.error_text, self.window),
            ("error text on error notice", self.error_text, self.error_bg),
            ("code", self.code_text, self.code_bg),
            ("code label", self.code_label, self.code_header),
            ("copy button", self.code_text, self.copy_button),
            ("inline code", self.text, self.inline_code_bg),
            ("table header", self.text, self.table_header),
            ("table zebra row", self.text, self.table_zebra),
            ("quote", self.quote_text, self.surface),
            ("chart labels", self.text_muted, self.surface),
        ]
        pairs += [(f"code {token}", colour_of(style), self.code_bg) for token, style in self.syntax]
        return pairs

    def graphic_pairs(self) -> list[tuple[str, str, str]]:
        """(what, colour, background) for shapes that must stand out (WCAG 1.4.11: 3:1)."""
        pairs = [(f"chart series {i}", c, self.surface) for i, c in enumerate(self.chart_series)]
        pairs += [("quote bar", self.quote_bar, self.surface)]
        return pairs


def colour_of(style: str) -> str:
    """The colour in a pygments style string ("bold #cf222e" -> "#cf222e")."""
    return next(word for word in style.split() if word.startswith("#"))


LIGHT = Palette(
    name="light",
    dark=False,
    window="#faf9f5",
    surface="#ffffff",
    sidebar="#f0eee6",
    sidebar_hover="#e9e6dc",
    sidebar_selected="#e3dfd2",
    panel="#f5f3ec",
    user_bubble="#efece3",
    border="#e6e2d6",
    border_strong="#d6d2c4",
    button="#efece3",
    button_hover="#e6e2d6",
    text="#1f1e1d",
    text_muted="#65625a",
    placeholder="#6b6860",
    button_text="#1f1e1d",
    link="#2156a5",
    highlight="#f3d9cd",
    on_highlight="#1f1e1d",
    find_match="#ffd54f",  # amber: readable under dark text in both themes
    on_find_match="#1a1a1a",
    accent="#b0512f",
    accent_hover="#9a4527",
    on_accent="#ffffff",
    stop="#3d3929",
    on_stop="#ffffff",
    drop="#fbf1ec",
    info_bg="#eef3fb",
    warning_bg="#fdf3e1",
    error_bg="#fbe9e7",
    wait_text="#7a5a12",
    warning_text="#9a3412",
    error_text="#b3261e",
    code_bg="#f5f4ef",
    code_header="#eae7dd",
    code_text="#1f1e1d",
    code_label="#57544c",
    inline_code_bg="#efece3",
    copy_button="#ffffff",
    copy_border="#c9c4b4",
    table_border="#d6d2c4",
    table_header="#f0eee6",
    table_zebra="#f8f7f2",
    quote_bar="#c96442",
    quote_text="#4a473f",
    chart_grid="#e6e2d6",
    chart_series=(
        "#c96442",
        "#3b6ea5",
        "#5a8f4e",
        "#a07a1e",
        "#7b5ea7",
        "#2f8f8a",
        "#a34d6d",
        "#6b6860",
    ),
    syntax=(
        ("Comment", "italic #5f6670"),
        ("Comment.Preproc", "noitalic #953800"),
        ("Keyword", "bold #b42318"),
        ("Keyword.Type", "nobold #953800"),
        ("Operator.Word", "bold #b42318"),
        ("Name.Builtin", "#0550ae"),
        ("Name.Function", "#6639ba"),
        ("Name.Class", "bold #953800"),
        ("Name.Decorator", "#6639ba"),
        ("Name.Exception", "bold #953800"),
        ("Name.Tag", "bold #116329"),
        ("Name.Attribute", "#0550ae"),
        ("Name.Variable", "#953800"),
        ("Name.Constant", "#0550ae"),
        ("String", "#0a3069"),
        ("String.Escape", "bold #0550ae"),
        ("Number", "#0550ae"),
        ("Generic.Inserted", "#116329"),
        ("Generic.Deleted", "#b42318"),
        ("Generic.Heading", "bold #0550ae"),
        ("Error", "#b42318"),
    ),
)

DARK = Palette(
    name="dark",
    dark=True,
    window="#262624",
    surface="#30302e",
    sidebar="#1f1e1d",
    sidebar_hover="#2b2a27",
    sidebar_selected="#3a3935",
    panel="#2b2a27",
    user_bubble="#3a3935",
    border="#3d3c38",
    border_strong="#55534d",
    button="#3d3c38",
    button_hover="#4a4944",
    text="#ece9e1",
    text_muted="#aeaba2",
    placeholder="#a3a097",
    button_text="#ece9e1",
    link="#8ab4f8",
    highlight="#6b4131",
    on_highlight="#f5f3ee",
    find_match="#ffd54f",  # amber: readable under dark text in both themes
    on_find_match="#1a1a1a",
    accent="#d97757",
    accent_hover="#e38a6c",
    on_accent="#1f1e1d",
    stop="#ece9e1",
    on_stop="#1f1e1d",
    drop="#3d2b24",
    info_bg="#243245",
    warning_bg="#3d3220",
    error_bg="#472624",
    wait_text="#e6c06a",
    warning_text="#f0a070",
    error_text="#f5968e",
    code_bg="#1f1e1d",
    code_header="#2b2a27",
    code_text="#e6e3da",
    code_label="#aeaba2",
    inline_code_bg="#3d3c38",
    copy_button="#3d3c38",
    copy_border="#5d5b54",
    table_border="#4a4944",
    table_header="#3a3935",
    table_zebra="#363633",
    quote_bar="#d97757",
    quote_text="#cbc8bf",
    chart_grid="#45443f",
    chart_series=(
        "#e08562",
        "#6fa0d8",
        "#85b878",
        "#d4b04e",
        "#a98bd6",
        "#5cbdb7",
        "#d47a9b",
        "#aeaba2",
    ),
    syntax=(
        ("Comment", "italic #9ba3ad"),
        ("Comment.Preproc", "noitalic #ffa657"),
        ("Keyword", "bold #ff7b72"),
        ("Keyword.Type", "nobold #ffa657"),
        ("Operator.Word", "bold #ff7b72"),
        ("Name.Builtin", "#79c0ff"),
        ("Name.Function", "#d2a8ff"),
        ("Name.Class", "bold #ffa657"),
        ("Name.Decorator", "#d2a8ff"),
        ("Name.Exception", "bold #ffa657"),
        ("Name.Tag", "bold #7ee787"),
        ("Name.Attribute", "#79c0ff"),
        ("Name.Variable", "#ffa657"),
        ("Name.Constant", "#79c0ff"),
        ("String", "#a5d6ff"),
        ("String.Escape", "bold #79c0ff"),
        ("Number", "#79c0ff"),
        ("Generic.Inserted", "#7ee787"),
        ("Generic.Deleted", "#ff7b72"),
        ("Generic.Heading", "bold #79c0ff"),
        ("Error", "#ff7b72"),
    ),
)

PALETTES = {LIGHT.name: LIGHT, DARK.name: DARK}
