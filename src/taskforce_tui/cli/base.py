"""Shared pieces of the `taskforce` command: an Italian argparse, output helpers,
argument types that validate with the domain's rules, and opening the store.

Kept free of heavy imports: `taskforce log ...` must start in well under 300 ms.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskforce_tui.domain.dates import parse_date
from taskforce_tui.domain.errors import DomainError

if TYPE_CHECKING:
    from taskforce_tui.domain.records import Comune
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.paths import Profile

# --- argparse in Italian ----------------------------------------------------------------------
_IT = {
    "usage: ": "uso: ",
    "positional arguments": "argomenti",
    "options": "opzioni",
    "show this help message and exit": "mostra questo aiuto ed esce",
    "%(prog)s: error: %(message)s\n": "%(prog)s: errore: %(message)s\n",
    "the following arguments are required: %s": "mancano questi argomenti: %s",
    "unrecognized arguments: %s": "argomenti non riconosciuti: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "scelta non valida: %(value)r (scegli tra %(choices)s)"
    ),
    "argument %(argument_name)s: %(message)s": "argomento %(argument_name)s: %(message)s",
    "expected one argument": "serve un valore",
    "expected at most one argument": "al massimo un valore",
    "expected at least one argument": "almeno un valore",
    "invalid %(type)s value: %(value)r": "valore non valido: %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": (
        "opzione ambigua: %(option)s può essere %(matches)s"
    ),
    "not allowed with argument %s": "non ammesso insieme a %s",
    "one of the arguments %s is required": "serve uno di questi argomenti: %s",
    "ignored explicit argument %r": "argomento esplicito ignorato %r",
    "unexpected option string: %s": "opzione inattesa: %s",
    "expected %s argument": "servono %s valori",
    "expected %s arguments": "servono %s valori",
}


def _translate(message: str) -> str:
    return _IT.get(message, message)


def _ntranslate(singular: str, plural: str, n: int) -> str:
    return _translate(singular if n == 1 else plural)


argparse._ = _translate  # type: ignore[attr-defined]
argparse.ngettext = _ntranslate  # type: ignore[attr-defined]


class FreeText(argparse.Action):
    """An option taking free text (a note, a subject, a reason): the text may start
    with "-", as in `taskforce log 1h --nota "-2+3"`.

    argparse reads such a word as an option and stops with "serve un valore"; before it
    looks, `Parser.parse_known_args` glues every FreeText option to the word after it
    (`--nota=-2+3`, which argparse never splits). The word is left alone when it is
    another option of the same command (`--nota --json`: the note was forgotten, and
    that is still an error), and so is everything after `--`.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)


class FreeTextList(FreeText):
    """A FreeText option that may be repeated: its values are collected in a list."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []), values])


class Parser(argparse.ArgumentParser):
    """ArgumentParser that speaks Italian and exits with status 2 on bad input."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def parse_known_args(  # type: ignore[override]  # one signature for typeshed's overloads
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        # argparse hands each subcommand's words to that subcommand's parser through
        # this method, so each parser glues only its own FreeText options.
        words = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(self._glue_free_text(words), namespace)

    def _glue_free_text(self, words: list[str]) -> list[str]:
        free = {s for a in self._actions if isinstance(a, FreeText) for s in a.option_strings}
        if not free:
            return words
        out: list[str] = []
        i = 0
        while i < len(words):
            word = words[i]
            if word == "--":
                out.extend(words[i:])
                break
            following = words[i + 1] if i + 1 < len(words) else None
            if word in free and following is not None and not self._is_option(following):
                out.append(f"{word}={following}")
                i += 2
                continue
            out.append(word)
            i += 1
        return out

    def _is_option(self, word: str) -> bool:
        return word == "--" or word.split("=", 1)[0] in self._option_string_actions


