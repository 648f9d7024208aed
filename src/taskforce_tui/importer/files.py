"""Reading a spreadsheet safely: what the file is, the checks, then the cells of a sheet.

The kind of file is decided by its content, not by its name: a renamed binary, an old
.xls, a PDF or a Word document is named for what it is. The file is read into memory
once (it is capped) so what is checked is exactly what is parsed. XLSX and ODS are ZIP
archives: before openpyxl or odfpy opens one, the member count, every member's
uncompressed size and compression ratio (zip bombs) and the CRCs (truncated or damaged
files) are checked. XML is parsed with defusedxml (openpyxl and odfpy both use it when
installed), so entity bombs and external entities are refused. Rows and columns are
capped while reading. Every refusal is an `ImportFileError` with an Italian message
that says what to do.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import warnings
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Final

from taskforce_tui.domain.errors import DomainError

#: Largest file accepted (a 50,000-row XLSX is about 3 MB, the same as CSV about 10 MB).
MAX_FILE_BYTES: Final = 100 * 1024 * 1024
#: Largest uncompressed member of an XLSX/ODS, and all members together.
MAX_MEMBER_BYTES: Final = 256 * 1024 * 1024
MAX_TOTAL_BYTES: Final = 384 * 1024 * 1024
#: Compression ratio above which a member larger than RATIO_FLOOR is a zip bomb. Real
#: sheets compress 5-30 times (a sheet of identical cells a few hundred times); deflate
#: tops out near 1000:1, which only bombs reach at this size. The absolute caps above
#: are what bounds the work whatever the ratio.
MAX_RATIO: Final = 500
RATIO_FLOOR: Final = 8 * 1024 * 1024
MAX_MEMBERS: Final = 5000
#: Non-blank rows and used columns a sheet may have.
MAX_ROWS: Final = 200_000
MAX_COLUMNS: Final = 256
#: Cells parsed in all (blank ones included): a bound on work whatever the file says.
MAX_CELLS: Final = 20_000_000

SUPPORTED = (".xlsx", ".xlsm", ".csv", ".txt", ".ods")

Cell = str | int | float | bool | date | datetime | time | None


class ImportFileError(DomainError):
    """The file cannot be read as a spreadsheet of practices (nothing is written)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "file")


@dataclass(frozen=True, slots=True)
class Formula:
    """A cell holding a formula: the importer reads values, never computes formulas."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(slots=True)
class Sheet:
    """The non-blank rows of one sheet, each with its 1-based row number in the file."""

    name: str
    rows: list[tuple[int, list[Any]]]


class Source(ABC):
    """A file opened for import: its kind, what was noticed reading it, its sheets.

    Use as a context manager (an XLSX workbook stays open between `head` and `read`).
    """

    kind = ""

    def __init__(self, path: Path, description: str, sheet_names: list[str]) -> None:
        self.path = path
        self.description = description
        self.sheet_names = sheet_names
        self._heads: dict[str, list[tuple[int, list[Any]]]] = {}

    def head(self, sheet: str, rows: int = 40) -> list[tuple[int, list[Any]]]:
        """The first non-blank rows of a sheet (to find its header), cheaply."""
        if sheet not in self._heads:
            self._heads[sheet] = self._rows(sheet, rows, None)
        return self._heads[sheet]

    def read(self, sheet: str, progress: Callable[[float], None] | None = None) -> Sheet:
        """Every non-blank row of the sheet (capped), reporting progress from 0 to 1."""
        return Sheet(sheet, self._rows(sheet, None, progress))

    @abstractmethod
    def _rows(
        self, sheet: str, limit: int | None, progress: Callable[[float], None] | None
    ) -> list[tuple[int, list[Any]]]:
        """Non-blank rows of a sheet, at most `limit` of them."""

    def close(self) -> None:  # noqa: B027 - most kinds keep nothing open
        """Release what the reader keeps open (nothing for most kinds)."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _size_text(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


# --- what the file is --------------------------------------------------------------------
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_SIGNS: Final = (
    (b"%PDF", "un documento PDF"),
    (b"\x89PNG", "un'immagine PNG"),
    (b"\xff\xd8\xff", "un'immagine JPEG"),
    (b"GIF8", "un'immagine GIF"),
    (b"MZ", "un programma Windows"),
    (b"\x7fELF", "un programma"),
    (b"\x1f\x8b", "un archivio compresso gzip"),
    (b"Rar!", "un archivio RAR"),
    (b"7z\xbc\xaf", "un archivio 7-Zip"),
    (b"{\\rtf", "un documento RTF"),
)


