"""Forms of the Registro ore: an entry, starting and stopping the timer, the monthly
report. All are FormModals (modals/forms.py): fields checked on submit with the
error beside the field, F2 or Enter saves, Escape cancels. A save that must ask
(an unusual day to confirm, a timer to discard) asks from its thread worker with
`screens.base.ask` and writes nothing until the user says yes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Input, Select

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date, parse_date, today
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.records import TimeLog
from taskforce_tui.domain.timelog import (
    Month,
    TimerState,
    format_minutes,
    parse_clock,
    resolve_span,
)
from taskforce_tui.screens.base import ask
from taskforce_tui.screens.modals.confirm import ConfirmModal
from taskforce_tui.screens.modals.forms import Field, FormModal, KeepOpen

if TYPE_CHECKING:
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.timer import RunningTimer, Stopped


@dataclass(slots=True)
class FormChoices:
    """What the forms offer, loaded by the caller in a worker (plain data)."""

    comuni: list[str] = field(default_factory=list)  # names of the assigned Comuni
    activities: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    names: dict[str, str] = field(default_factory=dict)  # ISTAT code -> name


def load_choices(store: Store) -> FormChoices:
    """Blocking: call from a worker thread."""
    assigned = store.comuni.assigned(store.expert_id)
    activities = [(a.code, a.name) for a in store.lists.activities()]
    return FormChoices(
        comuni=[c.name for c in assigned],
        activities=activities,
        names={c.istat_code: c.name for c in assigned},
    )


def context_names(store: Store, context: dict[str, str | None]) -> tuple[str, str]:
    """(Comune name, protocol) of what a screen is about (its `work_context`): a
    practice gives its own Comune, a request its Comune when the screen names none.
    Blocking: call from a worker thread."""
    code, protocol_no = context.get("comune_code"), ""
    if practice_id := context.get("practice_id"):
        practice = store.practices.get(practice_id)
        protocol_no, code = practice.protocol_no, practice.comune_code
    elif (request_id := context.get("request_id")) and not code:
        code = store.requests.get(request_id).comune_code
    comune = store.comuni.get(code) if code else None
    return (comune.name if comune else ""), protocol_no


# --- shared fields ----------------------------------------------------------------------
COMUNE_HINT = "nome o codice ISTAT; vuoto = attività trasversale"


def comune_field(choices: FormChoices, name: str) -> Field:
    return Field(
        "comune", "Comune", value=name, placeholder=COMUNE_HINT, suggestions=choices.comuni
    )


def activity_field(choices: FormChoices, current: str | None = None) -> Field:
    options = [(name, code) for code, name in choices.activities]
    codes = [code for _, code in options]
    chosen = current if current in codes else (codes[0] if codes else None)
    return Field(
        "attivita",
        "Attività",
        "select",
        chosen,
        options,
        required=True,
        also=("activity",),
        blank=False,
    )


def mode_field(mode: str) -> Field:
    """In presenza / Da remoto as words (a checkbox would show its state by colour)."""
    options = [(label, code) for code, label in vocab.MODE_LABELS.items()]
    return Field(
        "modo", "Modalità", "select", mode, options, required=True, also=("mode",), blank=False
    )


def end_time(text: str) -> str:
    return parse_clock(text, "end_time")


def clock_field(name: str, label: str, value: str | None, field: str) -> Field:
    """An optional time of day; `field` names it in the store's refusals."""
    return Field(
        name,
        label,
        value=value or "",
        placeholder="HH:MM (facoltativo)",
        parse=lambda text: parse_clock(text, field),
        also=(field,),
    )


def worked_day(text: str) -> date:
    """A day already lived: hours are logged once worked."""
    day = parse_date(text, "work_date")
    if day > today():
        raise DomainError(
            f"Il {format_date(day)} è nel futuro: si registrano solo ore già lavorate.",
            "work_date",
        )
    return day


