"""What every screen of the app shares: the store from workers, reload on change,
errors reported in Italian, the bar of places at the top, a Footer at the bottom."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Static

from taskforce_tui.app import PLACES, PUSHED_PLACES, DataChanged, StoreReady

if TYPE_CHECKING:
    from textual.worker import Worker

    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.store.db import Store


def report_worker_error(node: Any, event: Worker.StateChanged) -> None:
    """Forward a failed worker's error to the app (workers post to their own node)."""
    from textual.worker import WorkerState

    if event.state == WorkerState.ERROR and event.worker.error is not None:
        node.app.report_error(event.worker.error)


def context_of(screen: Screen[Any]) -> dict[str, str | None]:
    getter = getattr(screen, "work_context", None)
    if callable(getter):
        result: dict[str, str | None] = getter()
        return result
    return {}


class PlacesBar(Static):
    """The top line: the places with their keys (clickable), the current one marked."""

    DEFAULT_CSS = """
    PlacesBar {
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
        link-style: none;
        link-style-hover: reverse;
    }
    """

    def __init__(self, current: str | None, title: str = "") -> None:
        super().__init__()
        self.current = current
        self.title = title

    def on_mount(self) -> None:
        self.watch(self.app, "running_timer", self._timer_changed, init=False)
        self.update(self._markup())

    def _timer_changed(self, _value: str) -> None:
        self.update(self._markup())

    def _markup(self) -> str:
        keymap = self.app._keymap
        parts = []
        for mode, key, label, _module, _cls in PLACES:
            shown = keymap.get(f"go.{mode}", key).split(",")[0]
            if mode == self.current:
                # Marked by brackets too, not only by the reverse video.
                parts.append(f"[b reverse][{shown} {label}][/]")
            else:
                parts.append(f"[@click=app.go('{mode}')] {shown} {label} [/]")
        for action, binding_id, key, label in PUSHED_PLACES:
            shown = keymap.get(binding_id, key).split(",")[0]
            if action == self.current:
                parts.append(f"[b reverse][{shown} {label}][/]")
            else:
                parts.append(f"[@click=app.{action}] {shown} {label} [/]")
        title = f"  [b]{self.title}[/b]" if self.title else ""
        timer = getattr(self.app, "running_timer", "")
        running = f"  [b]⏱ {escape(timer)}[/b]" if timer else ""
        return "".join(parts) + title + running


class DataScreen(Screen[None]):
    """A screen that reads the store from workers and reloads when data changes.

    Subclasses implement `load()` (usually a thread worker that ends with
    `self.app.call_from_thread(self.show, ...)`).
    """

    #: The place this screen belongs to (marked in the top bar); None for details.
    PLACE: ClassVar[str | None] = None
    BINDINGS: ClassVar[list[BindingType]] = [
        # Also an app binding; declared here too so the footer shows it first.
        Binding("f1", "app.open_help", "Aiuto", id="app.help"),
    ]

    load: Any  # a method provided by each subclass

    def __init__(self) -> None:
        super().__init__()
        self.shown_version = -1

    @property
    def tf_app(self) -> TaskforceApp:
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> Store:
        store = self.tf_app.store
        assert store is not None, "screens load only after StoreReady"
        return store

    @property
    def ready(self) -> bool:
        return self.tf_app.store is not None

    def places_bar(self, title: str = "") -> PlacesBar:
        return PlacesBar(self.PLACE, title)

    def reload(self) -> None:
        if self.ready:
            self.shown_version = self.tf_app.data_version
            self.load()

    def reload_if_stale(self) -> None:
        """Load unless what is shown is already the current data (start-up sends
        mount, resume and store-ready close together: load once)."""
        if self.ready and self.shown_version != self.tf_app.data_version:
            self.reload()

    def on_mount(self) -> None:
        self.reload_if_stale()

    def on_store_ready(self, message: StoreReady) -> None:
        self.reload_if_stale()

    def on_screen_resume(self) -> None:
        self.reload_if_stale()

    def on_data_changed(self, message: DataChanged) -> None:
        self.reload_if_stale()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)


class DetailScreen(DataScreen):
    """A screen pushed on top of a place (Comune, Pratica, Richiesta): Escape goes back."""

    #: A place key (1, 2, 3) closes it on the way to the place: nothing is typed here.
    CLOSED_BY_PLACE_KEYS: ClassVar[bool] = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Indietro", id="detail.back"),
    ]

    def action_back(self) -> None:
        self.dismiss()
