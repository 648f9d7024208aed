"""SQLite store: paths, schema and migrations, the operation log, repositories.

Never imports Textual (checked by tests/test_layering.py).
"""
