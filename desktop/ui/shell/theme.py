"""The app's calm light look: one stylesheet, applied once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QFont

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

ACCENT = "#c96442"
SIDEBAR = "#f0eee6"  # opaque: a transparent list leaves its scroll bar groove black on X11

STYLESHEET = f"""
QMainWindow, #chat_content, QScrollArea#chat_view {{ background: #faf9f5; }}
#sidebar, #sidebar QListView {{ background: {SIDEBAR}; }}
#sidebar QListView {{ border: none; font-size: 13px; }}
#sidebar QListView::item {{ padding: 7px 8px; border-radius: 6px; }}
#sidebar QListView::item:selected {{ background: #e3dfd2; color: #1f1e1d; }}
#sidebar QListView::item:hover:!selected {{ background: #e9e6dc; }}
#search_box {{ padding: 5px 8px; border: 1px solid #d6d2c4; border-radius: 6px;
    background: white; }}
#new_conversation_button {{ padding: 7px; border-radius: 6px; background: {ACCENT};
    color: white; border: none; font-weight: 600; }}
#new_conversation_button:hover {{ background: #b5573a; }}
#chat_header {{ border-bottom: 1px solid #e6e2d6; background: #faf9f5; }}
#conversation_title {{ font-size: 15px; font-weight: 600; color: #1f1e1d; }}
#user_message {{ background: #efece3; border-radius: 10px; }}
#assistant_message {{ background: white; border: 1px solid #ebe7dc; border-radius: 10px; }}
#message_author {{ font-weight: 600; color: #3d3929; }}
#message_status, #message_footer {{ color: #83807a; font-size: 12px; }}
#cost_label {{ color: #6b6860; padding-right: 8px; }}
#token_estimate {{ color: #83807a; font-size: 12px; padding-top: 3px; }}
#message_notice {{ border-radius: 6px; background: #eef3fb; }}
#message_notice[level="warning"] {{ background: #fdf3e1; }}
#message_notice[level="error"] {{ background: #fbe9e7; }}
#wait_label {{ color: #7a5a12; }}
#stall_notice {{ border-radius: 6px; background: #fdf3e1; }}
#send_queue_bar {{ border: 1px dashed #d6d2c4; border-radius: 8px; background: white; }}
#send_queue_bar[problem="true"] {{ border-color: #e0a899; background: #fbe9e7; }}
#empty_chat_label {{ color: #8a877f; font-size: 16px; }}
#composer_row {{ background: #faf9f5; }}
#composer {{ border: 1px solid #d6d2c4; border-radius: 10px; padding: 6px; background: white;
    font-size: 14px; }}
#composer:focus {{ border-color: {ACCENT}; }}
#send_button {{ background: {ACCENT}; color: white; border: none; border-radius: 8px;
    padding: 8px; font-weight: 600; }}
#send_button:hover {{ background: #b5573a; }}
#stop_button {{ background: #3d3929; color: white; border: none; border-radius: 8px; padding: 8px;
    font-weight: 600; }}
#settings_panel {{ background: #f5f3ec; border-left: 1px solid #e6e2d6; }}
#panel_heading {{ font-weight: 600; font-size: 14px; }}
#thinking_toggle {{ border: none; color: #6b6860; }}
#composer[dropTarget="true"], QScrollArea#chat_view[dropTarget="true"] {{
    border: 2px dashed {ACCENT}; background: #fbf1ec; }}
#attachment_chip {{ background: white; border: 1px solid #d6d2c4; border-radius: 8px; }}
#attachment_chip[preparing="true"] {{ border-style: dashed; }}
#attachment_detail {{ color: #83807a; font-size: 11px; }}
#attachment_message {{ color: #9a3412; }}
#attach_button, #add_document_button {{ padding: 6px 8px; }}
#retry_button, #continue_button, #cancel_wait_button {{ padding: 4px 12px; }}
"""


STYLE_ARGS = ("-style", "fusion")
"""Arguments for a new QApplication: Fusion without bringing QStyle into Python at startup
(wrapping its enums costs ~8 ms); `apply_theme(app, style_set=True)` then skips setStyle."""


def apply_theme(app: QApplication, style_set: bool = False) -> None:
    if not style_set:
        app.setStyle("Fusion")
    font = QFont(app.font())
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
