"""Reusable widgets (tables, charts, indicator panels)."""
