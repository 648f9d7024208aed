"""User key bindings: the [keys] table of the profile's config.toml.

    [keys]
    "practice.suspend" = "z"        # binding id = key (or "k1,k2")
    "app.timer" = ["f6", "t"]       # several keys

Binding ids are listed in the help (F1). A broken file never stops the app: the
defaults stay and the user is told what is wrong, in Italian.
"""

from __future__ import annotations

import importlib
import pkgutil
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: Packages whose modules declare bindings (screens, forms, widgets).
BINDING_PACKAGES = ("taskforce_tui.screens", "taskforce_tui.widgets")


def load_keymap(path: Path) -> tuple[dict[str, str], list[str]]:
    """(binding id -> keys, warnings in Italian). A missing file is no keymap, no warning."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"Non riesco a leggere {path} ({exc}): restano i tasti predefiniti."]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return {}, [
            f"{path} non è un file TOML valido ({exc}): restano i tasti predefiniti. "
            'Esempio di riga corretta sotto [keys]: "practice.suspend" = "z"'
        ]
    section = data.get("keys", {})
    if not isinstance(section, dict):
        return {}, [f"In {path} «keys» deve essere una tabella [keys]: ignorata."]
    keymap: dict[str, str] = {}
    bad: list[str] = []
    for binding_id, value in section.items():
        keys = _keys(value)
        if keys is None:
            bad.append(str(binding_id))
        else:
            keymap[str(binding_id)] = keys
    warnings = []
    if bad:
        warnings.append(
            f"In {path} questi tasti non sono validi e sono stati ignorati: {', '.join(bad)} "
            '(scrivi un tasto tra virgolette, es. "z" o "f6", oppure un elenco ["f6", "t"]).'
        )
    return keymap, warnings


def _keys(value: Any) -> str | None:
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        parts = [p.strip() for p in value]
    else:
        return None
    if not parts or not all(parts) or any(" " in p for p in parts):
        return None
    return ",".join(parts)


def _modules() -> Iterator[Any]:
    for package_name in BINDING_PACKAGES:
        package = importlib.import_module(package_name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            yield importlib.import_module(info.name)


def declared_bindings(app_class: type) -> dict[str, tuple[str, str, str]]:
    """Every binding id of the app (`app_class`, handed in so that this module never
    imports the app that imports it), its screens, forms and widgets -> (key,
    description, where it is declared). Imports the screen modules (done after the
    first paint)."""
    from textual.binding import Binding

    found: dict[str, tuple[str, str, str]] = {}
    classes: list[type] = [app_class]
    for module in _modules():
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                classes.append(value)
    for cls in classes:
        for binding in vars(cls).get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                found.setdefault(binding.id, (binding.key, binding.description, cls.__name__))
    return found


def unknown_ids(keymap: dict[str, str], app_class: type) -> list[str]:
    if not keymap:
        return []
    known = declared_bindings(app_class)
    return sorted(k for k in keymap if k not in known)