# --- the entry form -------------------------------------------------------------------------------
class TimeLogForm(FormModal[TimeLog]):
    """New or edited entry. Dismisses with the saved TimeLog (None if cancelled); the
    caller announces the change (it also moves to the week saved)."""

    CHANGES: ClassVar[tuple[str, ...] | None] = None

    def __init__(
        self,
        choices: FormChoices,
        *,
        log: TimeLog | None = None,
        day: date | None = None,
        comune_name: str = "",
        protocol_no: str = "",
        intervention_cup: str = "",
    ) -> None:
        self.choices = choices
        self.entry = log
        fields = [
            Field(
                "data",
                "Data",
                "date",
                log.work_date if log else (day or today()),
                required=True,
                parse=worked_day,
                also=("work_date",),
            ),
            Field(
                "durata",
                "Durata",
                "minutes",
                format_minutes(log.minutes) if log else "",
                placeholder="1h30, 1:30, 90m, 1,5h",
                also=("minutes",),
            ),
            clock_field("dalle", "Dalle", log.start_time if log else None, "start_time"),
            clock_field("alle", "Alle", log.end_time if log else None, "end_time"),
            comune_field(choices, comune_name),
            activity_field(choices, log.activity if log else None),
            mode_field(log.mode if log else vocab.MODE_PRESENZA),
            Field(
                "pratica",
                "Pratica",
                value=protocol_no,
                placeholder="protocollo (facoltativo)",
                also=("practice_id",),
            ),
            Field(
                "richiesta",
                "Richiesta",
                value=(log.request_id or "")[:8] if log else "",
                placeholder="id della richiesta (facoltativo)",
                also=("request_id",),
            ),
            Field(
                "intervento",
                "Intervento",
                value=intervention_cup,
                placeholder="CUP (facoltativo, Aree Interne)",
                also=("intervention_id", "cup"),
            ),
            Field("nota", "Nota", value=log.note if log else "", also=("note",)),
        ]
        title = "Modifica registrazione" if log else "Nuova registrazione di ore"
        super().__init__(title, fields, focus="durata")

    def check_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """Duration and times agree (one given, the other computed)."""
        try:
            span = resolve_span(values["durata"], values["dalle"], values["alle"])
        except DomainError as exc:
            raise DomainError(exc.message, exc.field or "minutes") from None
        return {
            **values,
            "durata": span.minutes,
            "dalle": span.start_time,
            "alle": span.end_time,
        }

    def build_log(self, store: Store, values: dict[str, Any]) -> TimeLog:
        """Names resolved in the store (blocking: the form's worker)."""
        comune_code = None
        if values["comune"]:
            comune_code = store.comuni.resolve(values["comune"], "comune").istat_code
        practice_id = request_id = None
        if values["pratica"]:
            scope = [comune_code] if comune_code else store.comuni.assigned_codes(store.expert_id)
            practice = store.practices.find(values["pratica"], scope)
            practice_id = practice.id
            comune_code = comune_code or practice.comune_code
        if values["richiesta"]:
            request = store.requests.find(values["richiesta"])
            request_id = request.id
            comune_code = comune_code or request.comune_code
        # a CUP that is not valid, or of no known intervention, is said so next to it
        intervention_id = (
            store.interventions.find(values["intervento"]).id if values["intervento"] else None
        )
        return TimeLog(
            id=self.entry.id if self.entry else "",
            expert_id=self.entry.expert_id if self.entry else (store.expert_id or ""),
            work_date=values["data"],
            minutes=values["durata"],
            activity=values["attivita"],
            mode=values["modo"],
            comune_code=comune_code,
            practice_id=practice_id,
            request_id=request_id,
            note=values["nota"] or "",
            start_time=values["dalle"],
            end_time=values["alle"],
            intervention_id=intervention_id,
        )

    def save(self, store: Store, values: dict[str, Any]) -> TimeLog:
        """Build, check, ask when the day looks wrong, write."""
        from taskforce_tui.store.timelogs import ConfirmationNeeded

        repo = store.timelogs
        log = self.build_log(store, values)
        warnings = repo.check(log)
        asked = [w.message for w in warnings if w.needs_confirmation]
        if asked and not ask(self.app, ConfirmModal(" ".join(asked), "Sì, registra")):
            raise DomainError("Non registrato: correggi la durata o conferma.")
        confirmed = bool(asked)
        try:
            saved = (
                repo.update(log, confirmed=confirmed)
                if log.id
                else repo.add(log, confirmed=confirmed)
            )
        except ConfirmationNeeded as exc:
            raise DomainError(exc.message) from None
        for w in warnings:
            if not w.needs_confirmation:
                self.app.call_from_thread(self.app.notify, w.message, severity="warning", timeout=8)
        return saved


