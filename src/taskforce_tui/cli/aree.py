"""Aree Interne from the shell: `taskforce aree`, `taskforce interventi`,
`taskforce intervento nuovo|modifica|avanzamento|mostra` (docs: the F1 help and
docs/sync.md for who may write what). `taskforce import interventi` is in
cli/importer.py, `taskforce report aree-interne` in cli/aree_report.py."""

from __future__ import annotations

import argparse
from typing import Any

from taskforce_tui.cli.base import Context, FreeText, date_arg, emit_json, emit_table, say
from taskforce_tui.domain.errors import DomainError


def amount_arg(text: str) -> int:
    from taskforce_tui.domain.aree import parse_amount

    try:
        return parse_amount(text)
    except DomainError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def cup_arg(text: str) -> str:
    from taskforce_tui.domain.aree import normalize_cup

    try:
        return normalize_cup(text)
    except DomainError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def register(sub: Any) -> None:
    p = sub.add_parser("aree", help="elenca le Aree Interne con i loro Comuni e le cifre")
    p.add_argument("--al", type=date_arg, metavar="DATA", help="cifre a questa data (default oggi)")
    p.add_argument("--json", action="store_true", help="uscita JSON")
    p.set_defaults(handler=cmd_aree)

    p = sub.add_parser("interventi", help="elenca gli interventi delle Aree Interne (per CUP)")
    p.add_argument("--area", metavar="CODICE", help="solo un'area")
    p.add_argument("--cup", type=cup_arg, metavar="CUP", help="un solo intervento")
    p.add_argument("--cerca", action=FreeText, default="", help="testo nel CUP o nel titolo")
    p.add_argument("--al", type=date_arg, metavar="DATA", help="cifre a questa data (default oggi)")
    p.add_argument("--json", action="store_true", help="uscita JSON")
    p.set_defaults(handler=cmd_interventi)

    p = sub.add_parser("intervento", help="crea, modifica, aggiorna un intervento (per CUP)")
    isub = p.add_subparsers(dest="intervento_command", metavar="AZIONE", required=True)
    n = isub.add_parser("nuovo", help="nuovo intervento")
    n.add_argument("--cup", type=cup_arg, required=True, help="CUP (15 caratteri)")
    n.add_argument("--titolo", action=FreeText, required=True, help="titolo dell'intervento")
    n.add_argument("--area", required=True, metavar="CODICE", help="codice dell'area")
    _common(n)
    n.set_defaults(handler=cmd_nuovo)

    m = isub.add_parser("modifica", help="modifica i dati, le fonti o una fase")
    m.add_argument("cup", type=cup_arg, metavar="CUP")
    m.add_argument("--titolo", action=FreeText, help="nuovo titolo")
    m.add_argument("--area", metavar="CODICE", help="sposta in un'altra area")
    _common(m)
    m.add_argument(
        "--fase",
        help="fase da aggiornare: fattibilita, progettazione_definitiva, progettazione_esecutiva, "
        "affidamento, lavori, collaudo, chiusura",
    )
    m.add_argument("--inizio-previsto", type=date_arg, metavar="DATA")
    m.add_argument("--fine-prevista-fase", type=date_arg, metavar="DATA")
    m.add_argument("--inizio-effettivo", type=date_arg, metavar="DATA")
    m.add_argument("--fine-effettiva-fase", type=date_arg, metavar="DATA")
    m.set_defaults(handler=cmd_modifica)

    a = isub.add_parser("avanzamento", help="dati di monitoraggio a una data (impegni, pagamenti)")
    a.add_argument("cup", type=cup_arg, metavar="CUP")
    a.add_argument("--al", type=date_arg, required=True, metavar="DATA", help="data dei dati")
    a.add_argument("--impegni", type=amount_arg, required=True, metavar="IMPORTO")
    a.add_argument("--pagamenti", type=amount_arg, required=True, metavar="IMPORTO")
    a.add_argument("--costo", type=amount_arg, metavar="IMPORTO", help="costo totale a quella data")
    a.add_argument("--realizzato", type=float, metavar="N", help="valore raggiunto dell'indicatore")
    a.add_argument("--stato", help="non avviato, in corso, concluso, liquidato")
    a.set_defaults(handler=cmd_avanzamento)

    c = isub.add_parser(
        "collega", help="collega (o scollega) una pratica, una richiesta o delle ore"
    )
    c.add_argument("cup", type=cup_arg, metavar="CUP")
    which = c.add_mutually_exclusive_group(required=True)
    which.add_argument("--pratica", metavar="ID|PROTOCOLLO", help="la pratica che autorizza")
    which.add_argument("--richiesta", metavar="ID", help="la richiesta di assistenza")
    which.add_argument("--ore", metavar="ID", help="una registrazione di ore (id)")
    c.add_argument("--scollega", action="store_true", help="toglie il collegamento")
    c.set_defaults(handler=cmd_collega)

    e = sub.add_parser("enti", help="elenca gli enti: Province, Città Metropolitana, Unioni")
    e.add_argument("--json", action="store_true", help="uscita JSON")
    e.set_defaults(handler=cmd_enti)

    s = isub.add_parser("mostra", help="scheda di un intervento: fonti, fasi, avanzamento")
    s.add_argument("cup", type=cup_arg, metavar="CUP")
    s.add_argument("--json", action="store_true", help="uscita JSON")
    s.set_defaults(handler=cmd_mostra)


