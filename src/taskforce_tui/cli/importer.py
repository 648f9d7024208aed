"""`taskforce import pratiche FILE`: a Comune's spreadsheet of practices into the store.

Exit status: 0 imported (or nothing to import, or a --prova preview); 1 not confirmed
(the user said no, or stdin is not interactive and --conferma is missing); 2 bad input
(unreadable or hostile file, columns that cannot be mapped, no valid row) - and then
nothing is written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskforce_tui.cli.base import (
    Context,
    FreeText,
    FreeTextList,
    date_arg,
    emit_table,
    say,
    warn,
)
from taskforce_tui.domain.errors import DomainError

if TYPE_CHECKING:
    from taskforce_tui.importer.service import ImportSession

#: Rejected rows printed before "... and N more" (all of them go in the --scarti file).
SHOWN_REJECTIONS = 30
_NEXT_TO_SOURCE = "\0accanto"


def register(sub: Any) -> None:
    p = sub.add_parser("import", help="importa i fogli di calcolo dei Comuni")
    isub = p.add_subparsers(dest="import_command", metavar="COSA", required=True)
    a = isub.add_parser(
        "pratiche",
        help="importa le pratiche da un file .xlsx, .csv o .ods del Comune",
        description=(
            "Importa le pratiche dal foglio di calcolo di un Comune (.xlsx, .csv, .ods).\n"
            "Mostra l'anteprima (nuove, aggiornate, invariate, scartate) e chiede conferma\n"
            "prima di scrivere. Una pratica è riconosciuta da Comune, tipo e protocollo:\n"
            "importare di nuovo lo stesso file non cambia nulla.\n\n"
            "Campi per --mappa: istat, comune, tipo, protocollo, avvio, termine, stato,\n"
            "conclusione, esito, conferenza, oggetto, note, ambito, sospensione_dal,\n"
            "sospensione_al (e sospensione2_dal ... sospensione3_al), oppure «ignora».\n\n"
            "Uscita: 0 importato (o niente da importare, o --prova); 1 non confermato;\n"
            "2 file o dati non validi (nulla è stato scritto)."
        ),
    )
    a.add_argument("file", type=Path, metavar="FILE", help="il file .xlsx, .csv o .ods")
    a.add_argument("--comune", help="Comune del file (codice ISTAT o nome), se non ha la colonna")
    a.add_argument(
        "--foglio", action=FreeText, help="foglio di lavoro da leggere (di default quello giusto)"
    )
    a.add_argument("--prova", action="store_true", help="mostra l'anteprima senza scrivere nulla")
    a.add_argument("--conferma", action="store_true", help="importa senza chiedere conferma")
    a.add_argument(
        "--mappa",
        action=FreeTextList,
        default=[],
        metavar="COLONNA=campo",
        help='associa una colonna a un campo (ripetibile), es. --mappa "Prot. gen.=protocollo"',
    )
    a.add_argument(
        "--scarti",
        nargs="?",
        const=_NEXT_TO_SOURCE,
        type=str,
        metavar="FILE",
        help="salva le righe scartate in un CSV (senza FILE: accanto al file importato)",
    )
    a.add_argument(
        "--conflitti",
        choices=("app", "file"),
        help="per le pratiche modificate nell'app: tieni il valore dell'app o prendi quello "
        "del file (di default chiede; senza terminale tiene l'app)",
    )
    a.set_defaults(handler=cmd_import_pratiche)

    b = isub.add_parser(
        "interventi",
        help="importa interventi e dati di monitoraggio delle Aree Interne (anche OpenCoesione)",
        description=(
            "Importa gli interventi delle Aree Interne da un file .xlsx, .csv o .ods, anche\n"
            "l'esportazione dei progetti di OpenCoesione (colonne CUP, OC_TITOLO_PROGETTO,\n"
            "OC_FINANZ_TOT_PUB_NETTO, IMPEGNI, TOT_PAGAMENTI, OC_STATO_PROGETTO, date,\n"
            "COD_COMUNE; le altre colonne sono ignorate). Impegni e pagamenti diventano un\n"
            "aggiornamento con la data indicata da --al: un file successivo aggiunge il suo,\n"
            "senza cancellare la storia. Importare di nuovo lo stesso file non cambia nulla.\n\n"
            "Uscita: 0 importato (o niente da importare, o --prova); 1 non confermato;\n"
            "2 file o dati non validi (nulla è stato scritto)."
        ),
    )
    b.add_argument("file", type=Path, metavar="FILE", help="il file .xlsx, .csv o .ods")
    b.add_argument(
        "--al", type=date_arg, metavar="DATA", help="data dei dati di monitoraggio (default oggi)"
    )
    b.add_argument("--area", metavar="CODICE", help="area degli interventi, se il file non la dice")
    b.add_argument("--prova", action="store_true", help="mostra l'anteprima senza scrivere nulla")
    b.add_argument("--conferma", action="store_true", help="importa senza chiedere conferma")
    b.add_argument(
        "--scarti",
        nargs="?",
        const=_NEXT_TO_SOURCE,
        type=str,
        metavar="FILE",
        help="salva le righe scartate in un CSV (senza FILE: accanto al file importato)",
    )
    b.add_argument(
        "--mappa",
        action=FreeTextList,
        default=[],
        metavar="COLONNA=campo",
        help='associa una colonna a un campo (ripetibile), es. --mappa "Codice progetto=cup"',
    )
    b.add_argument("--json", action="store_true", help="anteprima ed esito in JSON")
    b.set_defaults(handler=cmd_import_interventi)


def _interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _ask(question: str) -> bool:
    """A yes/no question on the terminal; anything but "s"/"si"/"sì" is no."""
    sys.stdout.write(question)
    sys.stdout.flush()
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        return False
    return answer.strip().lower() in ("s", "si", "sì", "y", "yes")


def _progress() -> Any:
    if not sys.stderr.isatty():
        return None
    state = {"last": ""}

    def show(phase: str, fraction: float) -> None:
        line = f"\r{phase}: {fraction:4.0%}"
        if line != state["last"]:
            state["last"] = line
            sys.stderr.write(line + ("\n" if fraction >= 1 else ""))
            sys.stderr.flush()

    return show


def cmd_import_pratiche(ctx: Context) -> int:
    from taskforce_tui.importer.service import ImportSession, applied_text

    args = ctx.args
    session = ImportSession(
        ctx.store, args.file, comune=args.comune, sheet=args.foglio, overrides=args.mappa
    )
    session.load(_progress())
    _print_source(session)
    if session.missing:
        raise DomainError(_missing_message(session))
    _print_preview(session)
    if args.scarti is not None and session.rejections:
        target = None if args.scarti == _NEXT_TO_SOURCE else Path(args.scarti)
        saved = session.save_rejections(target)
        say(f"Righe scartate salvate in {saved}")
    elif session.rejections:
        say("Per salvare le righe scartate: --scarti (accanto al file) o --scarti FILE.")
    counts = session.counts()
    valid = counts["nuove"] + counts["aggiornate"] + counts["invariate"]
    if not valid:
        raise DomainError(
            "Nessuna riga valida da importare: correggi le righe scartate nel file e riprova. "
            "Non è stato scritto nulla."
        )
    if args.prova:
        say("Prova: nessuna modifica salvata.")
        return 0
    if session.conflicts:
        _resolve_conflicts(session, args.conflitti, args.conferma)
        counts = session.counts()
    if not session.plan.has_writes:
        say("Nessuna modifica da importare: le pratiche sono già aggiornate.")
        return 0
    if not args.conferma:
        question = (
            f"Importare {counts['nuove']} nuove pratiche e aggiornarne {counts['aggiornate']}? "
            "[s/N] "
        )
        if not _interactive() or not _ask(question):
            if not _interactive():
                warn(
                    "Importazione non confermata (nessun terminale per chiedere): usa --conferma "
                    "per importare senza domanda. Nessuna modifica salvata."
                )
            else:
                say("Importazione annullata: nessuna modifica salvata.")
            return 1
    result = session.apply(_progress())
    say(applied_text(result, counts["scartate"]))
    return 0


def cmd_import_interventi(ctx: Context) -> int:
    from taskforce_tui.cli.base import emit_json
    from taskforce_tui.domain.dates import today
    from taskforce_tui.importer.interventions import (
        InterventionImport,
        applied_text,
        preview_text,
        question_text,
    )

    args = ctx.args
    ref_date = args.al or today()
    job = InterventionImport(ctx.store, args.file, ref_date, area=args.area, overrides=args.mappa)
    job.load()
    counts = job.counts()
    rejected = [
        {"riga": r.row, "colonna": r.column, "valore": r.value, "motivo": r.reason}
        for r in job.rejections
    ]
    if not args.json:
        say(f"File: {args.file.name} - {job.description}")
        say(f"Intestazione alla riga {job.header_row}; dati al {ref_date.strftime('%d/%m/%Y')}.")
        say(preview_text(counts))
        if job.ignored:
            say(f"Colonne non importate: {', '.join(job.ignored)}.")
        if job.rejections:
            say("Righe scartate:")
            for r in job.rejections[:SHOWN_REJECTIONS]:
                where = f", {r.column}" if r.column else ""
                value = f" = «{r.value}»" if r.value else ""
                say(f"  riga {r.row}{where}{value}: {r.reason}")
            if len(job.rejections) > SHOWN_REJECTIONS:
                say(f"  ... e altri {len(job.rejections) - SHOWN_REJECTIONS} motivi di scarto.")
    if args.scarti is not None and job.rejections:
        target = None if args.scarti == _NEXT_TO_SOURCE else Path(args.scarti)
        saved = job.save_rejections(target)
        if not args.json:
            say(f"Righe scartate salvate in {saved}")
    if not job.rows:
        raise DomainError(
            "Nessuna riga valida da importare: correggi le righe scartate nel file e riprova. "
            "Non è stato scritto nulla."
        )
    writes = counts["nuove"] + counts["aggiornate"]
    done = False
    if args.prova:
        if not args.json:
            say("Prova: nessuna modifica salvata.")
    elif not writes:
        if not args.json:
            say("Nessuna modifica da importare: gli interventi sono già aggiornati.")
    else:
        if not args.conferma:
            question = question_text(counts) + " [s/N] "
            if not _interactive() or not _ask(question):
                warn(
                    "Importazione non confermata: usa --conferma per importare senza domanda. "
                    "Nessuna modifica salvata."
                )
                return 1
        job.apply()
        done = True
        if not args.json:
            say(applied_text(counts))
    if args.json:
        emit_json({**counts, "importato": done, "scarti": rejected})
    return 0


def _print_source(session: ImportSession) -> None:
    assert session.header is not None
    say(f"File: {session.path.name} - {session.description}")
    if len(session.sheet_names) > 1:
        say(f"Foglio: {session.sheet} (fogli nel file: {', '.join(session.sheet_names)})")
    say(f"Intestazione alla riga {session.header.row}.")
    emit_table(
        ("Col.", "Intestazione", "Campo", "Esempio"),
        [(c.letter, c.title, c.label, c.sample) for c in session.columns()],
    )


def _missing_message(session: ImportSession) -> str:
    columns = ", ".join(f"«{c.title}»" for c in session.columns() if c.title) or "nessuna"
    return (
        f"Non riesco ad associare una colonna a: {', '.join(session.missing)}. Colonne del "
        f'file: {columns}. Indica l\'associazione con --mappa "COLONNA=campo" (es. --mappa '
        '"Prot. gen.=protocollo"); verrà ricordata per questo Comune. Nulla è stato scritto.'
    )


def _print_preview(session: ImportSession) -> None:
    counts = session.counts()
    say(
        f"Anteprima: {counts['nuove']} nuove, {counts['aggiornate']} aggiornate, "
        f"{counts['invariate']} invariate, {counts['scartate']} scartate"
        + (
            f", {counts['conflitti']} differenze con modifiche fatte nell'app"
            if counts["conflitti"]
            else ""
        )
        + "."
    )
    ignored = session.ignored_columns()
    if ignored:
        say(f"Colonne non importate: {', '.join(ignored)}.")
    rejections = session.rejections
    if rejections:
        say("Righe scartate:")
        for r in rejections[:SHOWN_REJECTIONS]:
            where = f", {r.column}" if r.column else ""
            value = f" = «{r.value}»" if r.value else ""
            say(f"  riga {r.row}{where}{value}: {r.reason}")
        if len(rejections) > SHOWN_REJECTIONS:
            say(f"  ... e altri {len(rejections) - SHOWN_REJECTIONS} motivi di scarto.")
    if session.conflicts:
        say("Pratiche modificate nell'app dopo l'ultima importazione (il file dice altro):")
        emit_table(
            ("Riga", "Protocollo", "Campo", "Nell'app", "Nel file"),
            [(c.row, c.protocol_no, c.label, c.app_value, c.file_value) for c in session.conflicts],
        )


def _resolve_conflicts(session: ImportSession, choice: str | None, confirmed: bool) -> None:
    if choice is not None:
        session.decide_all(choice)
        say(
            "Differenze: "
            + ("preso il valore del file." if choice == "file" else "tenuto il valore dell'app.")
        )
        return
    if confirmed or not _interactive():
        say(
            "Differenze: tenuto il valore dell'app (usa --conflitti file per prendere quello "
            "del file)."
        )
        return
    for conflict in list(session.conflicts):
        take = _ask(
            f"Riga {conflict.row}, protocollo {conflict.protocol_no}, {conflict.label}: "
            f"nell'app «{conflict.app_value}», nel file «{conflict.file_value}». Prendere il "
            "valore del file? [s/N] "
        )
        if take:
            session.decide(conflict.practice_id, conflict.unit, "file")
