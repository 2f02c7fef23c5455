"""Export and import of conversations: the File menu items, the sidebar's Export…, dialogs."""