def _common(p: Any) -> None:
    p.add_argument("--comuni", action=FreeText, help="Comuni (codici o nomi separati da virgola)")
    p.add_argument("--ente", action=FreeText, help="ente attuatore: Comune, Provincia, Unione")
    p.add_argument("--tema", action=FreeText, help="ambito tematico")
    p.add_argument("--stato", help="non avviato, in corso, concluso, liquidato")
    p.add_argument("--costo", type=amount_arg, metavar="IMPORTO", help="costo totale (euro)")
    p.add_argument(
        "--fonte",
        action="append",
        default=[],
        metavar="FONTE=IMPORTO",
        help="finanziamento per fonte (FESR, FSE+, nazionale, regionale, altro); ripetibile",
    )
    p.add_argument("--indicatore", action=FreeText, help="indicatore di realizzazione")
    p.add_argument("--unita", action=FreeText, help="unità di misura dell'indicatore")
    p.add_argument("--obiettivo", type=float, metavar="N", help="valore obiettivo")
    p.add_argument("--inizio", type=date_arg, metavar="DATA", help="inizio dell'intervento")
    p.add_argument("--fine-prevista", type=date_arg, metavar="DATA")
    p.add_argument("--fine-effettiva", type=date_arg, metavar="DATA")
    p.add_argument("--note", action=FreeText)


def _funding(pairs: list[str]) -> dict[str, int]:
    from taskforce_tui.domain.aree import parse_amount, parse_source

    out = {}
    for pair in pairs:
        source, sep, amount = pair.partition("=")
        if not sep:
            raise DomainError(f"--fonte «{pair}»: scrivi FONTE=IMPORTO, es. FESR=120000,00.")
        out[parse_source(source)] = parse_amount(amount)
    return out


def _fields(args: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    pairs = (
        ("titolo", "title"),
        ("tema", "theme"),
        ("stato", "status"),
        ("costo", "total_cents"),
        ("indicatore", "indicator"),
        ("unita", "unit"),
        ("obiettivo", "target"),
        ("inizio", "start_on"),
        ("fine_prevista", "end_planned_on"),
        ("fine_effettiva", "end_actual_on"),
        ("note", "notes"),
        ("ente", "ente_code"),
    )
    for arg, name in pairs:
        value = getattr(args, arg, None)
        if value is not None:
            fields[name] = value
    if getattr(args, "comuni", None) is not None:
        fields["comuni"] = [c.strip() for c in args.comuni.split(",") if c.strip()]
    return fields


# --- listings ------------------------------------------------------------------------------------
def cmd_aree(ctx: Context) -> int:
    from taskforce_tui.domain import aree as A
    from taskforce_tui.domain.dates import today

    store = ctx.store
    on = ctx.args.al or today()
    names = {c.istat_code: c.name for c in store.comuni.all()}
    summaries = store.interventions.summaries(on=on)
    if ctx.args.json:
        emit_json(
            [
                {
                    "codice": s.area.code,
                    "nome": s.area.name,
                    "tipo": s.area.kind,
                    "capofila": s.area.lead_comune,
                    "comuni": [{"istat": c, "nome": names.get(c, c)} for c in s.area.members],
                    "interventi": s.interventions,
                    "programmato_cents": s.programmed_cents,
                    "impegnato_cents": s.committed_cents,
                    "pagato_cents": s.paid_cents,
                    "fasi_in_ritardo": s.late_phases,
                }
                for s in summaries
            ]
        )
        return 0
    if not summaries:
        say("Nessuna area: l'elenco delle Aree Interne arriva dalla Segreteria Tecnica.")
        return 0
    emit_table(
        ("Codice", "Area", "Tipo", "Comuni", "Interv.", "Programmato", "Pagato", "%"),
        [
            (
                s.area.code,
                s.area.name,
                A.AREA_KINDS.get(s.area.kind, s.area.kind),
                ", ".join(names.get(c, c) for c in s.area.members),
                s.interventions,
                A.euro(s.programmed_cents),
                A.euro(s.paid_cents),
                A.percent_text(s.paid_percent),
            )
            for s in summaries
        ],
    )
    return 0


def _row_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "cup": r.cup,
        "titolo": r.title,
        "area": r.area_code,
        "stato": r.status,
        "comuni": r.comuni,
        "ente_attuatore": r.ente_code,
        "programmato_cents": r.programmed_cents,
        "impegnato_cents": r.committed_cents,
        "pagato_cents": r.paid_cents,
        "dati_al": r.ref_date,
        "fasi_in_ritardo": r.late_phases,
    }