# --- argument types (validate on parse: bad input never reaches the store) ------------------
def date_arg(text: str) -> date:
    try:
        return parse_date(text)
    except DomainError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» non è un numero intero.") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value}: serve un numero maggiore di zero.")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» non è un numero intero.") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value}: serve un numero maggiore o uguale a zero.")
    return value


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: libpq's spellings (an empty host takes the PG* variables and the service file).
POSTGRES_SCHEMES = ("postgresql", "postgres")


def db_file(text: str) -> Path | str:
    """The coordinator's database for init, merge, stato...: a SQLite file's path, or a
    PostgreSQL server's URL (`postgresql://…`, docs/sync.md). Any other URL is refused
    here, before anything is written (it would otherwise become a folder named after
    its scheme)."""
    value = text.strip()
    if _URL.match(value):
        scheme = value.split("://", 1)[0]
        if scheme.lower() in POSTGRES_SCHEMES:
            return postgres_url(value)
        raise argparse.ArgumentTypeError(
            f"«{scheme}://…»: il database centrale è un file SQLite o un server PostgreSQL "
            "(postgresql://utente@server:5432/database). Indica uno dei due, o ometti --db "
            "per usare il file del profilo. Non è stato scritto nulla."
        )
    if not value:
        raise argparse.ArgumentTypeError("--db vuoto: indica un file o ometti l'opzione.")
    return Path(text)


def postgres_url(text: str) -> str:
    """A PostgreSQL server's URL: `postgresql://[utente@]host[:porta]/database`, or with
    an empty host (`postgresql:///centrale`, `postgresql://`) for the PG* variables and
    the service file. Anything else is refused with a message that says the form."""
    value = text.strip()
    scheme, sep, _ = value.partition("://")
    if sep and scheme.lower() in POSTGRES_SCHEMES:
        return value
    raise argparse.ArgumentTypeError(
        f"«{text}» non è l'indirizzo di un server PostgreSQL: scrivi "
        "postgresql://utente@server:5432/database (o postgresql:///database per usare le "
        "variabili PGHOST, PGUSER... e il file dei servizi)."
    )


def choice_arg(allowed: dict[str, str], what: str) -> Callable[[str], str]:
    from taskforce_tui.domain.vocab import choose

    def parse(text: str) -> str:
        try:
            return choose(text, allowed, what)
        except DomainError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    return parse


# --- context passed to every handler ---------------------------------------------------------
class Context:
    """What a command needs: the profile, and the store opened on first use."""

    def __init__(self, args: argparse.Namespace) -> None:
        from taskforce_tui.store.paths import Profile

        self.args = args
        self.profile: Profile = Profile.resolve(getattr(args, "data_dir", None))
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            if not self.profile.exists():
                raise DomainError(
                    f"Nessun profilo in {self.profile.root}. Crea il profilo aprendo "
                    "l'applicazione (`taskforce`), unisciti alla task force con "
                    "`taskforce init --da CARTELLA --email EMAIL`, oppure prova la demo "
                    "(`taskforce demo`)."
                )
            self._store = self.profile.open_store()
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    # --- lookups shared by commands ----------------------------------------------------------
    def scope(self) -> list[str]:
        """The expert's assigned Comuni (all Comuni if the profile has no expert yet)."""
        codes = self.store.comuni.assigned_codes(self.store.expert_id)
        if codes:
            return codes
        return [c.istat_code for c in self.store.comuni.all()]

    def comune(self, text: str) -> Comune:
        return self.store.comuni.resolve(text)


# --- output ------------------------------------------------------------------------------------
def emit_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=_json_default)
    sys.stdout.write("\n")


def _json_default(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def emit_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A plain aligned text table (fast, greppable, no colours)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = min(max(widths[i], len(value)), 60)
    out = sys.stdout
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write(
            "  ".join(_clip(v, w).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            + "\n"
        )


def _cell(value: object) -> str:
    from taskforce_tui.domain.dates import format_date

    if value is None:
        return ""
    if isinstance(value, bool):
        return "sì" if value else "no"
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def say(message: str) -> None:
    sys.stdout.write(message + "\n")


def warn(message: str) -> None:
    sys.stderr.write(message + "\n")