# --- the timer ------------------------------------------------------------
class TimerStartForm(FormModal["RunningTimer"]):
    """Choose Comune and activity, then start. Dismisses with the RunningTimer; the
    timer flow (screens/timer.py) announces the change."""

    CHANGES: ClassVar[tuple[str, ...] | None] = None

    def __init__(self, choices: FormChoices, comune_name: str | None = None) -> None:
        self.choices = choices
        # The Comune the user is looking at (else the first of theirs).
        if comune_name is None:
            comune_name = choices.comuni[0] if choices.comuni else ""
        fields = [
            comune_field(choices, comune_name),
            activity_field(choices),
            mode_field(vocab.MODE_PRESENZA),
            Field("nota", "Nota", also=("note",)),
        ]
        super().__init__("Avvia il timer", fields, submit_label="Avvia", focus="comune")

    def save(self, store: Store, values: dict[str, Any]) -> RunningTimer:
        comune = values["comune"]
        code = store.comuni.resolve(comune, "comune").istat_code if comune else None
        return store.timer.start(
            activity=values["attivita"],
            mode=values["modo"],
            comune_code=code,
            note=values["nota"] or "",
        )


#: How the app discards a timer (named in the messages that suggest it).
DISCARD_HOW = "tasto F8 o pulsante «Scarta il timer»"


class StopTimerModal(FormModal["Stopped | str"]):
    """Asked when the timer ran past midnight or over 10 hours, or stopping it was
    refused (an overlap, less than a minute): choose an end time or a duration, keep
    everything (same day only), discard the timer, or leave it running (Escape).

    Dismisses with the Stopped result, "scartato", or None; the timer flow announces
    the change.
    """

    CHANGES: ClassVar[tuple[str, ...] | None] = None
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f8", "discard", "Scarta il timer", id="timer_stop.discard"),
    ]
    DEFAULT_CLASSES = "-many-buttons"  # four: they fit in 80 columns

    def __init__(self, state: TimerState, problem: str | None = None) -> None:
        self.state = state
        started = state.started_at
        fields = [
            Field(
                "alle",
                "Fine alle",
                placeholder=f"HH:MM del {format_date(started.date())}",
                parse=end_time,
                also=("end_time", "start_time", "timer"),
            ),
            Field(
                "durata",
                "o durata",
                "minutes",
                placeholder=f"dall'avvio delle {started:%H:%M}, es. 2h30",
                also=("minutes",),
            ),
        ]
        super().__init__(
            "Ferma il timer: cosa registro?",
            fields,
            intro=problem or state.explanation(),
            submit_label="Registra",
            cancel_label="Lascia in corso",
            focus="alle",
        )

    def more_buttons(self) -> ComposeResult:
        if not self.state.crossed_midnight:
            yield Button(f"Tutto ({format_minutes(self.state.minutes)})", id="all", compact=True)
        yield Button("Scarta il timer (F8)", variant="error", id="discard", compact=True)

    def check_values(self, values: dict[str, Any]) -> dict[str, Any]:
        if values["alle"] is None and values["durata"] is None:
            raise DomainError("Indica l'ora di fine oppure la durata.", "end_time")
        if values["alle"] is not None and values["durata"] is not None:
            raise DomainError("Indica l'ora di fine oppure la durata, non entrambe.", "end_time")
        return values

    def save(self, store: Store, values: dict[str, Any]) -> Stopped:
        return self.stop(store, values["alle"], values["durata"], accept_all=False)

    def stop(
        self, store: Store, end: str | None, minutes: int | None, *, accept_all: bool
    ) -> Stopped:
        from taskforce_tui.store.timelogs import ConfirmationNeeded

        try:
            return store.timer.stop(end_time=end, minutes=minutes, accept_all=accept_all)
        except ConfirmationNeeded as exc:
            if not ask(self.app, ConfirmModal(exc.message, "Sì, registra")):
                raise KeepOpen from None
        return store.timer.stop(
            end_time=end, minutes=minutes, accept_all=accept_all, confirmed=True
        )

    @on(Button.Pressed, "#all")
    def all_pressed(self) -> None:
        self.clear_errors()
        self.run_save(lambda store: self.stop(store, None, None, accept_all=True))

    @on(Button.Pressed, "#discard")
    def discard_pressed(self) -> None:
        self.action_discard()

    def action_discard(self) -> None:
        self.clear_errors()
        self.run_save(self.discard)

    def discard(self, store: Store) -> str:
        question = "Scartare il timer? Il tempo trascorso non sarà registrato."
        if not ask(self.app, ConfirmModal(question, "Sì, scarta")):
            raise KeepOpen
        store.timer.discard()
        return "scartato"


