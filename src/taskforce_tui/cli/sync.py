"""Sync commands: `sync`, `init --da`, `conflitti`, `stato-sync`, `centrale init|merge|stato`.

Imports of the sync package stay inside the handlers (the parser must start fast).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskforce_tui.cli.base import Context, FreeText, emit_json, emit_table, say, warn


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sync",
        help="sincronizza con la cartella condivisa (invia le modifiche, riceve la centrale)",
    )
    p.add_argument(
        "cartella",
        nargs="?",
        type=Path,
        metavar="CARTELLA",
        help="cartella di sincronizzazione (ricordata dopo la prima volta)",
    )
    p.add_argument("--prova", action="store_true", help="mostra cosa succederebbe, senza cambiare")
    p.add_argument("--json", action="store_true", help="uscita JSON")
    p.set_defaults(handler=cmd_sync)

    p = sub.add_parser("init", help="collega questo profilo alla task force da una cartella")
    p.add_argument("--da", type=Path, required=True, metavar="CARTELLA", help="cartella condivisa")
    p.add_argument("--email", required=True, help="la tua email, come la conosce la Segreteria")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("conflitti", help="elenca (e risolve) i conflitti da sincronizzazione")
    p.add_argument("--tutti", action="store_true", help="anche quelli già risolti")
    p.add_argument("--json", action="store_true", help="uscita JSON")
    p.set_defaults(handler=cmd_conflitti)
    csub = p.add_subparsers(dest="conflitti_command", metavar="AZIONE")
    r = csub.add_parser("risolvi", help="sceglie il valore di un conflitto")
    r.add_argument("id", metavar="ID", help="identificativo del conflitto (bastano 8 caratteri)")
    g = r.add_mutually_exclusive_group(required=True)
    g.add_argument("--tieni", action="store_true", help="tiene il valore attuale")
    g.add_argument("--altro", action="store_true", help="sceglie l'altro valore")
    g.add_argument("--valore", action=FreeText, help="scrive un nuovo valore")
    r.set_defaults(handler=cmd_conflitti_risolvi)

    p = sub.add_parser("stato-sync", help="ultima sincronizzazione e modifiche non confermate")
    p.add_argument("--json", action="store_true", help="uscita JSON")
    p.set_defaults(handler=cmd_stato_sync)

    p = sub.add_parser("centrale", help="lato Segreteria Tecnica: generazioni centrali")
    psub = p.add_subparsers(dest="centrale_command", metavar="AZIONE", required=True)
    i = psub.add_parser("init", help="crea la cartella e la generazione 1")
    i.add_argument("cartella", type=Path, metavar="CARTELLA")
    i.add_argument(
        "--esperti", type=Path, required=True, metavar="FILE", help="CSV/XLSX: nome, email, ambiti"
    )
    i.add_argument(
        "--assegnazioni",
        type=Path,
        required=True,
        metavar="FILE",
        help="CSV/XLSX: email, comune, ambito, dal, al",
    )
    i.add_argument("--db", type=Path, metavar="FILE", help="database centrale locale")
    i.set_defaults(handler=cmd_centrale_init)
    m = psub.add_parser("merge", help="unisce i file in arrivo e pubblica la nuova generazione")
    m.add_argument("cartella", type=Path, metavar="CARTELLA")
    m.add_argument("--esperti", type=Path, metavar="FILE", help="nuovo elenco completo esperti")
    m.add_argument(
        "--assegnazioni", type=Path, metavar="FILE", help="nuovo elenco completo assegnazioni"
    )
    m.add_argument("--db", type=Path, metavar="FILE", help="database centrale locale")
    m.add_argument("--json", action="store_true", help="uscita JSON")
    m.set_defaults(handler=cmd_centrale_merge)
    s = psub.add_parser("stato", help="generazioni, esperti, quarantena")
    s.add_argument("cartella", type=Path, metavar="CARTELLA")
    s.add_argument("--db", type=Path, metavar="FILE", help="database centrale locale")
    s.add_argument("--json", action="store_true", help="uscita JSON")
    s.set_defaults(handler=cmd_centrale_stato)


# --- expert side ----------------------------------------------------------------------------------
def cmd_sync(ctx: Context) -> int:
    from taskforce_tui.sync import laptop

    args = ctx.args
    report = laptop.sync(ctx.store, args.cartella, dry_run=args.prova, backups=ctx.profile.backups)
    if args.json:
        emit_json(report.as_dict())
        return 0
    from taskforce_tui.sync.status import describe_report

    say(describe_report(report))
    return 0


def cmd_init(ctx: Context) -> int:
    from taskforce_tui.sync import laptop

    args = ctx.args
    created = not ctx.profile.exists()
    store = ctx.profile.open_store()
    try:
        report = laptop.join(store, args.da, args.email)
        me = store.experts.me()
        comuni = store.comuni.assigned(store.expert_id)
    except BaseException:
        store.close()
        if created:
            for suffix in ("", "-wal", "-shm", ".replica.json"):
                Path(str(ctx.profile.db) + suffix).unlink(missing_ok=True)
        raise
    store.close()
    name = me.name if me else args.email
    say(
        f"Profilo collegato: {name}, {len(comuni)} Comuni "
        f"({', '.join(c.name for c in comuni[:6])}{'...' if len(comuni) > 6 else ''}), "
        f"generazione {report.generation}. D'ora in poi basta `taskforce sync`."
    )
    return 0


def cmd_conflitti(ctx: Context) -> int:
    from taskforce_tui.sync import status

    conflicts = status.list_conflicts(ctx.store, include_resolved=ctx.args.tutti)
    if ctx.args.json:
        emit_json([c.as_dict() for c in conflicts])
        return 0
    if not conflicts:
        say("Nessun conflitto aperto.")
        return 0
    emit_table(
        ("ID", "Record", "Campo", "Tenuto", "Di", "Altro valore", "Di", "Risolto"),
        [
            (
                c.id[:8],
                c.record,
                c.field_label,
                status.show_value(c.field, c.kept_value),
                f"{c.kept_author} {c.kept_when}",
                status.show_value(c.field, c.other_value),
                f"{c.other_author} {c.other_when}",
                c.resolution or "",
            )
            for c in conflicts
        ],
    )
    say("Per scegliere: taskforce conflitti risolvi ID --tieni | --altro | --valore TESTO")
    return 0


def cmd_conflitti_risolvi(ctx: Context) -> int:
    from taskforce_tui.sync import status

    args = ctx.args
    choice = "kept" if args.tieni else "other" if args.altro else "edit"
    done = status.resolve_conflict(ctx.store, args.id, choice, args.valore)
    say(
        f"Conflitto {done.id[:8]} risolto ({done.resolution}): "
        f"{done.field_label} = {status.show_value(done.field, done.current_value)}. "
        "La scelta parte con la prossima sincronizzazione."
    )
    return 0


def cmd_stato_sync(ctx: Context) -> int:
    from taskforce_tui.sync import status

    counts = status.sync_counts(ctx.store)
    if ctx.args.json:
        data = counts.as_dict()
        with ctx.store.read() as conn:
            data["rejected_changes"] = [
                {"table": r[0], "pk": r[1], "field": r[2], "reason": r[3], "at": r[4]}
                for r in conn.execute(
                    "SELECT tbl, pk, field, reason, at FROM sync_rejected ORDER BY at DESC"
                )
            ]
        emit_json(data)
        return 0
    say(f"Cartella: {counts.folder or 'non ancora scelta (taskforce sync CARTELLA)'}")
    say(f"Ultima sincronizzazione: {status.when(counts.last_sync_at)}")
    say(
        f"Generazione centrale: {counts.generation if counts.generation is not None else 'nessuna'}"
    )
    say(f"Modifiche non ancora confermate dalla centrale: {counts.pending}")
    say(f"Conflitti aperti: {counts.open_conflicts}")
    if counts.rejected:
        say(f"Modifiche respinte dalla centrale: {counts.rejected}")
        with ctx.store.read() as conn:
            rows = conn.execute(
                "SELECT tbl, pk, field, reason FROM sync_rejected ORDER BY at DESC LIMIT 20"
            ).fetchall()
        emit_table(
            ("Tabella", "Record", "Campo", "Motivo"), [(r[0], r[1][:8], r[2], r[3]) for r in rows]
        )
    return 0


# --- coordinator side -----------------------------------------------------------------------------
def _central_home(ctx: Context) -> Path:
    """The profile folder, where the central database lives unless --db says otherwise:
    it and the database's folder are made private before the database is created in
    them (store/private.py)."""
    if ctx.args.db is None:
        from taskforce_tui.store.private import private_dir
        from taskforce_tui.sync.central import default_db

        private_dir(ctx.profile.root)
        private_dir(default_db(ctx.profile.root, "").parent)
    return ctx.profile.root


def _people(args: Any) -> Any:
    from taskforce_tui.sync.central import People
    from taskforce_tui.sync.people import read_assignments, read_experts

    return People(
        read_experts(args.esperti) if args.esperti else None,
        read_assignments(args.assegnazioni) if args.assegnazioni else None,
    )


def cmd_centrale_init(ctx: Context) -> int:
    from taskforce_tui.sync.central import Central

    args = ctx.args
    people = _people(args)
    central, report = Central.init(args.cartella, args.db, _central_home(ctx), people)
    try:
        n = len(central.status()["experts"])
    finally:
        central.close()
    say(
        f"Cartella {args.cartella} pronta: generazione {report.generation} pubblicata, "
        f"{n} esperti. Database centrale: {central.db}. Gli esperti si collegano con "
        f"`taskforce init --da {args.cartella} --email EMAIL`."
    )
    return 0


def cmd_centrale_merge(ctx: Context) -> int:
    from dataclasses import asdict

    from taskforce_tui.sync.central import Central

    args = ctx.args
    people = _people(args) if (args.esperti or args.assegnazioni) else None
    with Central.open(args.cartella, args.db, _central_home(ctx)) as central:
        report = central.merge(people=people)
    if args.json:
        emit_json(asdict(report))
        return 0
    if report.generation is None:
        say("Niente di nuovo da unire: nessuna generazione pubblicata.")
    else:
        say(
            f"Generazione {report.generation} pubblicata: {report.outboxes} file uniti, "
            f"{report.accepted} modifiche accettate, {report.rejected} respinte, "
            f"{report.conflicts} conflitti, {report.extracts} estratti per gli esperti."
        )
    if report.adopted:
        say(f"Riallineato alla generazione {report.adopted} già presente nella cartella.")
    if report.waiting:
        say(f"{report.waiting} modifiche attendono file mancanti (arriveranno col prossimo invio).")
    for name, reason in report.quarantined:
        warn(f"In quarantena: {name}: {reason}")
    for name in report.newer:
        warn(
            f"{name}: scritto da una versione più recente, lasciato in attesa: "
            "aggiorna l'applicazione."
        )
    return 0


def cmd_centrale_stato(ctx: Context) -> int:
    from taskforce_tui.sync.central import Central
    from taskforce_tui.sync.status import when

    args = ctx.args
    with Central.open(args.cartella, args.db, _central_home(ctx)) as central:
        data = central.status()
    if args.json:
        emit_json(data)
        return 0
    say(f"Cartella {data['folder']} - generazione {data['generation']}")
    emit_table(
        ("Gen.", "Creata", "Pubblicata", "File", "Accettate", "Respinte", "Conflitti"),
        [
            (
                g["generation"],
                when(g["created_at"]),
                when(g["published_at"]) if g["published_at"] else "NO",
                g["outboxes"],
                g["accepted"],
                g["rejected"],
                g["conflicts"],
            )
            for g in data["generations"]
        ],
    )
    say("")
    emit_table(
        ("Esperto", "Email", "Ultimo invio", "Ultima modifica confermata", "Respinte"),
        [
            (e["name"], e["email"], when(e["last_outbox_at"]), e["acked_seq"], e["rejected"])
            for e in data["experts"]
        ],
    )
    if data["rejected"]:
        say("\nModifiche respinte (le più recenti):")
        emit_table(
            ("Esperto", "Tabella", "Record", "Campo", "Motivo"),
            [
                (r["expert_id"][:8], r["table"], r["pk"][:8], r["field"], r["reason"])
                for r in data["rejected"]
            ],
        )
    say(f"\nConflitti aperti: {data['open_conflicts']}")
    if data["quarantine"]:
        say("Quarantena:")
        for q in data["quarantine"]:
            say(f"  {q['file']}: {q['reason']}")
    else:
        say("Quarantena: vuota.")
    if data["waiting_outboxes"]:
        say(f"File in arrivo non ancora uniti: {len(data['waiting_outboxes'])}")
    return 0
