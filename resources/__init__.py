"""Data files shipped with the app (models.toml, icons, stylesheet)."""