def cmd_interventi(ctx: Context) -> int:
    from taskforce_tui.domain import aree as A

    store = ctx.store
    args = ctx.args
    area = store.aree.get(args.area).code if args.area else None
    from taskforce_tui.store.aree import InterventionFilter

    flt = InterventionFilter(area=area, cup=args.cup, text=args.cerca or "")
    rows = store.interventions.rows(flt, on=args.al)
    if args.json:
        emit_json([_row_json(r) for r in rows])
        return 0
    if not rows:
        say("Nessun intervento.")
        return 0
    emit_table(
        ("Area", "CUP", "Titolo", "Stato", "Programmato", "Impegnato", "Pagato", "%", "Ritardi"),
        [
            (
                r.area_code,
                r.cup,
                r.title,
                r.status,
                A.euro(r.programmed_cents),
                A.euro(r.committed_cents),
                A.euro(r.paid_cents),
                A.percent_text(r.paid_percent),
                r.late_phases or "",
            )
            for r in rows
        ],
    )
    return 0


# --- edits -------------------------------------------------------------------------------------
def cmd_nuovo(ctx: Context) -> int:
    args = ctx.args
    fields = _fields(args)
    funding = _funding(args.fonte)
    item = ctx.store.interventions.create(
        cup=args.cup,
        title=fields.pop("title"),
        area=args.area,
        comuni=fields.pop("comuni", []),
        ente=fields.pop("ente_code", None),
        funding=funding,
        **fields,
    )
    say(f"Intervento {item.cup} creato nell'area {item.area_code}.")
    return 0


def cmd_modifica(ctx: Context) -> int:
    args = ctx.args
    repo = ctx.store.interventions
    item = repo.find(args.cup)
    fields = _fields(args)
    if args.area:
        fields["area_code"] = args.area
    funding = _funding(args.fonte)
    phase_dates = {
        "planned_start": args.inizio_previsto,
        "planned_end": args.fine_prevista_fase,
        "actual_start": args.inizio_effettivo,
        "actual_end": args.fine_effettiva_fase,
    }
    if any(phase_dates.values()) and not args.fase:
        raise DomainError("Indica la fase con --fase (es. --fase lavori).", "fase")
    if args.fase and not any(phase_dates.values()):
        raise DomainError(
            "Per la fase indica almeno una data (--inizio-previsto, --fine-prevista-fase, "
            "--inizio-effettivo, --fine-effettiva-fase).",
            "fase",
        )
    if not (fields or funding or args.fase):
        raise DomainError("Niente da modificare: indica almeno un campo (vedi --help).")
    if fields:
        repo.update(item.id, **fields)
    for source, cents in funding.items():
        repo.set_funding(item.id, source, cents)
    if args.fase:
        repo.set_phase(item.id, args.fase, **phase_dates)
    say(f"Intervento {item.cup} aggiornato.")
    return 0


def cmd_avanzamento(ctx: Context) -> int:
    from taskforce_tui.domain import aree as A
    from taskforce_tui.domain.dates import format_date

    args = ctx.args
    item = ctx.store.interventions.add_snapshot(
        args.cup,
        ref_date=args.al,
        committed_cents=args.impegni,
        paid_cents=args.pagamenti,
        total_cents=args.costo,
        achieved=args.realizzato,
        status=args.stato,
    )
    say(
        f"Avanzamento di {item.cup} al {format_date(args.al)}: impegni {A.euro(args.impegni)}, "
        f"pagamenti {A.euro(args.pagamenti)} ({len(item.snapshots)} aggiornamenti in tutto)."
    )
    return 0


