"""Reusable widgets: navigable tables, the paged practice table."""
