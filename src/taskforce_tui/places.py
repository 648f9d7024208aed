"""The places of the app: the main ones on digit keys (Textual modes, each with its
own screen stack) and the ones pushed over them. Read by the app (modes, bindings)
and by the top line of every screen (screens/base.py PlacesBar)."""

from __future__ import annotations

#: The main places, reached with a digit key: (mode, key, label, module, screen class).
#: Registro ore (4) and Indicatori (5) are screens pushed over the current place; the
#: top bar shows them after the places: (app action, binding id, default key, label).
PLACES: list[tuple[str, str, str, str, str]] = [
    ("oggi", "1", "Oggi", "taskforce_tui.screens.home", "HomeScreen"),
    ("pratiche", "2", "Pratiche", "taskforce_tui.screens.practices", "PracticesScreen"),
    ("richieste", "3", "Richieste", "taskforce_tui.screens.requests", "RequestsScreen"),
    ("aree", "6", "Aree", "taskforce_tui.screens.aree", "AreeScreen"),
]
PUSHED_PLACES: list[tuple[str, str, str, str]] = [
    ("registro_ore", "app.registro_ore", "4", "Registro ore"),
    ("indicators", "app.indicators", "5", "Indicatori"),
]
#: Shorter labels for the top line when it must make room (80 columns with a timer).
SHORT_LABELS: dict[str, str] = {"Registro ore": "Ore", "Indicatori": "Indic.", "Richieste": "Rich."}
