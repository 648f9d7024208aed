"""Spreadsheets made in the tests, as the Comuni's programs write them, and store snapshots."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

from taskforce_tui.importer.files import Formula
from taskforce_tui.store.db import Store

HEADER = [
    "Codice ISTAT",
    "Tipo procedimento",
    "N. protocollo",
    "Data avvio",
    "Termine (gg)",
    "Stato",
    "Data conclusione",
    "Esito",
    "Conferenza di servizi",
    "Sospensione dal",
    "al",
    "Oggetto",
]


def row(
    protocol: str = "100/2026",
    *,
    istat: Any = "016024",
    tipo: Any = "SCIA",
    avvio: Any = None,
    termine: Any = 30,
    stato: Any = "aperta",
    conclusione: Any = None,
    esito: Any = None,
    conferenza: Any = "no",
    sosp_dal: Any = None,
    sosp_al: Any = None,
    oggetto: Any = "Ampliamento",
) -> list[Any]:
    return [
        istat,
        tipo,
        protocol,
        avvio if avvio is not None else datetime(2026, 3, 2),
        termine,
        stato,
        conclusione,
        esito,
        conferenza,
        sosp_dal,
        sosp_al,
        oggetto,
    ]


def write_xlsx(
    path: Path,
    rows: list[list[Any]],
    *,
    header: list[str] | None = None,
    title: str | None = "Elenco pratiche SUAP",
    sheet: str = "Pratiche",
    extra_sheets: tuple[str, ...] = (),
) -> Path:
    """An XLSX with a merged title row and a blank row above the header (openpyxl)."""
    import openpyxl

    wb = openpyxl.Workbook()
    for name in extra_sheets:
        other = wb.create_sheet(name)
        other.append(["Istruzioni per la compilazione"])
    ws = wb.active
    ws.title = sheet
    columns = header or HEADER
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
        ws.append([])
    ws.append(columns)
    for values in rows:
        ws.append(values)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, datetime | date):
                cell.number_format = "DD/MM/YYYY"
    ws.append([])  # blank trailing rows, formatted but empty
    ws.cell(row=ws.max_row + 3, column=2).number_format = "DD/MM/YYYY"
    wb.save(path)
    return path


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return str(value)


def write_csv(
    path: Path,
    rows: list[list[Any]],
    *,
    header: list[str] | None = None,
    encoding: str = "cp1252",
    delimiter: str = ";",
) -> Path:
    """A CSV as Excel saves it in the Italian locale (semicolons, CRLF, decimal comma)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header or HEADER)
    for values in rows:
        writer.writerow([_csv_value(v) for v in values])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_ods(path: Path, rows: list[list[Any]], *, header: list[str] | None = None) -> Path:
    """An ODS (odfpy) with a title row, typed cells and repeated empty cells and rows; a
    `Formula` is written as a formula cell (with 0 as its last computed value)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Pratiche")

    def add(values: list[Any]) -> None:
        tr = TableRow()
        for value in values:
            if value is None:
                tr.addElement(TableCell())
                continue
            if isinstance(value, Formula):
                cell = TableCell(valuetype="float", value="0", formula="of:" + value.text)
            elif isinstance(value, bool):
                cell = TableCell(valuetype="boolean", booleanvalue=str(value).lower())
            elif isinstance(value, datetime | date):
                day = value.date() if isinstance(value, datetime) else value
                cell = TableCell(valuetype="date", datevalue=day.isoformat())
                cell.addElement(P(text=day.strftime("%d/%m/%Y")))
            elif isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=str(value))
                cell.addElement(P(text=str(value)))
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(value)))
            tr.addElement(cell)
        tr.addElement(TableCell(numbercolumnsrepeated=1000))  # LibreOffice pads rows
        table.addElement(tr)

    add(["Pratiche del Comune"])
    add(header or HEADER)
    for values in rows:
        add(values)
    blank = TableRow(numberrowsrepeated=100000)
    blank.addElement(TableCell(numbercolumnsrepeated=1024))
    table.addElement(blank)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Everything an import could write: synced tables, the op log, the local tables."""
    with store.read() as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in (
                "practice",
                "suspension",
                "oplog",
                "field_version",
                "import_record",
                "import_mapping",
                "replica",
            )
        }
