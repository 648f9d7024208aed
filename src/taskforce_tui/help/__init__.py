"""Help pages shown on F1 (Markdown, packaged with the app)."""
