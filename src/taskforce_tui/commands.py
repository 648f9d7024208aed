"""The command palette (ctrl+p): go to a Comune, new practice, log time, the timer,
the places. A Provider with discover() and search(), as posting's commands.py."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.store.db import Store


ComuneEntry = tuple[str, str, str, bool, str]


def _comuni(store: Store) -> tuple[list[ComuneEntry], bool]:
    """(code, name, province, assigned, normalized name) of every active Comune, and
    whether a timer runs."""
    from taskforce_tui.domain.text import normalize

    assigned = set(store.comuni.assigned_codes(store.expert_id))
    comuni = [
        (c.istat_code, c.name, c.province, c.istat_code in assigned, normalize(c.name))
        for c in store.comuni.all(active_only=True)
    ]
    comuni.sort(key=lambda c: (not c[3], c[1]))
    return comuni, store.timer.current() is not None


#: Words of "vai al Comune ..." that say nothing about which Comune.
_FILLER = {"vai", "al", "a", "comune", "apri"}


def name_part(query: str) -> str:
    """What identifies the Comune in a query: "vai al comune trevi" -> "trevi"."""
    from taskforce_tui.domain.text import normalize

    words = normalize(query).split()
    while words and words[0] in _FILLER:
        words.pop(0)
    return " ".join(words)


class TaskforceCommands(Provider):
    """The app's own commands, in Italian."""

    async def startup(self) -> None:
        self._comuni: list[ComuneEntry] = []
        self._timer_running = False
        store = self.tf_app.store
        if store is not None:
            # A thread worker, as everywhere the store is read (docs/architecture.md).
            worker = self.app.run_worker(
                partial(_comuni, store), thread=True, group="palette", exit_on_error=False
            )
            self._comuni, self._timer_running = await worker.wait()

    @property
    def tf_app(self) -> TaskforceApp:
        return self.app  # type: ignore[return-value]

    def _actions(self) -> list[tuple[str, str, Callable[[], Any]]]:
        from taskforce_tui.places import PLACES

        app = self.tf_app
        timer = "Ferma timer" if self._timer_running else "Avvia timer"
        actions: list[tuple[str, str, Callable[[], Any]]] = [
            ("Nuova pratica", "apre il modulo di una nuova pratica", app.new_practice),
            (
                "Registra ore",
                "ore sul Comune, la pratica o la richiesta che stai guardando",
                app.action_log_time,
            ),
            (
                timer,
                "il timer conta il tempo; fermandolo le ore vengono registrate",
                app.action_toggle_timer,
            ),
            ("Aiuto", "tasti e istruzioni (F1)", app.action_open_help),
        ]
        for mode, key, label, _module, _cls in PLACES:
            actions.append((f"Vai a {label}", f"tasto {key}", partial(app.action_go, mode)))
        return actions

    def _candidates(self, query: str) -> list[ComuneEntry]:
        """The Comuni worth scoring: the expert's own until a name is typed, then those
        whose name contains it (a cheap filter before the fuzzy matcher, which is slow
        over 1,500 names on every keystroke)."""
        wanted = name_part(query)
        if not wanted:
            return [c for c in self._comuni if c[3]]
        return [c for c in self._comuni if wanted in c[4] or c[0] == wanted][:40]

    async def discover(self) -> Hits:
        for name, help_text, callback in self._actions():
            yield DiscoveryHit(name, callback, help=help_text)
        for code, name, province, assigned, _ in self._comuni:
            if assigned:
                yield DiscoveryHit(
                    f"Vai al Comune {name} ({province})",
                    partial(self.tf_app.open_comune, code),
                    help="uno dei tuoi Comuni",
                )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._actions():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
        for code, name, province, assigned, _ in self._candidates(query):
            text = f"Vai al Comune {name} ({province})"
            score = matcher.match(text)
            if score > 0:
                # The expert's own Comuni first.
                yield Hit(
                    min(score * (1.5 if assigned else 1.0), 1.0),
                    matcher.highlight(text),
                    partial(self.tf_app.open_comune, code),
                    help="uno dei tuoi Comuni" if assigned else f"ISTAT {code}",
                )