def open_source(path: Path) -> Source:
    """Open a file for import, checking what it really is. Raises ImportFileError."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImportFileError(f"Il file {path} non esiste: controlla il percorso.") from None
    except OSError as exc:
        raise ImportFileError(f"Non riesco a leggere {path}: {exc.strerror or exc}.") from None
    if path.is_dir():
        raise ImportFileError(f"{path} è una cartella: indica il file da importare.")
    if size == 0:
        raise ImportFileError(f"Il file {name} è vuoto.")
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            f"Il file {name} è troppo grande ({_size_text(size)}; il massimo è "
            f"{_size_text(MAX_FILE_BYTES)}): dividilo in più file."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Non riesco a leggere {path}: {exc.strerror or exc}.") from None
    if data.startswith(_OLE2):
        raise ImportFileError(
            f"{name} è un file Excel nel vecchio formato .xls oppure è protetto da password: "
            "aprilo in Excel, togli l'eventuale password e salvalo come «Cartella di lavoro "
            "di Excel (.xlsx)», poi importa il nuovo file."
        )
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _open_zip(path, data)
    for sign, what in _BINARY_SIGNS:
        if data.startswith(sign):
            raise ImportFileError(
                f"{name} non è un foglio di calcolo: è {what}. Importa il file .xlsx, .csv "
                "o .ods esportato dal gestionale del Comune."
            )
    if _looks_binary(data):
        raise ImportFileError(
            f"{name} non è un foglio di calcolo leggibile: il contenuto è binario (forse un "
            "file rinominato) e non è né XLSX, né ODS, né CSV. Esporta di nuovo l'elenco dal "
            "programma del Comune in uno di questi formati."
        )
    start = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        raise ImportFileError(
            f"{name} è una pagina HTML o XML, non un foglio di calcolo (alcuni gestionali "
            "la salvano con estensione .xls): aprila in Excel e salvala come .xlsx, poi "
            "importa il nuovo file."
        )
    return _CsvSource(path, data)


# --- ZIP containers: checks before any parser ----------------------------------------------
def _open_zip(path: Path, data: bytes) -> Source:
    name = path.name
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ImportFileError(
            f"{name} è incompleto o danneggiato: l'archivio non si apre (forse la copia o lo "
            "scaricamento si è interrotto). Scarica o copia di nuovo il file e riprova."
        ) from None
    with archive:
        _check_archive(archive, name)
        names = set(archive.namelist())
        mimetype = ""
        if "mimetype" in names:
            mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
        if mimetype.startswith("application/vnd.oasis.opendocument.spreadsheet"):
            _check_prologs(archive, name)
            return _OdsSource(path, data)
        if "xl/workbook.xml" in names:
            _check_prologs(archive, name)
            return _XlsxSource(path, data)
        if mimetype.startswith("application/vnd.oasis.opendocument"):
            what = "un documento OpenDocument che non è un foglio di calcolo"
        elif "word/document.xml" in names:
            what = "un documento Word"
        elif "ppt/presentation.xml" in names:
            what = "una presentazione PowerPoint"
        else:
            what = "un archivio ZIP che non contiene un foglio di calcolo"
    raise ImportFileError(
        f"{name} non è un foglio di calcolo: è {what}. Importa il file .xlsx, .csv o .ods "
        "esportato dal gestionale del Comune."
    )


def _check_archive(archive: zipfile.ZipFile, name: str) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ImportFileError(
            f"{name} contiene {len(members)} elementi interni: troppi per un foglio di "
            "calcolo. Il file non è stato importato."
        )
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise ImportFileError(f"{name} è protetto da password: salvalo senza password.")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER_BYTES or (
            info.file_size > RATIO_FLOOR and ratio > MAX_RATIO
        ):
            raise ImportFileError(
                f"{name} non è stato aperto: una volta decompresso diventerebbe "
                f"{_size_text(info.file_size)} (compressione {ratio:.0f}:1), come una «zip "
                "bomb». Se il file viene davvero dal Comune, aprilo in Excel o LibreOffice, "
                "elimina il superfluo e salvalo di nuovo."
            )
    if total > MAX_TOTAL_BYTES:
        raise ImportFileError(
            f"{name} non è stato aperto: decompresso occuperebbe {_size_text(total)} (il "
            f"massimo è {_size_text(MAX_TOTAL_BYTES)}). Dividilo in più file."
        )
    try:
        bad = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError):
        bad = "?"
    if bad is not None:
        raise ImportFileError(
            f"{name} è danneggiato o incompleto (controllo di integrità fallito"
            + (f" su {bad}" if bad != "?" else "")
            + "). Scarica o copia di nuovo il file e riprova."
        )


def _damaged(name: str, exc: BaseException) -> ImportFileError:
    detail = str(exc).strip()
    if "Forbidden" in type(exc).__name__ or "forbidden" in detail.lower():
        return ImportFileError(
            f"{name} contiene costrutti XML non ammessi (entità o DTD): per sicurezza non "
            "viene letto. Aprilo in Excel o LibreOffice e salvalo di nuovo."
        )
    return ImportFileError(
        f"{name} è danneggiato e non si può leggere"
        + (f" ({detail[:120]})" if detail else "")
        + ". Aprilo in Excel o LibreOffice, salvalo di nuovo e riprova."
    )


class _Budget:
    """Counts rows and cells while reading and refuses a sheet past the caps."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = 0
        self.cells = 0

    def cells_seen(self, n: int) -> None:
        self.cells += n
        if self.cells > MAX_CELLS:
            raise ImportFileError(
                f"{self.name} ha troppe celle (oltre {MAX_CELLS:,}) per essere un elenco di "
                "pratiche: elimina righe e colonne vuote o superflue e riprova.".replace(",", ".")
            )

    def row(self, number: int, cells: list[Any]) -> list[Any] | None:
        """Trim trailing blanks; None for a blank row; refuse too many columns or rows."""
        last = len(cells)
        while last and _blank(cells[last - 1]):
            last -= 1
        if not last:
            return None
        if last > MAX_COLUMNS:
            raise ImportFileError(
                f"{self.name}: la riga {number} ha dati fino alla colonna {last} (il massimo "
                f"è {MAX_COLUMNS}). Un elenco di pratiche non ha così tante colonne: elimina "
                "quelle in più (o controlla che sia il file giusto) e riprova."
            )
        self.rows += 1
        if self.rows > MAX_ROWS:
            raise ImportFileError(
                f"{self.name} ha più di {MAX_ROWS:,} righe: dividilo in più file.".replace(",", ".")
            )
        return list(cells[:last])


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- XLSX (openpyxl, read-only) -------------------------------------------------------
def _use_stdlib_xml_if_safe() -> None:
    """Let openpyxl parse with the C-accelerated standard library parser (about 25%
    faster than defusedxml's pure-Python one) when the expat it links is immune to
    entity expansion bombs (2.4.1 and later). The standard parser never fetches external
    entities, and every XML member's prolog is checked for a DTD before parsing
    (`_check_prologs`). Decided before openpyxl is first imported; an explicit
    OPENPYXL_DEFUSEDXML setting is respected."""
    import pyexpat

    if "openpyxl" in sys.modules or "OPENPYXL_DEFUSEDXML" in os.environ:
        return
    version = tuple(int(p) for p in pyexpat.version_info)
    if version >= (2, 4, 1):
        os.environ["OPENPYXL_DEFUSEDXML"] = "False"


