"""Sizes shared by the side panels beside the conversation (context, settings)."""

SIDE_PANEL_MIN_WIDTH = 240  # px: two panels, the sidebar and the chat fit a 1280 px screen
SIDE_PANEL_WIDTH = 300  # px: what a panel gets when it first opens
