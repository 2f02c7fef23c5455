"""The app's stylesheet, generated from a palette (no colours of its own)."""

from __future__ import annotations

import re
from dataclasses import asdict
from functools import lru_cache

from desktop.core.palettes import Palette

_TEMPLATE = """
QMainWindow, #chat_content, QScrollArea#chat_view {{ background: {window}; }}
#sidebar, #sidebar QListView {{ background: {sidebar}; color: {text}; }}
#sidebar QListView {{ border: none; font-size: 13px; }}
#sidebar QListView::item {{ padding: 7px 8px; border-radius: 6px; }}
#sidebar QListView::item:selected {{ background: {sidebar_selected}; color: {text}; }}
#sidebar QListView::item:hover:!selected {{ background: {sidebar_hover}; }}
#search_box {{ padding: 5px 8px; border: 1px solid {border_strong}; border-radius: 6px;
    background: {surface}; color: {text}; }}
#search_box:focus {{ border-color: {accent}; }}
#new_conversation_button {{ padding: 7px; border-radius: 6px; background: {accent};
    color: {on_accent}; border: none; font-weight: 600; }}
#new_conversation_button:hover {{ background: {accent_hover}; }}
#chat_header {{ border-bottom: 1px solid {border}; background: {window}; }}
#conversation_title {{ font-size: 15px; font-weight: 600; color: {text}; }}
#user_message {{ background: {user_bubble}; border-radius: 10px; }}
#assistant_message {{ background: {surface}; border: 1px solid {border}; border-radius: 10px; }}
#message_author {{ font-weight: 600; color: {text}; }}
#message_status, #message_footer {{ color: {text_muted}; font-size: 12px; }}
#cost_label {{ color: {text_muted}; padding-right: 8px; }}
#token_estimate {{ color: {text_muted}; font-size: 12px; padding-top: 3px; }}
#message_notice {{ border-radius: 6px; background: {info_bg}; }}
#message_notice[level="warning"] {{ background: {warning_bg}; }}
#message_notice[level="error"] {{ background: {error_bg}; }}
#wait_label {{ color: {wait_text}; }}
#tool_toggle[error="true"] {{ color: {error_text}; }}
#permission_prompt {{ border: 1px solid {accent}; border-radius: 8px; background: {info_bg}; }}
#permission_arguments {{ color: {text_muted}; font-family: monospace; }}
#stall_notice {{ border-radius: 6px; background: {warning_bg}; }}
#send_queue_bar {{ border: 1px dashed {border_strong}; border-radius: 8px; background: {surface}; }}
#send_queue_bar[problem="true"] {{ border-color: {error_text}; background: {error_bg}; }}
#user_message[current="true"], #assistant_message[current="true"] {{
    border: 2px solid {accent}; }}
QScrollArea#chat_view:focus {{ border: none; }}
QPushButton:focus, QToolButton:focus, QComboBox:focus, QListView:focus {{
    outline: none; border: 1px solid {accent}; }}
#empty_chat_label {{ color: {text_muted}; font-size: 16px; }}
#composer_row {{ background: {window}; }}
#composer_frame {{ border: 1px solid {border_strong}; border-radius: 14px;
    background: {surface}; }}
#composer {{ border: none; padding: 2px; background: {surface}; color: {text};
    font-size: 14px; }}
#composer_frame QToolButton {{ color: {text_muted}; border: none; border-radius: 8px;
    padding: 4px 6px; }}
#composer_frame QToolButton:hover {{ background: {sidebar_hover}; }}
#send_button {{ background: {accent}; border: none; border-radius: 16px; }}
#send_button:hover {{ background: {accent_hover}; }}
#stop_button {{ background: {stop}; border: none; border-radius: 16px; }}
#settings_panel {{ background: {panel}; border-left: 1px solid {border}; }}
#panel_heading {{ font-weight: 600; font-size: 14px; }}
#thinking_toggle {{ border: none; color: {text_muted}; }}
#composer[dropTarget="true"], QScrollArea#chat_view[dropTarget="true"],
#composer_frame[dropTarget="true"] {{
    border: 2px dashed {accent}; background: {drop}; }}
#attachment_chip {{ background: {surface}; border: 1px solid {border_strong}; border-radius: 8px; }}
#attachment_chip[preparing="true"] {{ border-style: dashed; }}
#attachment_detail {{ color: {text_muted}; font-size: 11px; }}
#attachment_message {{ color: {warning_text}; }}
#retry_button, #continue_button, #cancel_wait_button, #permission_prompt QPushButton {{
    padding: 4px 12px; }}
QLabel[error="true"], QLabel[tone="error"] {{ color: {error_text}; }}
QLabel[tone="warning"] {{ background: {warning_bg}; color: {text};
    border: 1px solid {border_strong}; border-radius: 4px; padding: 6px; }}
QLabel[tone="muted"] {{ color: {text_muted}; }}
#mcp_server_row {{ background: {surface}; border: 1px solid {border}; border-radius: 6px; }}
#mcp_server_name {{ font-weight: 600; }}
#mcp_expander {{ border: none; background: transparent; }}
#mcp_tool_name {{ font-family: monospace; }}
#tool_limits_heading {{ font-weight: 600; }}
QScrollBar:vertical {{ background: {window}; width: 11px; margin: 0; border: none; }}
QScrollBar:horizontal {{ background: {window}; height: 11px; margin: 0; border: none; }}
QScrollBar::handle {{ background: {border_strong}; border-radius: 4px; margin: 2px; }}
QScrollBar::handle:vertical {{ min-height: 24px; }}
QScrollBar::handle:horizontal {{ min-width: 24px; }}
QScrollBar::handle:hover {{ background: {text_muted}; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; border: none; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}
QToolTip {{ background: {surface}; color: {text}; border: 1px solid {border_strong}; }}
"""


_FONT_SIZE = re.compile(r"font-size: (\d+)px")


@lru_cache(maxsize=8)
def stylesheet(palette: Palette, scale: float = 1.0) -> str:
    """The app's stylesheet in `palette`'s colours, its font sizes times `scale` (zoom)."""
    text = _TEMPLATE.format_map(asdict(palette))
    if scale == 1.0:
        return text
    return _FONT_SIZE.sub(lambda m: f"font-size: {round(int(m.group(1)) * scale)}px", text)
