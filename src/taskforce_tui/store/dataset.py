"""Deterministic synthetic data: the demo profile and the region-scale benchmark set.

Everything is generated from a seed and a reference "today", and written as base
data (bulk `executemany` in one transaction, no op log): it stands for what the
centre already holds, not for edits made on this laptop.
"""

from __future__ import annotations

import json
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from taskforce_tui.domain import vocab
from taskforce_tui.store.ids import now_utc

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store

#: The demo expert's Comuni: eight real Comuni of the province of Bergamo.
DEMO_COMUNI = ("016024", "016219", "016198", "016091", "016183", "016004", "016053", "016077")

_FIRST = (
    "Giulia",
    "Marco",
    "Francesca",
    "Luca",
    "Chiara",
    "Andrea",
    "Sara",
    "Paolo",
    "Elena",
    "Davide",
    "Martina",
    "Stefano",
    "Laura",
    "Matteo",
    "Silvia",
    "Roberto",
)
_LAST = (
    "Rossi",
    "Colombo",
    "Ferrari",
    "Bianchi",
    "Villa",
    "Brambilla",
    "Galli",
    "Fumagalli",
    "Sala",
    "Cattaneo",
    "Ricci",
    "Mariani",
    "Locatelli",
    "Moretti",
    "Rota",
    "Pellegrini",
)
_STREETS = (
    "via Roma",
    "via Garibaldi",
    "via Mazzini",
    "viale Europa",
    "via Dante",
    "via Manzoni",
    "via Verdi",
    "via XX Settembre",
    "via Marconi",
    "via dei Mille",
    "località Cascina Nuova",
    "via per Bergamo",
    "via Industriale",
    "strada provinciale 42",
)
_SUBJECTS: dict[str, tuple[str, ...]] = {
    "via": (
        "Ampliamento polo logistico",
        "Nuova cava di inerti",
        "Impianto di produzione biometano",
    ),
    "verifica_via": (
        "Ampliamento capannone industriale",
        "Modifica impianto di recupero inerti",
        "Nuovo parcheggio multipiano",
    ),
    "paur": ("Centro commerciale con viabilità di accesso", "Derivazione idroelettrica"),
    "aua": (
        "Emissioni in atmosfera officina meccanica",
        "Scarichi industriali lavanderia",
        "Rinnovo AUA carrozzeria",
    ),
    "au_rinnovabili": (
        "Impianto fotovoltaico a terra 990 kWp",
        "Impianto agrivoltaico 4,5 MWp",
        "Impianto a biogas 300 kWe",
    ),
    "pas": (
        "Fotovoltaico su copertura 200 kWp",
        "Impianto mini-eolico 60 kW",
        "Fotovoltaico su pensiline parcheggio",
    ),
    "permesso_costruire": (
        "Nuova costruzione residenziale bifamiliare",
        "Ristrutturazione con ampliamento edificio",
        "Demolizione e ricostruzione",
        "Nuovo edificio artigianale",
    ),
    "scia": (
        "Manutenzione straordinaria facciate",
        "Frazionamento unità immobiliare",
        "Cambio di destinazione d'uso",
        "Rifacimento copertura",
    ),
    "paesaggistica": (
        "Recinzione in zona vincolata",
        "Modifica prospetti in centro storico",
        "Posa cappotto termico",
    ),
    "bonifica": (
        "Piano di caratterizzazione ex area industriale",
        "Analisi di rischio distributore",
    ),
    "rifiuti_208": (
        "Impianto di messa in riserva rifiuti",
        "Rinnovo autorizzazione centro di raccolta",
    ),
    "appalto": (
        "Riqualificazione scuola primaria",
        "Manutenzione strade comunali",
        "Efficientamento illuminazione pubblica",
        "Nuova palestra comunale",
    ),
}
# Relative frequency of each procedure type in a Comune's workload.
_WEIGHTS = {
    "scia": 30,
    "permesso_costruire": 22,
    "paesaggistica": 10,
    "pas": 8,
    "aua": 7,
    "au_rinnovabili": 5,
    "verifica_via": 4,
    "appalto": 6,
    "via": 2,
    "paur": 1,
    "bonifica": 2,
    "rifiuti_208": 2,
}
_SUSPENSION_REASONS = (
    "Richiesta integrazioni documentali",
    "Attesa parere Soprintendenza",
    "Attesa parere ARPA",
    "Richiesta chiarimenti al progettista",
    "Preavviso di diniego (art. 10-bis)",
)
_REQUEST_SUBJECTS = (
    "Interpretazione norme tecniche PGT",
    "Modulistica unificata SCIA",
    "Termini della conferenza di servizi",
    "Calcolo oneri di urbanizzazione",
    "Verifica di assoggettabilità: documentazione",
    "Autorizzazione unica: iter",
    "Smaltimento arretrato pratiche edilizie",
    "Procedura negoziata sotto soglia",
    "Digitalizzazione dello sportello SUE",
    "Silenzio-assenso: presupposti",
)


