"""Command palette: "Sincronizza ora" and "Conflitti" (kept light: imported by app.py)."""

from __future__ import annotations

from textual.command import DiscoveryHit, Hit, Hits, Provider

_COMMANDS = (
    ("Sincronizza ora", "Invia le modifiche e ricevi la generazione centrale (F5)", "sync"),
    (
        "Conflitti da sincronizzazione",
        "Scegli il valore giusto dove due persone divergono (F6)",
        "conflicts",
    ),
)


class SyncCommands(Provider):
    async def discover(self) -> Hits:
        for name, help_text, action in _COMMANDS:
            yield DiscoveryHit(name, getattr(self.app, f"action_{action}"), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in _COMMANDS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    getattr(self.app, f"action_{action}"),
                    help=help_text,
                )
