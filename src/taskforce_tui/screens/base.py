"""What every screen of the app shares: the store from workers, reload on change,
errors reported in Italian, the bar of places at the top, a Footer at the bottom."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import events, on
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Input, Static

from taskforce_tui.messages import DataChanged, StoreReady
from taskforce_tui.places import PLACES, PUSHED_PLACES, SHORT_LABELS

if TYPE_CHECKING:
    from textual.app import App
    from textual.worker import Worker

    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.store.db import Store

T = TypeVar("T")


def report_worker_error(node: Any, event: Worker.StateChanged) -> None:
    """Forward a failed worker's error to the app (workers post to their own node)."""
    from textual.worker import WorkerState

    if event.state == WorkerState.ERROR and event.worker.error is not None:
        node.app.report_error(event.worker.error)


def ask(app: App[Any], dialog: Screen[T]) -> T:
    """From a thread worker: show `dialog` and wait for the user's answer. A flow that
    asks, writes and asks again (the timer, a time log to confirm) so reads top to
    bottom in one thread worker, every store call off the UI thread, no chain of
    callbacks. Raises WorkerCancelled when the worker is cancelled (the app closing):
    nothing after it may touch the UI."""
    from concurrent.futures import Future

    from textual.worker import WorkerCancelled, get_current_worker

    worker = get_current_worker()
    answer: Future[T] = Future()
    app.call_from_thread(app.push_screen, dialog, answer.set_result)
    while True:
        try:
            return answer.result(timeout=0.1)
        except TimeoutError:
            if worker.is_cancelled:
                raise WorkerCancelled("closed while a dialog was open") from None


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

    def on_resize(self) -> None:
        self.update(self._markup())

    def _timer_changed(self, _value: str) -> None:
        self.update(self._markup())

    def set_title(self, title: str) -> None:
        """The screen's title on the line (a Comune's screen opened on a Provincia)."""
        if title != self.title:
            self.title = title
            self.update(self._markup())

    def _markup(self) -> str:
        """The places in the order of their keys, then the screen's title and the
        running timer in what is left of the line: the timer first (shortened with «…»
        if it must), the title in the rest (the screen's own heading says it too). When
        the timer would lose more than its start, the places take their short labels."""
        from taskforce_tui.widgets.fasttable import clip

        keymap: dict[str, str] = getattr(self.app, "keymap", {})
        entries = [
            (keymap.get(f"go.{mode}", key).split(",")[0], label, mode, f"app.go('{mode}', True)")
            for mode, key, label, _module, _cls in PLACES
        ] + [
            (keymap.get(binding_id, key).split(",")[0], label, action, f"app.{action}")
            for action, binding_id, key, label in PUSHED_PLACES
        ]
        entries.sort(key=lambda e: e[0])
        timer = getattr(self.app, "running_timer", "")
        # Before the first layout the width is not known: everything, cut later.
        width = self.content_region.width or 1_000
        labels = [label for _, label, _, _ in entries]
        full = sum(len(shown) + len(label) + 3 for (shown, label, _, _) in entries)
        if timer and width - full < min(len(timer) + 4, 24):
            labels = [SHORT_LABELS.get(label, label) for label in labels]
        parts = []
        used = 0
        for (shown, _label, name, action), label in zip(entries, labels, strict=True):
            used += len(shown) + len(label) + 3
            if name == self.current:
                # Marked by brackets too, not only by the reverse video.
                parts.append(f"[b reverse][{shown} {label}][/]")
            else:
                # A click on the top line opens the place (ready to type in its search).
                parts.append(f"[@click={action}] {shown} {label} [/]")
        room = width - used
        running = ""
        if timer and room > 4:
            shown_timer = clip(f"⏱ {timer}", room - 2)
            running = f"  [b]{escape(shown_timer)}[/b]"
            room -= len(shown_timer) + 2
        title = ""
        if self.title and room > 6:
            title = f"  [b]{escape(clip(self.title, room - 2))}[/b]"
        return "".join(parts) + title + running


#: App keys that stay global on a list with a search box: the places (digits) and
#: the help. Every other printable key not bound on the screen is typed in the search.
GLOBAL_KEY_IDS: frozenset[str] = frozenset(
    {*(f"go.{mode}" for mode, *_ in PLACES), "app.registro_ore", "app.indicators", "app.help_alt"}
)


