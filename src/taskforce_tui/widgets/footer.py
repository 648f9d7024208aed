"""The Footer of every screen, recomposed only when the keys it shows change.

Textual's Footer rebuilds all its key widgets on every "bindings changed" signal
(each focus change, each screen push); most of those leave the shown keys as they
were. Skipping them saves a few tens of milliseconds at start-up (measured in
benchmarks/bench_tui.py) and on every focus change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen


def _shown(screen: Screen[Any]) -> tuple[tuple[object, ...], ...]:
    return tuple(
        (key, active.binding.description, active.binding.action, active.enabled)
        for key, active in screen.active_bindings.items()
        if active.binding.show
    )


class KeysFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)
        self._composed_for: tuple[tuple[object, ...], ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if (
            self._composed_for is not None
            and screen is self.screen
            and _shown(screen) == self._composed_for
        ):
            return
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._composed_for = _shown(self.screen)
        yield from super().compose()