# --- the monthly report ------------------------------------------------------------
def default_report_folder() -> Path:
    import platformdirs

    folder = platformdirs.user_documents_path()
    return folder if folder.is_dir() else Path.home()


FORMATS = [("Excel (XLSX)", "xlsx"), ("CSV (punto e virgola)", "csv"), ("JSON", "json")]


class ExportForm(FormModal[Path]):
    """Month, format and file of the monthly timesheet. Dismisses with the written path."""

    CHANGES: ClassVar[tuple[str, ...] | None] = None  # a file, no data

    def __init__(self, month: Month, folder: Path | None = None) -> None:
        self.month = month
        folder = folder or default_report_folder()
        fields = [
            Field(
                "mese", "Mese", value=str(month), required=True, parse=Month.parse, also=("month",)
            ),
            Field("formato", "Formato", "select", "xlsx", FORMATS, required=True, blank=False),
            Field("file", "File", value=str(folder / f"registro-ore-{month}.xlsx"), required=True),
        ]
        super().__init__("Esporta il registro mensile delle ore", fields, submit_label="Esporta")

    @on(Select.Changed, "#f-formato")
    def format_changed(self, event: Select.Changed) -> None:
        """Keep the file's extension in step with the format."""
        file_input = self.query_one("#f-file", Input)
        path = Path(file_input.value.strip() or f"registro-ore-{self.month}")
        if path.suffix.lower() in (".xlsx", ".csv", ".json", ""):
            file_input.value = str(path.with_suffix(f".{event.value}"))

    def check_values(self, values: dict[str, Any]) -> dict[str, Any]:
        return {**values, "file": Path(values["file"]).expanduser()}

    def save(self, store: Store, values: dict[str, Any]) -> Path:
        from taskforce_tui.reports import timesheet

        path: Path = values["file"]
        profile = getattr(self.app, "profile", None)
        per_day = timesheet.hours_per_day(profile) if profile is not None else 8.0
        sheet = timesheet.build(store, values["mese"], per_day)
        try:
            return timesheet.write(sheet, values["formato"], path)
        except OSError as exc:
            raise DomainError(
                f"Non posso scrivere {path}: {exc.strerror or exc}.", "file"
            ) from None
