"""The app's own messages, in a module of their own: the app sends them, the screens
handle them, and neither has to import the other for it (the dependencies point one
way: app -> screens -> messages)."""

from __future__ import annotations

from textual.message import Message


class StoreReady(Message, bubble=False):
    """The profile's store is open: sent by the app to the screens that wait for it."""


class StoreFailed(Message, bubble=False):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class DataChanged(Message, bubble=False):
    """Something was written: the visible screen reloads what it shows (the others
    when they come back into view, comparing `app.data_version`). The one change
    message of the app: `what` says what changed ("timelogs", "timer", ...; empty =
    anything), for a screen that shows only some of it."""

    def __init__(self, *what: str) -> None:
        super().__init__()
        self.what = frozenset(what)

    def concerns(self, *kinds: str) -> bool:
        return not self.what or bool(self.what & set(kinds))
