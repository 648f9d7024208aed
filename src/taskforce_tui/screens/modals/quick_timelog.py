"""Log time from anywhere: a short time-log form and the timer toggle.

Called by `TaskforceApp.log_time()` and `TaskforceApp.action_toggle_timer()` with the
Comune / practice / request the current screen is about. The Registro ore area (week
view, edit and delete) builds on the same store functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import today
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.screens.modals.forms import Field, FormModal
from taskforce_tui.screens.modals.practice_forms import comune_options

if TYPE_CHECKING:
    from taskforce_tui.domain.records import TimeLog
    from taskforce_tui.store.db import Store

#: The Comune select's value for work not tied to one Comune.
CROSS_CUTTING = "-"


def _default_activity(practice_id: str | None, request_id: str | None) -> str:
    return "istruttoria" if practice_id else "affiancamento"


def time_log_form(
    store: Store,
    comune_code: str | None = None,
    practice_id: str | None = None,
    request_id: str | None = None,
) -> FormModal[TimeLog]:
    """Dismissed with the TimeLog written."""
    if store.expert_id is None:
        raise DomainError("Il profilo non ha ancora un esperto: completa la configurazione.")
    practice = store.practices.get(practice_id) if practice_id else None
    request = store.requests.get(request_id) if request_id else None
    if practice is not None:
        comune_code = practice.comune_code
    elif request is not None:
        comune_code = request.comune_code
    comuni = [*comune_options(store), ("Trasversale (nessun Comune)", CROSS_CUTTING)]
    codes = {code for _, code in comuni}
    activities = [(a.name, a.code) for a in store.lists.activities()]
    activity = _default_activity(practice_id, request_id)
    if activity not in {code for _, code in activities}:
        activity = activities[0][1] if activities else ""
    fields = [
        Field("work_date", "Data", "date", today(), required=True),
        Field("minutes", "Durata", "minutes", required=True, placeholder="es. 1h30, 90, 1,5h"),
        Field(
            "comune",
            "Comune",
            "select",
            comune_code if comune_code in codes else None,
            comuni,
            required=True,
        ),
        Field("activity", "Attività", "select", activity or None, activities, required=True),
        Field(
            "mode",
            "Modalità",
            "select",
            vocab.MODE_PRESENZA,
            [(label, code) for code, label in vocab.MODE_LABELS.items()],
            required=True,
        ),
        Field("note", "Nota"),
    ]
    about = []
    if practice is not None:
        about.append(f"pratica {practice.protocol_no}")
    if request is not None:
        about.append(f"richiesta «{request.subject[:40]}»")
    intro = f"Ore su {' e '.join(about)}." if about else ""

    def save(store: Store, v: dict[str, Any]) -> TimeLog:
        from taskforce_tui.domain.records import TimeLog

        comune = None if v["comune"] == CROSS_CUTTING else v["comune"]
        if practice is not None and comune != practice.comune_code:
            raise DomainError("Le ore su una pratica vanno sul Comune della pratica.", "comune")
        log = TimeLog(
            id="",
            expert_id=store.expert_id or "",
            work_date=v["work_date"],
            minutes=v["minutes"],
            activity=v["activity"],
            mode=v["mode"],
            comune_code=comune,
            practice_id=practice.id if practice else None,
            request_id=request.id if request else None,
            note=v["note"] or "",
        )
        return store.timelogs.add(log)

    return FormModal(
        "Registra ore", fields, save, intro=intro, submit_label="Registra", form_id="timelog"
    )


def toggle_timer(store: Store, context: dict[str, str | None]) -> str:
    """Stop the running timer (logging its time) or start one on the context.
    Returns the message for the user."""
    from taskforce_tui.screens.home import hours

    if store.expert_id is None:
        raise DomainError("Il profilo non ha ancora un esperto: completa la configurazione.")
    if store.timer.current() is not None:
        log = store.timer.stop()
        if log is None:
            return "Timer fermato dopo meno di un minuto: nessuna ora registrata."
        return f"Timer fermato: registrate {hours(log.minutes)}."
    practice_id = context.get("practice_id")
    comune_code = context.get("comune_code")
    request_id = context.get("request_id")
    if practice_id:
        comune_code = store.practices.get(practice_id).comune_code
    timer = store.timer.start(
        _default_activity(practice_id, request_id),
        comune_code=comune_code,
        practice_id=practice_id,
        request_id=request_id,
    )
    where = ""
    if comune_code:
        comune = store.comuni.get(comune_code)
        where = f" su {comune.name}" if comune else ""
    return f"Timer avviato alle {timer.started_at:%H:%M}{where}: t di nuovo per fermarlo."
