"""Sync commands: `sync`, `init --da`, `conflitti`, `stato-sync`, `centrale init|merge|stato|
invita|unisciti|revoca|dispositivi|migra`.

Imports of the sync package stay inside the handlers (the parser must start fast).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskforce_tui.cli.base import (
    Context,
    FreeText,
    db_file,
    emit_json,
    emit_table,
    postgres_url,
    say,
    warn,
)


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
    p.add_argument(
        "--codice",
        required=True,
        help="il codice di invito della Segreteria Tecnica (5 gruppi di 5 caratteri)",
    )
    p.add_argument(
        "--nome-dispositivo",
        action=FreeText,
        default="",
        metavar="NOME",
        help="come la Segreteria vedrà questo computer (es. «portatile ufficio»)",
    )
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
        help="CSV/XLSX: email, comune (o area), ambito, dal, al",
    )
    i.add_argument(
        "--aree", type=Path, metavar="FILE", help="CSV/XLSX: codice, nome, tipo, capofila, comuni"
    )
    i.add_argument(
        "--enti",
        type=Path,
        metavar="FILE",
        help="CSV/XLSX Unioni e Comunità Montane: codice, nome, tipo, comuni",
    )
    i.add_argument(
        "--db", type=db_file, metavar="DB", help="database centrale: file SQLite o postgresql://…"
    )
    i.add_argument("--email", default="", help="la tua email (coordinatore)")
    i.set_defaults(handler=cmd_centrale_init)
    v = psub.add_parser("invita", help="codice di invito (7 giorni) per iscrivere un dispositivo")
    v.add_argument("cartella", type=Path, metavar="CARTELLA")
    v.add_argument("email", metavar="EMAIL")
    v.add_argument(
        "--coordinatore", action="store_true", help="invita un altro coordinatore, non un esperto"
    )
    v.add_argument(
        "--db", type=db_file, metavar="DB", help="database centrale: file SQLite o postgresql://…"
    )
    v.add_argument("--json", action="store_true", help="uscita JSON")
    v.set_defaults(handler=cmd_centrale_invita)
    r2 = psub.add_parser("revoca", help="revoca i dispositivi di un esperto (o uno solo)")
    r2.add_argument("cartella", type=Path, metavar="CARTELLA")
    r2.add_argument("email", metavar="EMAIL")
    r2.add_argument("--dispositivo", metavar="ID", help="solo questo dispositivo (id o nome)")
    r2.add_argument(
        "--db", type=db_file, metavar="DB", help="database centrale: file SQLite o postgresql://…"
    )
    r2.add_argument("--json", action="store_true", help="uscita JSON")
    r2.set_defaults(handler=cmd_centrale_revoca)
    u = psub.add_parser(
        "unisciti", help="entra fra i coordinatori con il codice di un coordinatore"
    )
    u.add_argument("--da", type=Path, required=True, metavar="CARTELLA", help="cartella condivisa")
    u.add_argument("--email", required=True, help="la tua email, come nell'invito")
    u.add_argument("--codice", required=True, help="il codice di invito (5 gruppi di 5 caratteri)")
    u.add_argument(
        "--nome",
        action=FreeText,
        default="",
        metavar="NOME",
        help="come gli altri coordinatori vedranno questa postazione",
    )
    u.add_argument(
        "--db", type=db_file, metavar="DB", help="database centrale: file SQLite o postgresql://…"
    )
    u.add_argument("--json", action="store_true", help="uscita JSON")
    u.set_defaults(handler=cmd_centrale_unisciti)
    d = psub.add_parser("dispositivi", help="ogni dispositivo iscritto: esperto, nome, stato")
    d.add_argument("cartella", type=Path, metavar="CARTELLA")
    d.add_argument(
        "--db", type=db_file, metavar="DB", help="database centrale: file SQLite o postgresql://…"
    )
    d.add_argument("--json", action="store_true", help="uscita JSON")
    d.set_defaults(handler=cmd_centrale_dispositivi)
    m = psub.add_parser("merge", help="unisce i file in arrivo e pubblica la nuova generazione")
    m.add_argument("cartella", type=Path, metavar="CARTELLA")
    m.add_argument("--esperti", type=Path, metavar="FILE", help="nuovo elenco completo esperti")
    m.add_argument(
        "--assegnazioni", type=Path, metavar="FILE", help="nuovo elenco completo assegnazioni"
    )
    m.add_argument("--aree", type=Path, metavar="FILE", help="nuovo elenco completo Aree Interne")
    m.add_argument(
        "--enti", type=Path, metavar="FILE", help="nuovo elenco completo Unioni e Comunità Montane"
    )
    m.add_argument(
        "--db", type=db_file, metavar="DB", help="database centrale: file SQLite o postgresql://…"
    )
    m.add_argument("--json", action="store_true", help="uscita JSON")
    m.set_defaults(handler=cmd_centrale_merge)
    s = psub.add_parser("stato", help="generazioni, esperti, quarantena")
    s.add_argument("cartella", type=Path, metavar="CARTELLA")
    s.add_argument(
        "--db", type=db_file, metavar="DB", help="database centrale: file SQLite o postgresql://…"
    )
    s.add_argument("--json", action="store_true", help="uscita JSON")
    s.set_defaults(handler=cmd_centrale_stato)
    g = psub.add_parser(
        "migra",
        help="copia il database del centro da SQLite a PostgreSQL e verifica la copia",
    )
    g.add_argument(
        "--da",
        type=Path,
        required=True,
        metavar="FILE",
        help="il file SQLite del centro (<profilo>/centrale/centrale-<id>.sqlite3)",
    )
    g.add_argument(
        "--a",
        type=postgres_url,
        required=True,
        metavar="URL",
        help="database PostgreSQL vuoto: postgresql://utente@server/database",
    )
    g.add_argument("--json", action="store_true", help="uscita JSON")
    g.set_defaults(handler=cmd_centrale_migra)


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
        report = laptop.join(store, args.da, args.email, args.codice, args.nome_dispositivo)
        me = store.experts.me() if store.expert_id else None
        comuni = store.comuni.assigned(store.expert_id) if store.expert_id else []
    except BaseException:
        store.close()
        if created:
            for suffix in ("", "-wal", "-shm", ".replica.json"):
                Path(str(ctx.profile.db) + suffix).unlink(missing_ok=True)
        raise
    store.close()
    if report.enrolment:
        say(
            f"Profilo collegato a {args.da} e richiesta di iscrizione di questo dispositivo "
            "lasciata nella cartella. La Segreteria Tecnica la accetterà alla prossima unione "
            "(`taskforce centrale merge`); poi `taskforce sync` riceverà i tuoi dati. Nel "
            "frattempo puoi lavorare: nulla va perso."
        )
        return 0
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
def _keys(ctx: Context) -> Path:
    """The coordinator's key pair, always in the profile (also with --db elsewhere)."""
    from taskforce_tui.sync.central import default_keys

    return default_keys(ctx.profile.root)


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
    from taskforce_tui.sync.people import read_areas, read_assignments, read_enti, read_experts

    return People(
        read_experts(args.esperti) if args.esperti else None,
        read_assignments(args.assegnazioni) if args.assegnazioni else None,
        read_areas(args.aree) if args.aree else None,
        read_enti(args.enti) if args.enti else None,
    )


