"""Core subcommands: listing, practices and requests from the shell, Comuni, demo."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Any

from taskforce_tui.cli.base import (
    Context,
    FreeText,
    choice_arg,
    date_arg,
    emit_json,
    emit_table,
    non_negative_int,
    positive_int,
    say,
)
from taskforce_tui.domain import vocab
from taskforce_tui.domain.errors import DomainError


def register(sub: Any) -> None:
    _register_lists(sub)
    _register_pratica(sub)
    _register_richiesta(sub)
    p = sub.add_parser("demo", help="apre l'applicazione su un profilo dimostrativo")
    p.add_argument("--seme", type=int, default=2026, help="seme dei dati (default 2026)")
    p.add_argument(
        "--solo-dati",
        action="store_true",
        help="riempie la cartella del profilo (--data-dir) con i dati demo ed esce",
    )
    p.set_defaults(handler=cmd_demo)


# --- listing --------------------------------------------------------------------------------
def _register_lists(sub: Any) -> None:
    p = sub.add_parser("comuni", help="elenca i Comuni assegnati (o tutti) e li aggiorna")
    p.add_argument(
        "--tutti",
        action="store_true",
        help="tutti i 1.502 Comuni lombardi e gli altri enti (Province, Unioni)",
    )
    p.add_argument("--json", action="store_true", help="uscita JSON")
    p.set_defaults(handler=cmd_comuni)
    csub = p.add_subparsers(dest="comuni_command", metavar="AZIONE")
    a = csub.add_parser("aggiorna", help="aggiorna i Comuni da un elenco ISTAT più recente")
    a.add_argument("file", type=Path, metavar="FILE.csv", help="Elenco-comuni-italiani.csv")
    a.add_argument("--prova", action="store_true", help="mostra le modifiche senza applicarle")
    a.set_defaults(handler=cmd_comuni_aggiorna)

    p = sub.add_parser("pratiche", help="elenca le pratiche dei tuoi Comuni")
    p.add_argument("--comune", help="codice ISTAT o nome")
    p.add_argument(
        "--stato",
        action="append",
        type=choice_arg(vocab.PRACTICE_STATUS_LABELS, "Stato"),
        help="aperta, sospesa, conclusa, archiviata (ripetibile)",
    )
    p.add_argument("--in-ritardo", action="store_true", help="solo quelle oltre il termine")
    p.add_argument("--tipo", help="tipo di procedimento")
    p.add_argument(
        "--cerca",
        action=FreeText,
        default="",
        help="testo in protocollo, oggetto, tipo, Comune (1-2 caratteri: inizio di parola)",
    )
    p.add_argument("--limite", type=non_negative_int, default=0, help="al massimo N (0 = tutte)")
    p.add_argument("--json", action="store_true", help="uscita JSON")
    p.set_defaults(handler=cmd_pratiche)

    p = sub.add_parser("richieste", help="elenca le richieste di assistenza")
    p.add_argument("--comune", help="codice ISTAT o nome")
    p.add_argument(
        "--stato",
        action="append",
        type=choice_arg(vocab.REQUEST_STATUS_LABELS, "Stato"),
        help="nuova, in_lavorazione, in_attesa_comune, evasa, chiusa (ripetibile)",
    )
    p.add_argument("--json", action="store_true", help="uscita JSON")
    p.set_defaults(handler=cmd_richieste)

    p = sub.add_parser("ore", help="elenca le ore registrate")
    p.add_argument("--dal", type=date_arg, help="dalla data (inclusa)")
    p.add_argument("--al", type=date_arg, help="alla data (inclusa)")
    p.add_argument("--comune", help="codice ISTAT o nome")
    p.add_argument("--json", action="store_true", help="uscita JSON")
    p.set_defaults(handler=cmd_ore)


def cmd_comuni(ctx: Context) -> int:
    args = ctx.args
    from taskforce_tui.domain.dates import today
    from taskforce_tui.domain.serialize import comune_dict

    store = ctx.store
    if args.tutti:
        comuni = store.comuni.all()
        if args.json:
            emit_json([comune_dict(c) for c in comuni])
        else:
            emit_table(
                ("ISTAT", "Comune", "Prov.", "Attivo"),
                [(c.istat_code, c.name, c.province, c.active) for c in comuni],
            )
        return 0
    codes = store.comuni.assigned_codes(store.expert_id)
    summaries = store.comuni.summaries(codes, today())
    if args.json:
        emit_json(
            [
                comune_dict(
                    s.comune, open_practices=s.open_practices, overdue_practices=s.overdue_practices
                )
                for s in summaries
            ]
        )
        return 0
    if not summaries:
        say("Nessun Comune assegnato a questo profilo (usa --tutti per l'elenco completo).")
        return 0
    emit_table(
        ("ISTAT", "Comune", "Prov.", "Aperte", "In ritardo"),
        [
            (
                s.comune.istat_code,
                s.comune.name,
                s.comune.province,
                s.open_practices,
                s.overdue_practices,
            )
            for s in summaries
        ],
    )
    return 0


def cmd_comuni_aggiorna(ctx: Context) -> int:
    from taskforce_tui.store import reference

    rows = reference.read_istat_file(ctx.args.file)
    report = reference.update_comuni(ctx.store, rows, dry_run=ctx.args.prova)
    names = {c.istat_code: c.name for c in ctx.store.comuni.all()}
    names.update({r.istat_code: r.name for r in rows})

    def listed(codes: list[str]) -> str:
        shown = ", ".join(f"{names.get(c, c)} ({c})" for c in codes[:20])
        return shown + (f" e altri {len(codes) - 20}" if len(codes) > 20 else "")

    prefix = "Prova (nessuna modifica): " if ctx.args.prova else ""
    say(f"{prefix}{len(rows)} Comuni lombardi nel file.")
    if report.added:
        say(f"  nuovi: {len(report.added)} - {listed(report.added)}")
    if report.changed:
        say(f"  aggiornati: {len(report.changed)} - {listed(report.changed)}")
    if report.reactivated:
        say(f"  riattivati: {len(report.reactivated)} - {listed(report.reactivated)}")
    if report.suppressed:
        say(
            f"  soppressi (resi inattivi, pratiche e ore conservate): {len(report.suppressed)}"
            f" - {listed(report.suppressed)}"
        )
    if not report.total_changes:
        say("  nessuna modifica: l'elenco è già aggiornato.")
    return 0


def _practice_filter(ctx: Context) -> Any:
    from taskforce_tui.store.practices import PracticeFilter

    args = ctx.args
    scope = ctx.scope()
    if args.comune:
        comune = ctx.comune(args.comune)
        scope = [comune.istat_code]
    ptype = ctx.store.lists.resolve_procedure_type(args.tipo).code if args.tipo else None
    return PracticeFilter(
        comuni=scope,
        statuses=args.stato,
        procedure_type=ptype,
        overdue_only=args.in_ritardo,
        text=args.cerca,
    )


def cmd_pratiche(ctx: Context) -> int:
    from taskforce_tui.domain.dates import today
    from taskforce_tui.domain.serialize import practice_dict

    args = ctx.args
    flt = _practice_filter(ctx)
    limit = args.limite or 10_000_000
    rows = ctx.store.practices.page(flt, sort="avvio", descending=True, limit=limit)
    if args.json:
        day = today()
        out = []
        for r in rows:
            practice = ctx.store.practices.get(r.id)
            out.append(practice_dict(practice, day, comune_name=r.comune_name))
        emit_json(out)
        return 0
    emit_table(
        ("Protocollo", "Comune", "Tipo", "Avvio", "Stato", "Scadenza", "Giorni", "Oggetto"),
        [
            (
                r.protocol_no,
                r.comune_name,
                r.procedure_type,
                r.received_on,
                vocab.PRACTICE_STATUS_LABELS[r.status] + (" !" if r.overdue else ""),
                r.due_on if r.days_left is not None else r.concluded_on,
                "" if r.days_left is None else r.days_left,
                r.subject,
            )
            for r in rows
        ],
    )
    say(f"{len(rows)} pratiche ('!' = oltre il termine).")
    return 0


def cmd_richieste(ctx: Context) -> int:
    from taskforce_tui.domain.serialize import request_dict

    args = ctx.args
    scope = [ctx.comune(args.comune).istat_code] if args.comune else ctx.scope()
    rows = ctx.store.requests.list(scope, args.stato)
    if args.json:
        emit_json([request_dict(r.request, comune_name=r.comune_name) for r in rows])
        return 0
    emit_table(
        ("Id", "Comune", "Tipo", "Aperta il", "Stato", "Pratiche", "Oggetto"),
        [
            (
                r.request.id[:8],
                r.comune_name,
                r.request.kind,
                r.request.opened_on,
                vocab.REQUEST_STATUS_LABELS.get(r.request.status, r.request.status),
                len(r.request.practice_ids),
                r.request.subject,
            )
            for r in rows
        ],
    )
    return 0


def cmd_ore(ctx: Context) -> int:
    from taskforce_tui.domain.serialize import timelog_dict

    args = ctx.args
    if args.dal and args.al and args.dal > args.al:
        raise DomainError("La data --dal è successiva alla data --al.")
    comune = ctx.comune(args.comune).istat_code if args.comune else None
    rows = ctx.store.timelogs.list(ctx.store.expert_id, args.dal, args.al, comune)
    if args.json:
        emit_json(
            [
                timelog_dict(
                    r.log,
                    comune_name=r.comune_name,
                    activity_name=r.activity_name,
                    protocol_no=r.protocol_no,
                )
                for r in rows
            ]
        )
        return 0
    emit_table(
        ("Data", "Ore", "Comune", "Attività", "Modalità", "Pratica", "Nota"),
        [
            (
                r.log.work_date,
                f"{r.log.minutes // 60}:{r.log.minutes % 60:02d}",
                r.comune_name or "(trasversale)",
                r.activity_name,
                vocab.MODE_LABELS.get(r.log.mode, r.log.mode),
                r.protocol_no,
                r.log.note,
            )
            for r in rows
        ],
    )
    total = sum(r.log.minutes for r in rows)
    say(f"Totale: {total // 60}:{total % 60:02d} ore in {len(rows)} registrazioni.")
    return 0


# --- practices from the shell ------------------------------------------------------------------
def _register_pratica(sub: Any) -> None:
    p = sub.add_parser("pratica", help="crea e aggiorna una pratica")
    psub = p.add_subparsers(dest="pratica_command", metavar="AZIONE", required=True)

    n = psub.add_parser("nuova", help="registra una nuova pratica (stampa l'id)")
    n.add_argument("--comune", required=True, help="codice ISTAT o nome")
    n.add_argument("--tipo", required=True, help="tipo di procedimento (codice o nome)")
    n.add_argument(
        "--protocollo", action=FreeText, required=True, help="numero di protocollo del Comune"
    )
    n.add_argument("--avvio", required=True, type=date_arg, help="data di ricezione")
    n.add_argument("--termine", type=positive_int, help="termine di legge in giorni")
    n.add_argument("--oggetto", action=FreeText, default="", help="oggetto della pratica")
    n.add_argument("--ambito", help="ambito (di default quello del tipo)")
    n.add_argument("--conferenza", action="store_true", help="con conferenza di servizi")
    n.add_argument("--note", action=FreeText, default="", help="note")
    n.set_defaults(handler=cmd_pratica_nuova)

    m = psub.add_parser("modifica", help="modifica i dati descrittivi di una pratica")
    m.add_argument("ref", metavar="ID|PROTOCOLLO")
    m.add_argument("--oggetto", action=FreeText)
    m.add_argument("--note", action=FreeText)
    m.add_argument("--termine", type=positive_int)
    m.add_argument("--avvio", type=date_arg)
    m.add_argument("--protocollo", action=FreeText)
    m.add_argument("--tipo")
    m.add_argument("--conferenza", action=argparse.BooleanOptionalAction, default=None)
    m.set_defaults(handler=cmd_pratica_modifica)

    for name, help_text in (
        ("sospendi", "sospende i termini (serve --motivo)"),
        ("riprendi", "riprende una pratica sospesa"),
        ("concludi", "conclude con un esito (serve --esito)"),
        ("archivia", "archivia la pratica"),
        ("riapri", "riapre una pratica conclusa o archiviata (serve --motivo)"),
        ("elimina", "elimina la pratica (resta traccia per la sincronizzazione)"),
    ):
        a = psub.add_parser(name, help=help_text)
        a.add_argument("ref", metavar="ID|PROTOCOLLO")
        if name in ("sospendi", "riprendi", "concludi", "archivia"):
            a.add_argument("--data", type=date_arg, help="data dell'evento (default oggi)")
        if name in ("sospendi", "riapri"):
            a.add_argument("--motivo", action=FreeText, default="", help="motivo")
        if name == "concludi":
            a.add_argument(
                "--esito",
                required=True,
                type=choice_arg(
                    {k: vocab.OUTCOME_LABELS[k] for k in vocab.CONCLUSION_OUTCOMES}, "Esito"
                ),
                help="favorevole, sfavorevole, silenzio_assenso",
            )
        a.set_defaults(handler=cmd_pratica_azione, action=name)

    s = psub.add_parser("mostra", help="mostra una pratica con storia e dati derivati")
    s.add_argument("ref", metavar="ID|PROTOCOLLO")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=cmd_pratica_mostra)


def cmd_pratica_nuova(ctx: Context) -> int:
    args = ctx.args
    comune = ctx.comune(args.comune)
    ptype = ctx.store.lists.resolve_procedure_type(args.tipo)
    ambito = None
    if args.ambito:
        ambito = vocab.choose(args.ambito, ctx.store.lists.ambiti(), "Ambito", "ambito")
    practice = ctx.store.practices.create(
        comune_code=comune.istat_code,
        procedure_type=ptype.code,
        protocol_no=args.protocollo,
        received_on=args.avvio,
        legal_term_days=args.termine,
        subject=args.oggetto,
        ambito=ambito,
        service_conference=args.conferenza,
        notes=args.note,
    )
    say(practice.id)
    return 0


def cmd_pratica_modifica(ctx: Context) -> int:
    args = ctx.args
    practice = ctx.store.practices.find(args.ref, ctx.scope())
    changes: dict[str, object] = {}
    if args.oggetto is not None:
        changes["subject"] = args.oggetto.strip()
    if args.note is not None:
        changes["notes"] = args.note
    if args.termine is not None:
        changes["legal_term_days"] = args.termine
    if args.avvio is not None:
        changes["received_on"] = args.avvio
    if args.protocollo is not None:
        changes["protocol_no"] = args.protocollo.strip()
    if args.tipo is not None:
        changes["procedure_type"] = ctx.store.lists.resolve_procedure_type(args.tipo).code
    if args.conferenza is not None:
        changes["service_conference"] = args.conferenza
    if not changes:
        raise DomainError("Nessuna modifica indicata (vedi `taskforce pratica modifica -h`).")
    ctx.store.practices.edit(practice.id, **changes)
    say(f"Pratica {practice.protocol_no} aggiornata.")
    return 0


def cmd_pratica_azione(ctx: Context) -> int:
    from taskforce_tui.domain.dates import today

    args = ctx.args
    repo = ctx.store.practices
    practice = repo.find(args.ref, ctx.scope())
    on = getattr(args, "data", None) or today()
    action = args.action
    if action == "sospendi":
        repo.suspend(practice.id, on, args.motivo)
        done = "sospesa"
    elif action == "riprendi":
        repo.resume(practice.id, on)
        done = "ripresa"
    elif action == "concludi":
        repo.conclude(practice.id, on, args.esito)
        done = "conclusa"
    elif action == "archivia":
        repo.archive(practice.id, on)
        done = "archiviata"
    elif action == "riapri":
        repo.reopen(practice.id, args.motivo)
        done = "riaperta"
    else:
        repo.delete(practice.id)
        done = "eliminata"
    say(f"Pratica {practice.protocol_no} {done}.")
    return 0


def cmd_pratica_mostra(ctx: Context) -> int:
    import json

    from taskforce_tui.domain import practice as workflow
    from taskforce_tui.domain.dates import format_date, today
    from taskforce_tui.domain.serialize import practice_dict

    practice = ctx.store.practices.find(ctx.args.ref, ctx.scope())
    history = ctx.store.practices.history(practice.id)
    if ctx.args.json:
        emit_json(
            practice_dict(
                practice,
                today(),
                history=[
                    {
                        "table": h.table,
                        "field": h.field,
                        "value": json.loads(h.value or "null"),
                        "old_value": json.loads(h.old_value) if h.old_value else None,
                        "at": h.at,
                        "who": h.who,
                    }
                    for h in history
                ],
            )
        )
        return 0
    d = workflow.derive(practice, today())
    comune = ctx.store.comuni.get(practice.comune_code)
    say(f"Pratica {practice.protocol_no} - {comune.name if comune else practice.comune_code}")
    say(f"  id: {practice.id}")
    say(f"  tipo: {practice.procedure_type}   ambito: {practice.ambito}")
    say(f"  oggetto: {practice.subject}")
    say(
        f"  stato: {vocab.PRACTICE_STATUS_LABELS[practice.status]}"
        + (f" ({vocab.OUTCOME_LABELS[practice.outcome]})" if practice.outcome else "")
    )
    say(
        f"  avvio: {format_date(practice.received_on)}   termine: {practice.legal_term_days} gg"
        f"   scadenza: {format_date(d.due_on)}" + ("   OLTRE IL TERMINE" if d.overdue else "")
    )
    for s in practice.suspensions:
        say(
            f"  sospensione: dal {format_date(s.start_on)} al {format_date(s.end_on) or '...'}"
            f" - {s.reason}"
        )
    if d.gross_duration is not None:
        say(f"  durata lorda: {d.gross_duration} gg   netta: {d.net_duration} gg")
    say(f"  modifiche registrate: {len(history)}")
    return 0


# --- requests from the shell ---------------------------------------------------------------------
def _register_richiesta(sub: Any) -> None:
    p = sub.add_parser("richiesta", help="crea e aggiorna una richiesta di assistenza")
    rsub = p.add_subparsers(dest="richiesta_command", metavar="AZIONE", required=True)
    n = rsub.add_parser("nuova", help="registra una richiesta (stampa l'id)")
    n.add_argument("--comune", required=True, help="codice ISTAT o nome")
    n.add_argument(
        "--tipo",
        required=True,
        type=choice_arg(vocab.REQUEST_KIND_LABELS, "Tipo"),
        help="tecnica o giuridica",
    )
    n.add_argument("--oggetto", action=FreeText, required=True)
    n.add_argument("--descrizione", action=FreeText, default="")
    n.add_argument("--data", type=date_arg, help="data di apertura (default oggi)")
    n.add_argument("--ambito")
    n.set_defaults(handler=cmd_richiesta_nuova)

    s = rsub.add_parser("stato", help="cambia lo stato di una richiesta")
    s.add_argument("ref", metavar="ID")
    s.add_argument("stato", type=choice_arg(vocab.REQUEST_STATUS_LABELS, "Stato"))
    s.add_argument("--data", type=date_arg)
    s.set_defaults(handler=cmd_richiesta_stato)

    c = rsub.add_parser("collega", help="collega una pratica alla richiesta")
    c.add_argument("ref", metavar="ID")
    c.add_argument("pratica", metavar="ID|PROTOCOLLO")
    c.set_defaults(handler=cmd_richiesta_collega)


def cmd_richiesta_nuova(ctx: Context) -> int:
    from taskforce_tui.domain.dates import today

    args = ctx.args
    comune = ctx.comune(args.comune)
    ambito = vocab.choose(args.ambito, ctx.store.lists.ambiti(), "Ambito") if args.ambito else None
    request = ctx.store.requests.create(
        comune_code=comune.istat_code,
        kind=args.tipo,
        subject=args.oggetto,
        description=args.descrizione,
        opened_on=args.data or today(),
        ambito=ambito,
    )
    say(request.id)
    return 0


def cmd_richiesta_stato(ctx: Context) -> int:
    request = ctx.store.requests.find(ctx.args.ref)
    ctx.store.requests.set_status(request.id, ctx.args.stato, ctx.args.data)
    say(f"Richiesta {request.id[:8]}: {vocab.REQUEST_STATUS_LABELS[ctx.args.stato]}.")
    return 0


def cmd_richiesta_collega(ctx: Context) -> int:
    request = ctx.store.requests.find(ctx.args.ref)
    practice = ctx.store.practices.find(ctx.args.pratica, ctx.scope())
    ctx.store.requests.link(request.id, practice.id)
    say(f"Pratica {practice.protocol_no} collegata alla richiesta {request.id[:8]}.")
    return 0


# --- demo and the TUI ----------------------------------------------------------------------
def cmd_demo(ctx: Context) -> int:
    from taskforce_tui.store.paths import Profile

    args = ctx.args
    if args.solo_dati:
        if not args.data_dir:
            raise DomainError(
                "Con --solo-dati indica la cartella: taskforce --data-dir DIR demo --solo-dati"
            )
        if ctx.profile.exists():
            raise DomainError(
                f"{ctx.profile.root} contiene già un profilo: scegli una cartella vuota."
            )
        counts = make_demo(ctx.profile, args.seme)
        say(
            f"Profilo demo creato in {ctx.profile.root}: {counts['practices']} pratiche, "
            f"{counts['requests']} richieste, {counts['time_logs']} registrazioni di ore, "
            f"{counts['aree_areas']} Aree Interne con {counts['aree_interventions']} interventi "
            "(dati dimostrativi)."
        )
        return 0
    folder = Path(tempfile.mkdtemp(prefix="taskforce-demo-"))
    try:
        profile = Profile(folder)
        make_demo(profile, args.seme)
        ctx.profile = profile
        return run_tui(ctx)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def make_demo(profile: Any, seed: int) -> dict[str, int]:
    from taskforce_tui.store import dataset

    with profile.open_store() as store:
        return dataset.generate(store, dataset.demo_spec(seed))


def run_tui(ctx: Context) -> int:
    from taskforce_tui.app import TaskforceApp

    ctx.close()
    app = TaskforceApp(profile=ctx.profile)
    app.run()
    return app.return_code or 0