def keys_bound_on(screen: Screen[Any]) -> set[str]:
    """The keys bound by the focused widget, its containers and the screen itself
    (not the app), after the user's keymap: what a list with a search keeps."""
    keymap: dict[str, str] = getattr(screen.app, "keymap", {})
    focused = screen.focused
    nodes = list(focused.ancestors_with_self) if focused is not None else [screen]
    keys: set[str] = set()
    for node in nodes:
        if node is screen.app:
            break
        bindings = node._bindings.copy()
        if keymap:
            bindings.apply_keymap(keymap)
        keys.update(bindings.key_to_bindings)
    app_bindings = screen.app._bindings.copy()
    if keymap:
        app_bindings.apply_keymap(keymap)
    for key, found in app_bindings.key_to_bindings.items():
        if any(b.id in GLOBAL_KEY_IDS for b in found):
            keys.add(key)
    return keys


class DataScreen(Screen[None]):
    """A screen that reads the store from workers and reloads when data changes.

    Subclasses implement `load()` (usually a thread worker that ends with
    `self.app.call_from_thread(self.show, ...)`).

    A screen with a search box (`SEARCH`, an Input's selector) takes type-to-filter:
    while something else has the focus (the list), a printable key that the screen
    does not bind goes to the search box, as in lazygit's and posting's pickers; the
    app's letter keys (o, t, q...) then type, the places' digits and F-keys still work.
    """

    #: The place this screen belongs to (marked in the top bar); None for details.
    PLACE: ClassVar[str | None] = None
    #: The search box printable keys go to (None: no type-to-filter).
    SEARCH: ClassVar[str | None] = None
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

    # --- type to filter ---------------------------------------------------------------
    def _types_in_search(self, key: str, character: str | None) -> bool:
        if self.SEARCH is None or character is None or not character.isprintable():
            return False
        focused = self.focused
        if focused is not None and focused.check_consume_key(key, character):
            return False  # a text field types it itself
        return key not in keys_bound_on(self)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """The app's keys that typing takes over leave the footer."""
        return self._types_in_search(key, character)

    def on_key(self, event: events.Key) -> None:
        if self._types_in_search(event.key, event.character):
            event.stop()
            event.prevent_default()
            search = self.query_one(self.SEARCH or "", Input)
            # Typing goes on after the text already there (focus would select it all,
            # and the next letter would replace it).
            search.select_on_focus = False
            search.focus()
            search.insert_text_at_cursor(event.character or "")

    def focus_search(self) -> None:
        """Ready to type in the search box (the place opened from the top line)."""
        if self.SEARCH is not None:
            self.query_one(self.SEARCH, Input).focus()


class ListScreen(DataScreen):
    """A place that lists rows under a search box and filters (Pratiche, Richieste):
    typing or `/` goes to the search, Enter in it goes to the list, Escape clears the
    search and the filters. Subclasses yield `search_box()` inside a `#filters` row,
    name their list in `LIST` and say what a change of the search does
    (`search_changed`) and what clearing the other filters means (`clear_filters`);
    their bindings (ids of their own area) name `focus_filter` and `clear`."""

    SEARCH = "#filter"
    #: The list's selector (focused after a search is submitted or cleared).
    LIST: ClassVar[str]
    DEFAULT_CSS = """
    ListScreen #filters { height: 1; }
    ListScreen #filter { width: 1fr; }
    """

    def search_box(self, placeholder: str) -> Input:
        return Input(placeholder=placeholder, select_on_focus=False, id="filter", compact=True)

    #: Each list defines these two: the search text changed, show the rows that match;
    #: the filters other than the search back to their defaults.
    search_changed: Callable[[], None]
    clear_filters: Callable[[], None]

    @on(Input.Changed, "#filter")
    def _search_changed(self) -> None:
        self.search_changed()

    @on(Input.Submitted, "#filter")
    def _search_submitted(self) -> None:
        self.query_one(self.LIST).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.clear_filters()
        self.query_one(self.LIST).focus()


class DetailScreen(DataScreen):
    """A screen pushed on top of a place (Comune, Pratica, Richiesta): Escape goes back;
    `o` logs time on what it shows (its `work_context`)."""

    #: A place key (1, 2, 3) closes it on the way to the place: nothing is typed here.
    CLOSED_BY_PLACE_KEYS: ClassVar[bool] = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Indietro", id="detail.back"),
    ]

    def action_back(self) -> None:
        self.dismiss()

    def action_log_time(self) -> None:
        self.tf_app.log_time(**self.work_context())

    def work_context(self) -> dict[str, str | None]:
        return {}

    def action_open_comune(self) -> None:
        """The Comune of what the screen shows (once loaded)."""
        code = self.work_context().get("comune_code")
        if code:
            self.tf_app.open_comune(code)
