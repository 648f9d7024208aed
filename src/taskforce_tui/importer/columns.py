"""The header row and the column -> field mapping.

Comuni name their columns as they like ("N. protocollo", "Prot.", "Numero protocollo
generale"...). Headers are compared after `header_key` (accents, case, punctuation and
spacing ignored); a column is mapped by an exact synonym first, then by the words it
contains. What cannot be guessed the user maps by hand (`--mappa COLONNA=campo` or the
import screen), and the mapping is remembered per Comune.

The header row is the row, among the first ones, whose cells look most like known
headers: title rows above it (often merged cells, which arrive as a single value) score
nothing. A second header row right under it ("Sospensione" over "dal" | "al") is folded
into the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.text import normalize


@dataclass(frozen=True, slots=True)
class FieldSpec:
    key: str  # what the user types in --mappa
    label: str  # Italian, shown in previews
    required: bool = False


#: Fields a column can hold, in preview order. Suspension pairs are numbered 1-3.
FIELDS: Final[tuple[FieldSpec, ...]] = (
    FieldSpec("istat", "Codice ISTAT"),
    FieldSpec("comune", "Comune"),
    FieldSpec("tipo", "Tipo procedimento", required=True),
    FieldSpec("protocollo", "N. protocollo", required=True),
    FieldSpec("avvio", "Data avvio", required=True),
    FieldSpec("termine", "Termine (gg)"),
    FieldSpec("stato", "Stato"),
    FieldSpec("conclusione", "Data conclusione"),
    FieldSpec("esito", "Esito"),
    FieldSpec("conferenza", "Conferenza di servizi"),
    FieldSpec("oggetto", "Oggetto"),
    FieldSpec("note", "Note"),
    FieldSpec("ambito", "Ambito"),
    FieldSpec("sospensione_dal", "Sospensione dal"),
    FieldSpec("sospensione_al", "Sospensione al"),
    FieldSpec("sospensione2_dal", "2ª sospensione dal"),
    FieldSpec("sospensione2_al", "2ª sospensione al"),
    FieldSpec("sospensione3_dal", "3ª sospensione dal"),
    FieldSpec("sospensione3_al", "3ª sospensione al"),
)
FIELD_BY_KEY: Final = {f.key: f for f in FIELDS}
#: The word that unmaps a column in --mappa ("COLONNA=ignora" or "COLONNA=").
IGNORE: Final = "ignora"

_NON_WORD = re.compile(r"[^a-z0-9]+")


def header_key(text: object) -> str:
    """A header as compared: accents, case, punctuation and spacing ignored.

    >>> header_key("N° Protocollo ")
    'n protocollo'
    >>> header_key("Termine (gg)")
    'termine gg'
    """
    if text is None:
        return ""
    return _NON_WORD.sub(" ", normalize(str(text)).replace("°", " ")).strip()


#: Exact synonyms (after header_key).
_SYNONYMS: Final[dict[str, str]] = {
    key: fld
    for fld, words in {
        "istat": ("codice istat", "cod istat", "istat", "codice comune istat", "cod comune"),
        "comune": ("comune", "ente", "denominazione comune", "nome comune", "amministrazione"),
        "tipo": (
            "tipo procedimento",
            "tipo",
            "tipologia",
            "tipologia procedimento",
            "tipo pratica",
            "tipologia pratica",
            "procedimento",
            "tipo di procedimento",
            "tipo istanza",
            "tipologia istanza",
        ),
        "protocollo": (
            "n protocollo",
            "protocollo",
            "numero protocollo",
            "num protocollo",
            "nr protocollo",
            "prot",
            "n prot",
            "prot n",
            "protocollo n",
            "protocollo generale",
        ),
        "avvio": (
            "data avvio",
            "data presentazione",
            "data ricezione",
            "data di avvio",
            "data di presentazione",
            "data di ricezione",
            "data protocollo",
            "data istanza",
            "data deposito",
            "avvio",
            "presentazione",
            "ricezione",
            "data arrivo",
        ),
        "termine": (
            "termine gg",
            "termine",
            "termine giorni",
            "termine di legge",
            "termine di legge gg",
            "termine procedimento",
            "giorni termine",
            "durata massima gg",
        ),
        "stato": ("stato", "stato pratica", "stato procedimento", "stato istanza"),
        "conclusione": (
            "data conclusione",
            "data di conclusione",
            "conclusione",
            "data chiusura",
            "data provvedimento",
            "data rilascio",
            "data esito",
            "data fine",
        ),
        "esito": ("esito", "esito finale", "esito procedimento", "esito pratica"),
        "conferenza": (
            "conferenza di servizi",
            "conferenza servizi",
            "cds",
            "conf servizi",
            "conferenza dei servizi",
        ),
        "oggetto": (
            "oggetto",
            "descrizione",
            "oggetto pratica",
            "oggetto istanza",
            "descrizione intervento",
            "intervento",
        ),
        "note": ("note", "annotazioni", "osservazioni"),
        "ambito": ("ambito", "settore", "area"),
        "sospensione_dal": (
            "sospensione dal",
            "sospensione inizio",
            "inizio sospensione",
            "data sospensione",
            "sospeso dal",
            "sospensione",
            "dal",
        ),
        "sospensione_al": (
            "sospensione al",
            "sospensione fine",
            "fine sospensione",
            "ripresa",
            "data ripresa",
            "sospeso al",
            "al",
        ),
    }.items()
    for key in words
}

_ORDINALS = {
    "1": "",
    "1a": "",
    "prima": "",
    "2": "2",
    "2a": "2",
    "ii": "2",
    "seconda": "2",
    "3": "3",
    "3a": "3",
    "iii": "3",
    "terza": "3",
}


def guess_field(header: str) -> str | None:
    """The field a header names, or None. Exact synonyms first, then keywords."""
    key = header_key(header)
    if not key:
        return None
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    words = key.split()
    has = set(words).__contains__
    if any(w.startswith("sospen") or w.startswith("sosp") for w in words):
        n = next((_ORDINALS[w] for w in words if w in _ORDINALS), "")
        end = has("al") or has("fine") or has("ripresa") or has("termine")
        return f"sospensione{n}_{'al' if end else 'dal'}"
    if has("istat"):
        return "istat"
    if has("data") or has("dt"):
        if any(
            w in words
            for w in ("conclusione", "chiusura", "provvedimento", "rilascio", "esito", "fine")
        ):
            return "conclusione"
        if any(
            w.startswith(p)
            for w in words
            for p in ("avvio", "present", "ricez", "prot", "arriv", "depos", "istanz", "inizio")
        ):
            return "avvio"
        return None
    if any(w.startswith("prot") for w in words):
        return "protocollo"
    if has("esito"):
        return "esito"
    if has("stato"):
        return "stato"
    if has("conferenza") or has("cds"):
        return "conferenza"
    if has("termine") or (has("giorni") and not has("trascorsi")):
        return "termine"
    if has("tipo") or has("tipologia") or has("procedimento"):
        return "tipo"
    if has("comune"):
        return "comune"
    if has("oggetto") or has("descrizione"):
        return "oggetto"
    if has("note"):
        return "note"
    return None


def column_letter(index: int) -> str:
    """0-based column index -> spreadsheet letter (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- header row -------------------------------------------------------------------------
@dataclass(slots=True)
class Header:
    """The header row found in a sheet: where it is and each column's title."""

    row: int  # 1-based row number of the (last) header row
    titles: list[str]  # one per column, "" where the header cell is empty
    data_start: int  # index (in the sheet's non-blank rows) of the first data row


def _score(cells: list[Any], extra: dict[str, str]) -> int:
    fields = set()
    for cell in cells:
        if isinstance(cell, str):
            key = header_key(cell)
            found = extra.get(key) or guess_field(cell)
            if found and found != IGNORE:
                fields.add(found)
    return len(fields)


def find_header(rows: list[tuple[int, list[Any]]], extra: dict[str, str] | None = None) -> Header:
    """The header among the first rows: the one naming most known fields.

    `extra` maps header keys the user mapped before (saved mappings) to fields, so a
    Comune's own odd headers count too. Raises DomainError when no row looks like one.
    """
    known = extra or {}
    best_index, best_score = -1, 0
    for index, (_, cells) in enumerate(rows[:40]):
        score = _score(cells, known)
        if score > best_score:
            best_index, best_score = index, score
    if best_score < 2:
        # No recognisable header: take the first row of mostly text as the header, so the
        # user can map its columns by hand.
        for index, (_, cells) in enumerate(rows[:40]):
            texts = [c for c in cells if isinstance(c, str) and c.strip()]
            if len(texts) >= 2 and len(texts) * 2 >= len([c for c in cells if c is not None]):
                best_index = index
                break
        else:
            raise DomainError(
                "Non trovo la riga di intestazione: il file deve avere una riga con i nomi "
                "delle colonne (es. «N. protocollo», «Tipo procedimento», «Data avvio»).",
                "file",
            )
    number, cells = rows[best_index]
    titles = ["" if c is None else str(c).strip() for c in cells]
    data_start = best_index + 1
    # A second header row right below ("Sospensione" over "dal" | "al"): fold it in.
    if data_start < len(rows):
        sub_number, sub = rows[data_start]
        texts = [c for c in sub if c is not None]
        if (
            sub_number == number + 1
            and texts
            and all(isinstance(c, str) for c in texts)
            and all(guess_field(c) or header_key(c) in known for c in texts)
            and _score(sub, known) >= 1
            and not _looks_like_data(sub)
        ):
            titles = _fold(titles, [None if c is None else str(c).strip() for c in sub])
            number, data_start = sub_number, data_start + 1
    return Header(number, titles, data_start)


def _looks_like_data(cells: list[Any]) -> bool:
    return any(not isinstance(c, str) for c in cells if c is not None)


def _fold(top: list[str], sub: list[str | None]) -> list[str]:
    width = max(len(top), len(sub))
    top = top + [""] * (width - len(top))
    sub = sub + [None] * (width - len(sub))
    out: list[str] = []
    parent = ""
    for title, below in zip(top, sub, strict=True):
        if title:
            parent = title
        if below:
            out.append(f"{parent} {below}".strip())
        else:
            out.append(title)
            if not title:
                parent = ""
    return out


# --- the mapping ----------------------------------------------------------------------------
@dataclass(slots=True)
class Mapping:
    """Which column holds which field. `columns[i]` is the field key of column i or None."""

    titles: list[str]
    columns: list[str | None]
    guessed: set[int] = field(default_factory=set)  # columns mapped by guess, not by the user

    def index_of(self, key: str) -> int | None:
        try:
            return self.columns.index(key)
        except ValueError:
            return None

    @property
    def fields(self) -> set[str]:
        return {c for c in self.columns if c}

    def missing(self, has_default_comune: bool) -> list[FieldSpec]:
        """Required fields with no column (the Comune is required unless given apart)."""
        have = self.fields
        out = [f for f in FIELDS if f.required and f.key not in have]
        if not has_default_comune and not have & {"istat", "comune"}:
            out.insert(0, FieldSpec("comune", "Comune o Codice ISTAT", True))
        return out

    def column_name(self, index: int) -> str:
        title = self.titles[index] if index < len(self.titles) else ""
        letter = column_letter(index)
        return f"{title} ({letter})" if title else f"colonna {letter}"

    def saved_form(self) -> dict[str, str]:
        """{header key: field or ""} for the columns that have a title (to remember)."""
        out: dict[str, str] = {}
        for title, fld in zip(self.titles, self.columns, strict=False):
            key = header_key(title)
            if key and key not in out:
                out[key] = fld or ""
        return out


def build_mapping(
    titles: list[str],
    saved: dict[str, str] | None = None,
    overrides: dict[str, str] | None = None,
) -> Mapping:
    """Guess each column's field; saved choices win over guesses, overrides over both.

    `saved` is {header key: field or ""} as remembered for the Comune; `overrides` comes
    from `parse_overrides` ({column index as str or header key: field or ""}).
    """
    saved = saved or {}
    overrides = overrides or {}
    columns: list[str | None] = []
    rank: list[int] = []  # 0 = the user's choice, 1 = exact synonym, 2 = keyword guess
    for index, title in enumerate(titles):
        key = header_key(title)
        by_index = overrides.get(f"#{index}")
        if by_index is not None or key in overrides:
            chosen = by_index if by_index is not None else overrides[key]
            columns.append(chosen or None)
            rank.append(0)
        elif key and key in saved:
            columns.append(saved[key] or None)
            rank.append(0)
        else:
            columns.append(guess_field(title))
            rank.append(1 if key in _SYNONYMS else 2)
    # A field sits in one column only: the user's choice, else the best guess, else the
    # leftmost; the other columns stay unmapped (and are listed as ignored).
    best: dict[str, int] = {}
    for index, fld in enumerate(columns):
        if fld and (fld not in best or rank[index] < rank[best[fld]]):
            best[fld] = index
    for index, fld in enumerate(columns):
        if fld and best[fld] != index:
            columns[index] = None
    guessed = {i for i, fld in enumerate(columns) if fld and rank[i] > 0}
    return Mapping(list(titles), columns, guessed)


def parse_field(text: str) -> str:
    """A field as the user names it (key or label, accents and case ignored); "" = ignore."""
    key = header_key(text)
    if key in ("", IGNORE, "nessuno", "niente", "no"):
        return ""
    for spec in FIELDS:
        if key in (header_key(spec.key), header_key(spec.label)):
            return spec.key
    found = guess_field(text)
    if found:
        return found
    names = ", ".join(f.key for f in FIELDS)
    raise DomainError(
        f"Campo sconosciuto: «{text}». Campi: {names}, oppure «{IGNORE}» per non importare "
        "la colonna.",
        "mappa",
    )


def parse_overrides(pairs: list[str], titles: list[str]) -> dict[str, str]:
    """--mappa "COLONNA=campo" pairs -> overrides for build_mapping.

    COLONNA is a header as written in the file (accents and case ignored) or a column
    letter (A, B, ... AA); campo a field key or label, or "ignora".
    """
    keys = [header_key(t) for t in titles]
    out: dict[str, str] = {}
    for pair in pairs:
        column, sep, fld = pair.partition("=")
        if not sep or not column.strip():
            raise DomainError(
                f"--mappa «{pair}» non valido: scrivi COLONNA=campo, es. "
                '--mappa "Prot. gen.=protocollo".',
                "mappa",
            )
        wanted = header_key(column)
        chosen = parse_field(fld)
        if wanted in keys:
            out[wanted] = chosen
            continue
        letter = column.strip().upper()
        if re.fullmatch(r"[A-Z]{1,3}", letter):
            index = 0
            for ch in letter:
                index = index * 26 + (ord(ch) - 64)
            if index - 1 < max(len(titles), 1):
                out[f"#{index - 1}"] = chosen
                continue
        shown = ", ".join(f"«{t}»" for t in titles if t) or "(nessuna intestazione)"
        raise DomainError(
            f"--mappa: nel file non c'è la colonna «{column.strip()}». Colonne: {shown}.",
            "mappa",
        )
    return out