def cmd_centrale_init(ctx: Context) -> int:
    from taskforce_tui.sync.central import Central

    args = ctx.args
    people = _people(args)
    central, report = Central.init(
        args.cartella, args.db, _central_home(ctx), people, email=args.email, keys_path=_keys(ctx)
    )
    try:
        n = len(central.status()["experts"])
    finally:
        central.close()
    say(
        f"Cartella {args.cartella} pronta: generazione {report.generation} pubblicata, "
        f"{n} esperti. Database centrale: {central.where}. Per ogni esperto crea un codice "
        f"con `taskforce centrale invita {args.cartella} EMAIL`; l'esperto si collega con "
        f"`taskforce init --da {args.cartella} --email EMAIL --codice CODICE`."
    )
    return 0


def cmd_centrale_merge(ctx: Context) -> int:
    from dataclasses import asdict

    from taskforce_tui.sync.central import Central

    args = ctx.args
    people = (
        _people(args) if (args.esperti or args.assegnazioni or args.aree or args.enti) else None
    )
    with Central.open(args.cartella, args.db, _central_home(ctx), _keys(ctx)) as central:
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
    if report.enrolled:
        say(f"Dispositivi iscritti: {report.enrolled}.")
    if report.coordinators_joined:
        say(
            f"Nuovi coordinatori: {report.coordinators_joined} (completano l'ingresso con "
            "`taskforce centrale unisciti`)."
        )
    if report.enrol_refused:
        warn(
            f"Richieste di iscrizione respinte: {report.enrol_refused} (i motivi in "
            "`taskforce centrale stato`)."
        )
    for who in report.clock_ahead:
        warn(f"Orologio avanti: {who}. Le sue modifiche hanno preso l'ora della centrale.")
    if report.not_for_me:
        warn(
            f"{len(report.not_for_me)} file in arrivo non sono cifrati per questa postazione "
            "(inviati prima che entrasse fra i coordinatori): lasciati dove sono."
        )
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
    with Central.open(args.cartella, args.db, _central_home(ctx), _keys(ctx)) as central:
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
    if data["open_invites"]:
        say("Inviti non ancora usati:")
        for i in data["open_invites"]:
            say(f"  {i['email']} ({i['role']}), scade {when(i['expires_at'])}")
    if data["enrolments"]:
        say("Iscrizioni e revoche (le più recenti):")
        emit_table(
            ("Quando", "Chi", "Dispositivo", "Esito", "Motivo"),
            [
                (when(e["at"]), e["who"], e["device"], e["outcome"], e["reason"])
                for e in data["enrolments"][:20]
            ],
        )
    return 0