def cmd_mostra(ctx: Context) -> int:
    from taskforce_tui.domain import aree as A
    from taskforce_tui.domain.dates import today

    store = ctx.store
    item = store.interventions.find(ctx.args.cup)
    on = today()
    if ctx.args.json:
        emit_json(
            {
                "id": item.id,
                "cup": item.cup,
                "titolo": item.title,
                "area": item.area_code,
                "stato": item.status,
                "costo_cents": item.total_cents,
                "comuni": item.comuni,
                "ente_attuatore": item.ente_code,
                "indicatore": item.indicator,
                "unita": item.unit,
                "obiettivo": item.target,
                "fonti": [
                    {"fonte": f.source, "importo_cents": f.amount_cents} for f in item.funding
                ],
                "fasi": [
                    {
                        "fase": p.phase,
                        "inizio_previsto": p.planned_start,
                        "fine_prevista": p.planned_end,
                        "inizio_effettivo": p.actual_start,
                        "fine_effettiva": p.actual_end,
                        "giorni_ritardo": p.days_late(on),
                    }
                    for p in item.phases
                ],
                "avanzamento": [
                    {
                        "al": s.ref_date,
                        "impegni_cents": s.committed_cents,
                        "pagamenti_cents": s.paid_cents,
                        "costo_cents": s.total_cents,
                        "stato": s.status,
                        "realizzato": s.achieved,
                        "fonte": s.source,
                    }
                    for s in item.snapshots
                ],
                "collegati": store.interventions.linked(item.id),
            }
        )
        return 0
    say(f"{item.cup} - {item.title}")
    say(f"Area {item.area_code}, stato {item.status}, costo {A.euro(item.total_cents)}")
    if item.ente_code:
        say(f"Ente attuatore: {store.aree.ente_name(item.ente_code)}")
    if item.funding:
        emit_table(("Fonte", "Importo"), [(f.label, A.euro(f.amount_cents)) for f in item.funding])
    if item.phases:
        emit_table(
            ("Fase", "Inizio prev.", "Fine prev.", "Inizio eff.", "Fine eff.", "Ritardo"),
            [
                (
                    p.label,
                    p.planned_start,
                    p.planned_end,
                    p.actual_start,
                    p.actual_end,
                    f"{p.days_late(on)} gg" if p.days_late(on) else "",
                )
                for p in item.phases
            ],
        )
    if item.snapshots:
        emit_table(
            ("Dati al", "Impegni", "Pagamenti", "Fonte"),
            [
                (s.ref_date, A.euro(s.committed_cents), A.euro(s.paid_cents), s.source)
                for s in item.snapshots
            ],
        )
    return 0


def cmd_collega(ctx: Context) -> int:
    args = ctx.args
    store = ctx.store
    item = store.interventions.find(args.cup)
    if args.pratica:
        scope = store.comuni.assigned_codes(store.expert_id) or None
        table, record, what = "practice", store.practices.find(args.pratica, scope).id, "pratica"
    elif args.richiesta:
        table, record, what = "request", store.requests.find(args.richiesta).id, "richiesta"
    else:
        table, record, what = "time_log", store.interventions.time_log_id(args.ore), "ore"
    store.interventions.link(table, record, None if args.scollega else item.id)
    verb = "scollegata da" if args.scollega else "collegata a"
    noun = {"pratica": "Pratica", "richiesta": "Richiesta", "ore": "Registrazione di ore"}[what]
    say(f"{noun} {record[:8]} {verb} {item.cup}.")
    return 0


def cmd_enti(ctx: Context) -> int:
    from taskforce_tui.domain import aree as A

    store = ctx.store
    enti = store.aree.enti()
    if ctx.args.json:
        emit_json(
            [
                {
                    "codice": e.code,
                    "tipo": e.kind,
                    "nome": e.name,
                    "provincia": e.province,
                    "comuni": e.members,
                }
                for e in enti
            ]
        )
        return 0
    emit_table(
        ("Codice", "Tipo", "Ente", "Comuni"),
        [(e.code, A.ENTE_KINDS.get(e.kind, e.kind), e.name, len(e.members) or "") for e in enti],
    )
    return 0
