"""Errors the user is meant to read (messages in Italian)."""

from __future__ import annotations


class DomainError(Exception):
    """A refused operation. `message` is Italian and says what to do next.

    `field` names the input that is wrong, so forms can show the message next to it.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class NotFoundError(DomainError):
    """Something named by the user does not exist (or is ambiguous: see `candidates`)."""

    def __init__(
        self, message: str, field: str | None = None, candidates: list[str] | None = None
    ) -> None:
        super().__init__(message, field)
        self.candidates = candidates or []