def cmd_centrale_invita(ctx: Context) -> int:
    from taskforce_tui.sync.central import Central

    args = ctx.args
    with Central.open(args.cartella, args.db, _central_home(ctx), _keys(ctx)) as central:
        invite = central.invite(args.email, "coordinatore" if args.coordinatore else "esperto")
    if args.json:
        emit_json(invite)
        return 0
    from taskforce_tui.sync.status import when

    command = "centrale unisciti" if args.coordinatore else "init"
    say(
        f"Codice di invito per {invite['email']}: {invite['codice']}\n"
        f"Valido fino a {when(invite['scade'])}, una sola volta. Comunicalo di persona o per "
        f"telefono (mai nella cartella condivisa): la persona esegue `taskforce {command} "
        f"--da {args.cartella} --email {invite['email']} --codice {invite['codice']}`."
    )
    return 0


def cmd_centrale_unisciti(ctx: Context) -> int:
    from taskforce_tui.sync.joining import join

    args = ctx.args
    result = join(
        args.da, args.email, args.codice, args.nome, _central_home(ctx), _keys(ctx), args.db
    )
    if args.json:
        emit_json(
            {"esito": result.outcome, "messaggio": result.message, "generazione": result.generation}
        )
    elif result.outcome == "rifiutato":
        warn(result.message)
    else:
        say(result.message)
    return 2 if result.outcome == "rifiutato" else 0


def cmd_centrale_revoca(ctx: Context) -> int:
    from taskforce_tui.sync.central import Central

    args = ctx.args
    with Central.open(args.cartella, args.db, _central_home(ctx), _keys(ctx)) as central:
        done = central.revoke(args.email, args.dispositivo)
    if args.json:
        emit_json({"email": args.email, "revocati": done})
        return 0 if done else 2
    if not done:
        warn(f"Nessun dispositivo attivo da revocare per {args.email}. Non è cambiato nulla.")
        return 2
    for item in done:
        say(f"Revocato: {item}.")
    say(
        "Da ora i file firmati da questi dispositivi vanno in quarantena; dalla prossima "
        "`taskforce centrale merge` gli estratti non sono più leggibili da loro."
    )
    return 0


def cmd_centrale_dispositivi(ctx: Context) -> int:
    from taskforce_tui.sync.central import Central
    from taskforce_tui.sync.status import when

    args = ctx.args
    with Central.open(args.cartella, args.db, _central_home(ctx), _keys(ctx)) as central:
        rows = central.devices()
    if args.json:
        emit_json(rows)
        return 0
    if not rows:
        say("Nessun dispositivo iscritto: crea i codici con `taskforce centrale invita`.")
        return 0
    emit_table(
        ("Esperto", "Dispositivo", "Id", "Iscritto", "Ultimo invio", "Revocato"),
        [
            (
                r["expert"],
                r["name"],
                r["device_id"],
                when(r["enrolled_at"]),
                when(r["last_outbox_at"]) if r["last_outbox_at"] else "-",
                when(r["revoked_at"]) if r["revoked_at"] else "-",
            )
            for r in rows
        ],
    )
    return 0


def _phases(label: str, fraction: float) -> None:
    """What a long migration is doing, on a terminal only (stdout stays the table)."""
    import sys

    if sys.stderr.isatty():
        sys.stderr.write(f"{fraction:4.0%} {label}\n")


def cmd_centrale_migra(ctx: Context) -> int:
    from taskforce_tui.sync.migrate import migrate

    args = ctx.args
    report = migrate(args.da, args.a, progress=_phases)
    if args.json:
        emit_json(
            {
                "target": report.target,
                "equal": report.equal,
                "tables": [
                    {
                        "table": t.table,
                        "sqlite_rows": t.source_rows,
                        "postgresql_rows": t.target_rows,
                        "sqlite_hash": t.source_hash,
                        "postgresql_hash": t.target_hash,
                        "equal": t.equal,
                    }
                    for t in report.tables
                ],
            }
        )
        return 0 if report.equal else 1
    emit_table(
        (
            "Tabella",
            "Righe SQLite",
            "Righe PostgreSQL",
            "Impronta SQLite",
            "Impronta PostgreSQL",
            "Esito",
        ),
        [
            (
                t.table,
                t.source_rows,
                t.target_rows,
                t.source_hash[:16],
                t.target_hash[:16],
                "uguale" if t.equal else "DIVERSA",
            )
            for t in report.tables
        ],
    )
    if report.equal:
        say(
            f"Centro copiato in {report.target}: {len(report.tables)} tabelle, "
            f"{report.rows} righe, conteggi e impronte uguali."
        )
        return 0
    different = [t.table for t in report.tables if not t.equal]
    warn(
        f"La copia in {report.target} è DIVERSA dall'originale in {len(different)} tabelle: "
        f"{', '.join(different)}. Non usarla: svuota il database di destinazione e ripeti, "
        "o segnala il problema."
    )
    return 1