_PROLOG = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->)", re.DOTALL)


def _check_prologs(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse any XML member that declares a DTD (entities) before its root element."""
    for info in archive.infolist():
        if not info.filename.endswith((".xml", ".rels")):
            continue
        with archive.open(info) as member:
            head = member.read(65536)
        pos = 0
        while True:
            match = _PROLOG.match(head, pos)
            if match is None:
                break
            pos = match.end()
        rest = head[pos:].lstrip()
        if rest.startswith(b"<!") or (not rest and len(head) == 65536):
            raise ImportFileError(
                f"{name} contiene costrutti XML non ammessi (DTD o entità): per sicurezza non "
                "viene letto. Aprilo in Excel o LibreOffice e salvalo di nuovo."
            )


class _XlsxSource(Source):
    kind = "xlsx"

    def __init__(self, path: Path, data: bytes) -> None:
        _use_stdlib_xml_if_safe()
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self._wb = openpyxl.load_workbook(
                    io.BytesIO(data), read_only=True, data_only=False, keep_links=False
                )
            except Exception as exc:  # openpyxl raises many kinds on broken parts
                raise _damaged(path.name, exc) from None
        sheets = [ws.title for ws in self._wb.worksheets]
        if not sheets:
            self._wb.close()
            raise ImportFileError(f"{path.name} non contiene fogli di lavoro.")
        super().__init__(path, "Excel (.xlsx)", sheets)

    def close(self) -> None:
        self._wb.close()

    def _rows(
        self, sheet: str, limit: int | None, progress: Callable[[float], None] | None
    ) -> list[tuple[int, list[Any]]]:
        name = self.path.name
        ws = self._wb[sheet]
        expected = ws.max_row or 0
        ws.reset_dimensions()  # never pad rows to a (possibly huge) declared width
        budget = _Budget(name)
        out: list[tuple[int, list[Any]]] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                for number, values in enumerate(
                    ws.iter_rows(min_row=1, min_col=1, values_only=True), start=1
                ):
                    budget.cells_seen(len(values) + 1)
                    cells = budget.row(number, [_xlsx_cell(v) for v in values])
                    if cells is not None:
                        out.append((number, cells))
                        if limit is not None and len(out) >= limit:
                            break
                    if progress is not None and number % 2000 == 0 and expected:
                        progress(min(number / expected, 0.99))
            except ImportFileError:
                raise
            except Exception as exc:  # a damaged sheet fails in the XML parser or openpyxl
                raise _damaged(name, exc) from None
        return out


_PLAIN_CELLS = frozenset({int, float, bool, date, datetime, time, type(None)})


def _xlsx_cell(value: Any) -> Any:
    # runs once per cell (600,000 times for a 50,000-row file): exact types first
    kind = type(value)
    if kind is str:
        return Formula(value) if value.startswith("=") and len(value) > 1 else value
    if kind in _PLAIN_CELLS:
        return value
    if isinstance(value, str):  # a subclass of str: as the plain string
        return _xlsx_cell(str(value))
    if isinstance(value, int | float | bool | date | datetime | time):
        return value
    return str(value)  # rich text, timedelta...: their text


# --- ODS (odfpy) ------------------------------------------------------------------------
class _OdsSource(Source):
    kind = "ods"

    def __init__(self, path: Path, data: bytes) -> None:
        name = path.name
        try:
            from odf.opendocument import load
            from odf.table import Table

            doc = load(io.BytesIO(data))
            self._tables = {
                str(t.getAttribute("name")): t for t in doc.spreadsheet.getElementsByType(Table)
            }
        except Exception as exc:  # odfpy raises many kinds on broken documents
            raise _damaged(name, exc) from None
        if not self._tables:
            raise ImportFileError(f"{name} non contiene fogli di lavoro.")
        super().__init__(path, "OpenDocument (.ods)", list(self._tables))

    def _rows(
        self, sheet: str, limit: int | None, progress: Callable[[float], None] | None
    ) -> list[tuple[int, list[Any]]]:
        out: list[tuple[int, list[Any]]] = []
        try:
            for item in _ods_rows(self._tables[sheet], self.path.name, progress):
                out.append(item)
                if limit is not None and len(out) >= limit:
                    break
        except ImportFileError:
            raise
        except Exception as exc:
            raise _damaged(self.path.name, exc) from None
        return out


def _ods_rows(
    table: Any, name: str, progress: Callable[[float], None] | None
) -> Iterator[tuple[int, list[Any]]]:
    from odf.namespaces import TABLENS
    from odf.table import TableRow

    budget = _Budget(name)
    rows = table.getElementsByType(TableRow)
    number = 0
    for index, row in enumerate(rows):
        repeat = _int_attr(row, TABLENS, "number-rows-repeated")
        cells = _ods_cells(row, budget, name)
        if cells is None:
            number += repeat  # blank rows, however many the file declares
            continue
        for _ in range(min(repeat, MAX_ROWS + 1)):
            number += 1
            kept = budget.row(number, cells)
            if kept is not None:
                yield number, kept
        if progress is not None and index % 500 == 0:
            progress(min(index / max(len(rows), 1), 0.99))


def _int_attr(element: Any, ns: str, attr: str) -> int:
    raw = element.attributes.get((ns, attr))
    try:
        return max(int(raw), 1) if raw else 1
    except ValueError:
        return 1


def _ods_cells(row: Any, budget: _Budget, name: str) -> list[Any] | None:
    """The row's values, repeated cells expanded; None if the row is blank."""
    from odf.namespaces import TABLENS

    out: list[Any] = []
    pending_blanks = 0
    for cell in row.childNodes:
        if cell.qname[0] != TABLENS or cell.qname[1] not in ("table-cell", "covered-table-cell"):
            continue
        repeat = _int_attr(cell, TABLENS, "number-columns-repeated")
        value = _ods_value(cell)
        if _blank(value):
            pending_blanks += repeat  # trailing blanks (often thousands) never materialise
            continue
        if len(out) + pending_blanks + repeat > MAX_COLUMNS:
            raise ImportFileError(
                f"{name}: una riga ha dati oltre la colonna {MAX_COLUMNS}. Un elenco di "
                "pratiche non ha così tante colonne: elimina quelle in più e riprova."
            )
        out.extend([None] * pending_blanks)
        pending_blanks = 0
        out.extend([value] * repeat)
        budget.cells_seen(repeat)
    return out or None


def _ods_value(cell: Any) -> Any:
    from odf.namespaces import OFFICENS, TABLENS, TEXTNS

    attrs = cell.attributes
    formula = attrs.get((TABLENS, "formula"))
    if formula:
        text = str(formula)
        return Formula("=" + text.split(":=", 1)[-1] if ":=" in text else text)
    kind = attrs.get((OFFICENS, "value-type"))
    if kind in ("float", "percentage", "currency"):
        raw = attrs.get((OFFICENS, "value"))
        if raw is not None:
            number = float(raw)
            return int(number) if number.is_integer() else number
    elif kind == "date":
        raw = str(attrs.get((OFFICENS, "date-value")) or "")
        if raw:
            return datetime.fromisoformat(raw) if "T" in raw else date.fromisoformat(raw[:10])
    elif kind == "boolean":
        return str(attrs.get((OFFICENS, "boolean-value"))).lower() == "true"
    paragraphs = [
        _odf_text(p) for p in cell.childNodes if p.qname == (TEXTNS, "p") or p.qname[1] == "h"
    ]
    text = "\n".join(paragraphs)
    return text if text.strip() else None


def _odf_text(element: Any) -> str:
    from odf import teletype

    return str(teletype.extractText(element))


# --- CSV (Italian Excel exports) ------------------------------------------------------------
_DELIMITERS = (";", "\t", ",", "|")
_DELIMITER_NAMES = {";": "punto e virgola", "\t": "tabulazione", ",": "virgola", "|": "barra"}


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters near the start: not text (UTF-16 aside)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in data[:65536]:
        return True
    head = data[:4096]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(head) // 20


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "UTF-8 con BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "ISO-8859-1"


def _sniff(text: str) -> str:
    lines = [line for line in text.splitlines()[:60] if line.strip()]
    best, best_score = ";", (-1, -1)
    for delimiter in _DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        if modal < 2:
            continue
        score = (counts.count(modal), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class _CsvSource(Source):
    kind = "csv"

    def __init__(self, path: Path, data: bytes) -> None:
        text, encoding = _decode(data, path.name)
        self._text = text
        self._delimiter = _sniff(text)
        description = f"CSV ({encoding}, separatore {_DELIMITER_NAMES[self._delimiter]})"
        if path.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
            description += f" - attenzione: il file ha estensione {path.suffix} ma è un CSV"
        super().__init__(path, description, [path.stem])

    def _rows(
        self, sheet: str, limit: int | None, progress: Callable[[float], None] | None
    ) -> list[tuple[int, list[Any]]]:
        name = self.path.name
        budget = _Budget(name)
        out: list[tuple[int, list[Any]]] = []
        reader = csv.reader(
            io.StringIO(self._text, newline=""), delimiter=self._delimiter, strict=False
        )
        total = max(self._text.count("\n"), 1)
        try:
            for number, values in enumerate(reader, start=1):
                budget.cells_seen(len(values) + 1)
                cells = budget.row(number, [_csv_cell(v) for v in values])
                if cells is not None:
                    out.append((number, cells))
                    if limit is not None and len(out) >= limit:
                        break
                if progress is not None and number % 5000 == 0:
                    progress(min(reader.line_num / total, 0.99))
        except csv.Error as exc:
            raise ImportFileError(
                f"{name}: il CSV non è leggibile alla riga {reader.line_num} ({exc}). "
                "Controlla le virgolette o esporta di nuovo il file."
            ) from None
        return out


#: A CSV value a spreadsheet would compute: "=" then a function call (SUM(, _xlfn.X(),
#: a DDE call (cmd|), a cell or range reference (A1, $B$2, A1:C3, Foglio1!A1,
#: 'Foglio 1'!A1) or a number with an operator (=10*3, =-(2+3)), optionally after signs
#: and brackets. "=== RINNOVO ===", "= variante", "=2 varianti" are text (docs/import.md).
_CSV_FORMULA: Final = re.compile(
    r"""=\s*[-+(\s]*(?:
        [A-Za-z_][\w.]*[(|]
      | (?:(?:'[^']+'|[A-Za-z_][\w.]*)!)?\$?[A-Za-z]{1,3}\$?\d+(?![\w.(])
      | \d+(?:[.,]\d+)?\s*(?:[-+*/^&%<>=)]|$)
    )""",
    re.VERBOSE,
)


def _csv_cell(value: str) -> str | Formula | None:
    """A CSV value. A CSV has no formulas, but a value that is clearly one was typed as
    one (Excel exports values): it is a Formula; any other "=..." is text."""
    if not value.strip():
        return None
    if value.startswith("=") and _CSV_FORMULA.match(value):
        return Formula(value)
    return value