@dataclass(slots=True)
class DatasetSpec:
    seed: int = 2026
    today: date | None = None
    experts: int = 1
    comuni_per_expert: int = 8
    practices: int = 1500
    requests: int = 40
    time_log_days: int = 61
    time_logs: int | None = None  # fixed total instead of time_log_days per expert
    history_days: int = 730
    region: bool = False  # use all Comuni of Lombardy, not the demo eight


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate(
    store: Store, spec: DatasetSpec, progress: Callable[[str, float], None] | None = None
) -> dict[str, int]:
    """Fill `store` with a dataset; the profile's expert is the first one generated."""
    from taskforce_tui.domain.dates import today as real_today

    rng = random.Random(spec.seed)
    day0 = spec.today or real_today()
    stamp = now_utc()
    report = progress or (lambda _label, _fraction: None)
    counts: dict[str, int] = {}

    with store.read() as conn:
        all_comuni = [
            r[0]
            for r in conn.execute(
                "SELECT istat_code FROM comune WHERE active = 1 AND deleted = 0 "
                "AND kind = 'comune' ORDER BY istat_code"
            )
        ]
        terms = dict(conn.execute("SELECT code, legal_term_days FROM procedure_type"))
        type_ambito = dict(conn.execute("SELECT code, ambito FROM procedure_type"))
        activities = [r[0] for r in conn.execute("SELECT code FROM activity ORDER BY code")]

    # --- experts and assignments -------------------------------------------------------------
    experts: list[tuple[str, str, str, str]] = []
    assignments: list[tuple[str, str, str, str | None, str, None, str, str]] = []
    expert_comuni: dict[str, list[str]] = {}
    pool = list(all_comuni) if spec.region else list(DEMO_COMUNI)
    if spec.region:
        rng.shuffle(pool)
    for i in range(spec.experts):
        expert_id = _uuid(rng)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        name = f"{first} {last}"
        email = f"{first}.{last}{'' if i == 0 else i}@esperti.regione.lombardia.it".lower()
        ambiti = sorted(rng.sample([a for a, _ in vocab.DEFAULT_AMBITI[:5]], 2))
        experts.append((expert_id, name, email, json.dumps(ambiti)))
        share = pool[i :: spec.experts] if spec.region else pool[: spec.comuni_per_expert]
        expert_comuni[expert_id] = share
        since = (day0 - timedelta(days=spec.history_days)).isoformat()
        for code in share:
            assignments.append((_uuid(rng), expert_id, code, None, since, None, stamp, stamp))
    me = experts[0][0]
    covered = [c for share in expert_comuni.values() for c in share]
    owner = {c: e for e, share in expert_comuni.items() for c in share}

    # --- practices --------------------------------------------------------------------------
    types = list(_WEIGHTS)
    weights = [_WEIGHTS[t] for t in types]
    # Bigger Comuni get more practices: a skewed weight per Comune, fixed by the seed.
    comune_weight = [rng.lognormvariate(0, 0.6) for _ in covered]
    practices: list[tuple[object, ...]] = []
    suspensions: list[tuple[object, ...]] = []
    open_practices: dict[str, list[str]] = {}
    protocol_counter: dict[tuple[str, int], int] = {}
    chosen_comuni = rng.choices(covered, weights=comune_weight, k=spec.practices)
    chosen_types = rng.choices(types, weights=weights, k=spec.practices)
    for n in range(spec.practices):
        comune = chosen_comuni[n]
        ptype = chosen_types[n]
        term = int(terms[ptype])
        received = day0 - timedelta(days=rng.randint(0, spec.history_days))
        key = (comune, received.year)
        protocol_counter[key] = protocol_counter.get(key, 0) + rng.randint(1, 40)
        protocol = f"{protocol_counter[key]}/{received.year}"
        practice_id = _uuid(rng)
        # Processing time without suspensions: around the legal term, with a long tail.
        work = max(0, int(term * math.exp(rng.gauss(-0.15, 0.45))))
        cursor = received
        susp_rows: list[tuple[date, date | None, str]] = []
        for _ in range(rng.choices((0, 1, 2), weights=(62, 30, 8))[0]):
            start = cursor + timedelta(days=rng.randint(3, max(4, term // 2)))
            length = rng.randint(10, 75)
            susp_rows.append(
                (start, start + timedelta(days=length), rng.choice(_SUSPENSION_REASONS))
            )
            cursor = start + timedelta(days=length)
        suspended = sum((e - s).days for s, e, _ in susp_rows if e is not None)
        decision = received + timedelta(days=work + suspended)
        status, concluded, outcome = vocab.APERTA, None, None
        if decision <= day0 and rng.random() > 0.04:
            if rng.random() < 0.07:
                status, outcome = vocab.ARCHIVIATA, vocab.OUTCOME_ARCHIVIATA
            else:
                status = vocab.CONCLUSA
                if ptype in ("scia", "pas") and rng.random() < 0.35:
                    outcome = vocab.SILENZIO_ASSENSO
                else:
                    outcome = vocab.SFAVOREVOLE if rng.random() < 0.1 else vocab.FAVOREVOLE
            concluded = decision
            susp_rows = [(s, e, r) for s, e, r in susp_rows if e is not None and e <= concluded]
        else:
            # Still open: drop suspensions not yet started; one running today stays open.
            kept: list[tuple[date, date | None, str]] = []
            for s, e, r in susp_rows:
                if s > day0:
                    break
                if e is not None and e > day0:
                    kept.append((s, None, r))
                    status = vocab.SOSPESA
                    break
                kept.append((s, e, r))
            susp_rows = kept
            open_practices.setdefault(comune, []).append(practice_id)
        conference = (
            ptype in ("via", "paur", "au_rinnovabili", "rifiuti_208") and rng.random() < 0.6
        )
        subject = f"{rng.choice(_SUBJECTS[ptype])} - {rng.choice(_STREETS)} {rng.randint(1, 120)}"
        practices.append(
            (
                practice_id,
                comune,
                type_ambito[ptype],
                ptype,
                protocol,
                subject,
                received.isoformat(),
                term,
                status,
                int(conference),
                concluded.isoformat() if concluded else None,
                outcome,
                owner[comune],
                "",
                None,
                stamp,
                stamp,
            )
        )
        for s, e, r in susp_rows:
            suspensions.append(
                (
                    _uuid(rng),
                    practice_id,
                    s.isoformat(),
                    e.isoformat() if e else None,
                    r,
                    stamp,
                    stamp,
                )
            )

    # --- requests -----------------------------------------------------------------------------
    requests: list[tuple[object, ...]] = []
    links: list[tuple[object, ...]] = []
    statuses = (
        vocab.REQ_NUOVA,
        vocab.REQ_IN_LAVORAZIONE,
        vocab.REQ_IN_ATTESA,
        vocab.REQ_EVASA,
        vocab.REQ_CHIUSA,
    )
    for _ in range(spec.requests):
        comune = rng.choice(covered)
        request_id = _uuid(rng)
        opened = day0 - timedelta(days=rng.randint(0, 180))
        status = rng.choices(statuses, weights=(3, 5, 2, 6, 4))[0]
        closed = None
        if status in (vocab.REQ_EVASA, vocab.REQ_CHIUSA):
            closed = min(day0, opened + timedelta(days=rng.randint(3, 45))).isoformat()
        requests.append(
            (
                request_id,
                comune,
                rng.choice([a for a, _ in vocab.DEFAULT_AMBITI[:6]]),
                rng.choices(vocab.REQUEST_KINDS, weights=(3, 1))[0],
                rng.choice(_REQUEST_SUBJECTS),
                "Richiesta pervenuta tramite il portale PAsS.",
                opened.isoformat(),
                status,
                owner[comune],
                closed,
                stamp,
                stamp,
            )
        )
        for practice_id in rng.sample(
            open_practices.get(comune, []),
            min(len(open_practices.get(comune, [])), rng.randint(0, 2)),
        ):
            links.append((_uuid(rng), request_id, practice_id, stamp, stamp))

    # --- time logs ------------------------------------------------------------------------------
    time_logs: list[tuple[object, ...]] = []
    quota: int | None = None
    extra = 0
    if spec.time_logs is not None:  # exactly spec.time_logs, spread over the experts
        quota, extra = divmod(spec.time_logs, max(1, spec.experts))
    for index, (expert_id, *_) in enumerate(experts):
        per_expert = None if quota is None else quota + (1 if index < extra else 0)
        share = expert_comuni[expert_id]
        made = 0
        offset = 1
        while True:
            if per_expert is None and offset > spec.time_log_days:
                break
            if per_expert is not None and made >= per_expert:
                break
            day = day0 - timedelta(days=offset)
            offset += 1
            if day.weekday() >= 5:
                continue
            hour = 9
            entries = rng.choice((2, 3, 3, 4)) if per_expert is None else rng.choice((3, 4, 5))
            for _ in range(entries):
                minutes = rng.choice((60, 90, 120, 150, 180))
                log_comune = rng.choice(share) if rng.random() > 0.08 else None
                candidates = open_practices.get(log_comune or "", [])
                practice = rng.choice(candidates) if candidates and rng.random() < 0.3 else None
                end_minutes = hour * 60 + minutes
                start_txt = f"{hour:02d}:00"
                end_txt = f"{end_minutes // 60:02d}:{end_minutes % 60:02d}"
                hour = (end_minutes + 59) // 60
                mode = vocab.MODE_REMOTO if rng.random() < 0.2 else vocab.MODE_PRESENZA
                time_logs.append(
                    (
                        _uuid(rng),
                        expert_id,
                        day.isoformat(),
                        minutes,
                        log_comune,
                        rng.choice(activities),
                        mode,
                        practice,
                        None,
                        "",
                        start_txt,
                        end_txt,
                        stamp,
                        stamp,
                    )
                )
                made += 1
                if per_expert is not None and made >= per_expert:
                    break

    # --- write ------------------------------------------------------------------------------------
    report("Scrittura esperti e assegnazioni", 0.05)
    with store.bulk() as conn:
        conn.executemany(
            "INSERT INTO expert(id, name, email, ambiti, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(*e, stamp, stamp) for e in experts],
        )
        conn.executemany(
            "INSERT INTO assignment(id, expert_id, comune_code, ambito, valid_from, valid_to, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            assignments,
        )
        report("Scrittura pratiche", 0.1)
        step = 20_000
        for i in range(0, len(practices), step):
            conn.executemany(
                "INSERT INTO practice(id, comune_code, ambito, procedure_type, protocol_no, "
                "subject, received_on, legal_term_days, status, service_conference, "
                "concluded_on, outcome, expert_id, notes, reopen_reason, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                practices[i : i + step],
            )
            report("Scrittura pratiche", 0.1 + 0.5 * (i + step) / max(1, len(practices)))
        conn.executemany(
            "INSERT INTO suspension(id, practice_id, start_on, end_on, reason, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            suspensions,
        )
        report("Scrittura richieste", 0.7)
        conn.executemany(
            "INSERT INTO request(id, comune_code, ambito, kind, subject, description, opened_on, "
            "status, expert_id, closed_on, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            requests,
        )
        conn.executemany(
            "INSERT INTO request_practice(id, request_id, practice_id, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            links,
        )
        report("Scrittura registro ore", 0.8)
        for i in range(0, len(time_logs), 100_000):
            conn.executemany(
                "INSERT INTO time_log(id, expert_id, work_date, minutes, comune_code, activity, "
                "mode, practice_id, request_id, note, start_time, end_time, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                time_logs[i : i + 100_000],
            )
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('expert_id', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (me,),
        )
    # --- baselines: the centre's reference figures (Phase 2), from their own random
    # stream so that adding them left every other generated row as it was ------------------
    baselines = _baselines(practices, terms, spec.seed, stamp)
    with store.bulk() as conn:
        conn.executemany(
            "INSERT INTO baseline(id, comune_code, procedure_type, period, avg_duration_days, "
            "backlog, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            baselines,
        )
    counts["baselines"] = len(baselines)
    if not spec.region:
        # Aree Interne (issue 15): two demo areas, forty interventions, own random stream
        from taskforce_tui.store.aree_dataset import generate_aree

        aree = generate_aree(store, seed=spec.seed, today=day0, expert_id=me)
        counts.update(aree_areas=aree["areas"], aree_interventions=aree["interventions"])
    report("Ottimizzazione indici", 0.95)
    with store.read() as conn:
        conn.execute("ANALYZE")
    report("Fatto", 1.0)
    counts.update(
        experts=len(experts),
        assignments=len(assignments),
        practices=len(practices),
        suspensions=len(suspensions),
        requests=len(requests),
        time_logs=len(time_logs),
    )
    return counts


def _baselines(
    practices: list[tuple[object, ...]], terms: dict[str, int], seed: int, stamp: str
) -> list[tuple[object, ...]]:
    """Reference average duration and backlog for 2022-H1, somewhat worse than today's,
    for most (Comune, type) pairs that have practices (some are left without one)."""
    rng = random.Random(f"baseline-{seed}")
    cells: dict[tuple[str, str], int] = {}
    for row in practices:
        key = (str(row[1]), str(row[3]))
        cells[key] = cells.get(key, 0) + 1
    out: list[tuple[object, ...]] = []
    for (comune, ptype), count in sorted(cells.items()):
        if rng.random() < 0.15:
            continue
        duration = round(int(terms[ptype]) * rng.uniform(0.9, 1.7), 1)
        backlog = rng.randint(0, 2 + count // 8)
        out.append(
            (_uuid(rng), comune, ptype, "2022-H1", duration, backlog, "centro", stamp, stamp)
        )
    return out


def demo_spec(seed: int = 2026, today: date | None = None) -> DatasetSpec:
    return DatasetSpec(seed=seed, today=today)


def region_spec(seed: int = 2026, today: date | None = None) -> DatasetSpec:
    return DatasetSpec(
        seed=seed,
        today=today,
        experts=120,
        practices=300_000,
        requests=6_000,
        time_logs=1_000_000,
        region=True,
    )
