"""A fix to the Textual we pin (pyproject.toml) that our users would otherwise feel.

`StylesCache.get_inner_outer` is an instance method under `functools.lru_cache(1024)`,
so the cache keeps every widget's StylesCache (and the rendered lines it holds) long
after the widget is gone: Textual issue #6665, open for 8.2.8. In this app every
screen opened and closed (a place's first visit, a detail, a form) leaves about 1,800
objects behind, up to 1,024 widgets' worth; each full collection of the garbage
collector walks them, and its pauses grew from 15 to 140 ms over twenty openings of
Aree interne (benchmarks/bench_aree.py). The two colours are the whole key of what
it computes, so the cache here is keyed on them alone.

Applied once, on import (by app.py), and only while Textual's method is still the
leaking one: a Textual that fixes it keeps its own. tests/test_app.py checks that a
closed screen's widgets are freed.
"""

from __future__ import annotations

from functools import lru_cache

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style

_leaking = StylesCache.__dict__.get("get_inner_outer")


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    """Inner and outer background styles (Textual's code, without `self` in the key)."""
    return (
        Style(background=base_background + background),
        Style(background=base_background),
    )


def _get_inner_outer(
    self: StylesCache, base_background: Color, background: Color
) -> tuple[Style, Style]:
    return _inner_outer(base_background, background)


if hasattr(_leaking, "cache_info"):  # still Textual's lru_cache on the instance method
    StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign, assignment]
