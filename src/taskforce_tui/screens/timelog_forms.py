"""Modal forms of the Registro ore: an entry, starting and stopping the timer, the
monthly report (the yes/no questions are modals/confirm.py ConfirmModal).

Forms are validated on submit, field by field, with the error next to the field;
Escape cancels. Each form does its own write (in a thread, through the store), so a
refusal from the store is shown beside the field it concerns and nothing is written.
Multi-step flows (ask, write, maybe confirm, write again) run as async workers that
hand every store call to a thread with `asyncio.to_thread`: the UI never waits on
SQLite, and the flow reads top to bottom instead of as a chain of callbacks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Footer, Input, Label, Select, Static

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date, parse_date, today
from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.records import TimeLog
from taskforce_tui.domain.timelog import (
    Month,
    TimerState,
    format_minutes,
    parse_clock,
    parse_duration,
    resolve_span,
)
from taskforce_tui.screens.modals.confirm import ConfirmModal

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


# --- building blocks ------------------------------------------------------------
class FieldError(Static):
    """The message beside a field; hidden while empty. Marked with '!' so it does not
    rely on colour."""

    DEFAULT_CSS = """
    FieldError { color: $error; height: auto; display: none; padding-left: 14; }
    FieldError.-shown { display: block; }
    """

    def show(self, message: str | None) -> None:
        self.update(f"! {message}" if message else "")
        self.set_class(bool(message), "-shown")


def mode_select(mode: str) -> Select[str]:
    """In presenza / Da remoto as words (a checkbox would show its state by colour)."""
    return Select(
        [(label, code) for code, label in vocab.MODE_LABELS.items()],
        value=mode,
        allow_blank=False,
        id="modo",
        compact=True,
    )


def field_row(label: str, widget: Any, name: str) -> ComposeResult:
    with Horizontal(classes="field"):
        yield Label(label, classes="field-label")
        yield widget
    yield FieldError(id=f"{name}-error")


class FormScreen(ModalScreen[Any]):
    """Shared look and behaviour: a titled box, error slots, Escape cancels."""

    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    FormScreen .title { text-style: bold; width: 100%; margin-bottom: 1; }
    FormScreen VerticalScroll { height: auto; max-height: 16; }
    FormScreen .field { height: auto; }
    FormScreen .field-label { width: 14; padding-top: 0; }
    FormScreen .field Input, FormScreen .field Select { width: 1fr; }
    FormScreen .buttons { height: auto; margin-top: 1; align-horizontal: right; }
    FormScreen .buttons Button { margin-left: 1; }
    FormScreen #form-error { color: $error; height: auto; }
    FormScreen .explain { height: auto; margin-bottom: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("f2", "save_form", "Salva", id="form.save"),
        Binding("escape", "cancel", "Annulla", id="form.cancel"),
    ]

    #: store error field -> widget name in this form
    FIELD_MAP: ClassVar[dict[str, str]] = {}

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def form_foot(self, save_label: str) -> ComposeResult:
        """The general error line and the two buttons every one-step form ends with."""
        yield Static("", id="form-error")
        with Horizontal(classes="buttons"):
            yield Button(save_label, variant="primary", id="save", compact=True)
            yield Button("Annulla", id="cancel", compact=True)

    def action_save_form(self) -> None:
        """F2 saves, as in every form of the app (Enter in a field does too)."""
        for button in self.query("#save"):
            assert isinstance(button, Button)
            button.press()

    @property
    def store(self) -> Store:
        store = getattr(self.app, "store", None)
        assert store is not None, "the store opens before any form can be shown"
        return store

    def clear_errors(self) -> None:
        for error in self.query(FieldError):
            error.show(None)
        for general in self.query("#form-error"):
            assert isinstance(general, Static)
            general.update("")

    def show_error(self, name: str | None, message: str) -> None:
        target = self.FIELD_MAP.get(name or "", name or "")
        found = self.query(f"#{target}-error") if target else None
        if found:
            error = found.first()
            assert isinstance(error, FieldError)
            error.show(message)
            return
        self.query_one("#form-error", Static).update(f"! {message}")

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()


# --- the entry form -------------------------------------------------------------------------------
class TimeLogForm(FormScreen):
    """New or edited entry. Dismisses with the saved TimeLog (None if cancelled)."""

    FIELD_MAP: ClassVar[dict[str, str]] = {
        "work_date": "data",
        "minutes": "durata",
        "start_time": "dalle",
        "end_time": "alle",
        "comune": "comune",
        "activity": "attivita",
        "pratica": "pratica",
        "practice_id": "pratica",
        "richiesta": "richiesta",
        "request_id": "richiesta",
        "mode": "modo",
    }

    def __init__(
        self,
        choices: FormChoices,
        *,
        log: TimeLog | None = None,
        day: date | None = None,
        comune_name: str = "",
        protocol_no: str = "",
    ) -> None:
        super().__init__()
        self.choices = choices
        self.entry = log
        self.day = day or today()
        self.comune_name = comune_name
        self.protocol_no = protocol_no

    def compose(self) -> ComposeResult:
        log = self.entry
        activities = [(name, code) for code, name in self.choices.activities]
        codes = [code for _, code in activities]
        activity = log.activity if log and log.activity in codes else None
        with Vertical():
            title = "Modifica registrazione" if log else "Nuova registrazione di ore"
            yield Static(title, classes="title")
            with VerticalScroll():
                yield from field_row(
                    "Data",
                    Input(format_date(log.work_date if log else self.day), id="data", compact=True),
                    "data",
                )
                yield from field_row(
                    "Durata",
                    Input(
                        format_minutes(log.minutes) if log else "",
                        placeholder="1h30, 1:30, 90m, 1,5h",
                        id="durata",
                        compact=True,
                    ),
                    "durata",
                )
                yield from field_row(
                    "Dalle",
                    Input(
                        (log.start_time or "") if log else "",
                        placeholder="HH:MM (facoltativo)",
                        id="dalle",
                        compact=True,
                    ),
                    "dalle",
                )
                yield from field_row(
                    "Alle",
                    Input(
                        (log.end_time or "") if log else "",
                        placeholder="HH:MM (facoltativo)",
                        id="alle",
                        compact=True,
                    ),
                    "alle",
                )
                yield from field_row(
                    "Comune",
                    Input(
                        self.comune_name,
                        placeholder="nome o codice ISTAT; vuoto = attività trasversale",
                        suggester=SuggestFromList(self.choices.comuni, case_sensitive=False),
                        id="comune",
                        compact=True,
                    ),
                    "comune",
                )
                yield from field_row(
                    "Attività",
                    Select(
                        activities,
                        allow_blank=False,
                        value=activity if activity else (codes[0] if codes else Select.NULL),
                        id="attivita",
                        compact=True,
                    ),
                    "attivita",
                )
                yield from field_row(
                    "Modalità", mode_select(log.mode if log else vocab.MODE_PRESENZA), "modo"
                )
                yield from field_row(
                    "Pratica",
                    Input(
                        self.protocol_no,
                        placeholder="protocollo (facoltativo)",
                        id="pratica",
                        compact=True,
                    ),
                    "pratica",
                )
                yield from field_row(
                    "Richiesta",
                    Input(
                        (log.request_id or "")[:8] if log else "",
                        placeholder="id della richiesta (facoltativo)",
                        id="richiesta",
                        compact=True,
                    ),
                    "richiesta",
                )
                yield from field_row(
                    "Nota", Input(log.note if log else "", id="nota", compact=True), "nota"
                )
            yield from self.form_foot("Salva")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#durata", Input).focus()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def submitted(self) -> None:
        self.clear_errors()
        parsed = self.parse_fields()
        if parsed is not None:
            self.save(parsed)

    def parse_fields(self) -> dict[str, Any] | None:
        """Local checks of every field; all errors shown at once."""
        errors: dict[str, str] = {}
        out: dict[str, Any] = {}

        def attempt(name: str, fn: Any) -> Any:
            try:
                return fn()
            except DomainError as exc:
                errors.setdefault(name, exc.message)
                return None

        day = attempt("data", lambda: parse_date(self.value("data"), "work_date"))
        if day is not None and day > today():
            errors["data"] = (
                f"Il {format_date(day)} è nel futuro: si registrano solo ore già lavorate."
            )
        text = self.value("durata")
        minutes = attempt("durata", lambda: parse_duration(text)) if text else None
        start = (
            attempt("dalle", lambda: parse_clock(self.value("dalle")))
            if self.value("dalle")
            else None
        )
        end = (
            attempt("alle", lambda: parse_clock(self.value("alle"), "end_time"))
            if self.value("alle")
            else None
        )
        if not errors:
            try:
                span = resolve_span(minutes, start, end)
            except DomainError as exc:
                errors[self.FIELD_MAP.get(exc.field or "", "durata")] = exc.message
            else:
                out.update(minutes=span.minutes, start_time=span.start_time, end_time=span.end_time)
        select = self.query_one("#attivita", Select)
        if select.value is Select.NULL:
            errors["attivita"] = "Scegli l'attività."
        for name, message in errors.items():
            self.show_error(name, message)
        if errors:
            self.query_one(f"#{next(iter(errors))}").focus()
            return None
        out.update(
            work_date=day,
            activity=str(select.value),
            mode=str(self.query_one("#modo", Select).value),
            comune=self.value("comune"),
            pratica=self.value("pratica"),
            richiesta=self.value("richiesta"),
            note=self.value("nota"),
        )
        return out

    def build_log(self, fields: dict[str, Any]) -> TimeLog:
        """Blocking (resolves names in the store): runs in a thread."""
        store = self.store
        comune_code = None
        if fields["comune"]:
            comune_code = store.comuni.resolve(fields["comune"], "comune").istat_code
        practice_id = request_id = None
        if fields["pratica"]:
            scope = [comune_code] if comune_code else store.comuni.assigned_codes(store.expert_id)
            practice = store.practices.find(fields["pratica"], scope)
            practice_id = practice.id
            comune_code = comune_code or practice.comune_code
        if fields["richiesta"]:
            request = store.requests.find(fields["richiesta"])
            request_id = request.id
            comune_code = comune_code or request.comune_code
        return TimeLog(
            id=self.entry.id if self.entry else "",
            expert_id=self.entry.expert_id if self.entry else (store.expert_id or ""),
            work_date=fields["work_date"],
            minutes=fields["minutes"],
            activity=fields["activity"],
            mode=fields["mode"],
            comune_code=comune_code,
            practice_id=practice_id,
            request_id=request_id,
            note=fields["note"],
            start_time=fields["start_time"],
            end_time=fields["end_time"],
        )

    def _write(self, log: TimeLog, confirmed: bool) -> TimeLog:
        repo = self.store.timelogs
        return (
            repo.update(log, confirmed=confirmed) if log.id else repo.add(log, confirmed=confirmed)
        )

    @work(exclusive=True, group="timelog-form", exit_on_error=False)
    async def save(self, fields: dict[str, Any]) -> None:
        from taskforce_tui.store.timelogs import ConfirmationNeeded

        try:
            log = await asyncio.to_thread(self.build_log, fields)
            warnings = await asyncio.to_thread(self.store.timelogs.check, log)
            confirmed = False
            if any(w.needs_confirmation for w in warnings):
                question = " ".join(w.message for w in warnings if w.needs_confirmation)
                if not await self.app.push_screen_wait(ConfirmModal(question, "Sì, registra")):
                    self.show_error(None, "Non registrato: correggi la durata o conferma.")
                    return
                confirmed = True
            saved = await asyncio.to_thread(self._write, log, confirmed)
        except ConfirmationNeeded as exc:
            self.show_error(None, exc.message)
            return
        except DomainError as exc:
            self.show_error(exc.field, exc.message)
            return
        for w in warnings:
            if not w.needs_confirmation:
                self.app.notify(w.message, severity="warning", timeout=8)
        self.dismiss(saved)


# --- the timer ------------------------------------------------------------
class TimerStartForm(FormScreen):
    """Choose Comune and activity, then start. Dismisses with the RunningTimer."""

    FIELD_MAP: ClassVar[dict[str, str]] = {"comune": "comune", "activity": "attivita"}

    def __init__(self, choices: FormChoices, comune_name: str | None = None) -> None:
        super().__init__()
        self.choices = choices
        #: The Comune the user is looking at (else the first of theirs).
        self.comune_name = comune_name

    def compose(self) -> ComposeResult:
        activities = [(name, code) for code, name in self.choices.activities]
        with Vertical():
            yield Static("Avvia il timer", classes="title")
            yield from field_row(
                "Comune",
                Input(
                    self.comune_name
                    if self.comune_name is not None
                    else (self.choices.comuni[0] if self.choices.comuni else ""),
                    placeholder="nome o codice ISTAT; vuoto = attività trasversale",
                    suggester=SuggestFromList(self.choices.comuni, case_sensitive=False),
                    id="comune",
                    compact=True,
                ),
                "comune",
            )
            yield from field_row(
                "Attività",
                Select(
                    activities,
                    allow_blank=False,
                    value=activities[0][1] if activities else Select.NULL,
                    id="attivita",
                    compact=True,
                ),
                "attivita",
            )
            yield from field_row("Modalità", mode_select(vocab.MODE_PRESENZA), "modo")
            yield from field_row("Nota", Input(id="nota", compact=True), "nota")
            yield from self.form_foot("Avvia")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#comune", Input).focus()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def submitted(self) -> None:
        self.clear_errors()
        select = self.query_one("#attivita", Select)
        if select.value is Select.NULL:
            self.show_error("attivita", "Scegli l'attività.")
            return
        self.start(
            self.value("comune"),
            str(select.value),
            str(self.query_one("#modo", Select).value),
            self.value("nota"),
        )

    def _start(self, comune: str, activity: str, mode: str, note: str) -> RunningTimer:
        store = self.store
        code = store.comuni.resolve(comune, "comune").istat_code if comune else None
        return store.timer.start(activity=activity, mode=mode, comune_code=code, note=note)

    @work(exclusive=True, group="timer-form", exit_on_error=False)
    async def start(self, comune: str, activity: str, mode: str, note: str) -> None:
        try:
            timer = await asyncio.to_thread(self._start, comune, activity, mode, note)
        except DomainError as exc:
            self.show_error(exc.field, exc.message)
            return
        self.dismiss(timer)


#: How the app discards a timer (named in the messages that suggest it).
DISCARD_HOW = "tasto F8 o pulsante «Scarta il timer»"


class StopTimerModal(FormScreen):
    """Asked when the timer ran past midnight or over 10 hours, or stopping it was
    refused (an overlap, less than a minute): choose an end time or a duration, keep
    everything (same day only), discard the timer, or leave it running (Escape).

    Dismisses with the Stopped result, "scartato", or None.
    """

    FIELD_MAP: ClassVar[dict[str, str]] = {
        "end_time": "alle",
        "minutes": "durata",
        "start_time": "alle",
        "timer": "alle",
    }
    BINDINGS: ClassVar = [
        Binding("f8", "discard", "Scarta il timer", id="timer_stop.discard"),
    ]

    def __init__(self, state: TimerState, problem: str | None = None) -> None:
        super().__init__()
        self.state = state
        self.problem = problem

    def compose(self) -> ComposeResult:
        started = self.state.started_at
        with Vertical():
            yield Static("Ferma il timer: cosa registro?", classes="title")
            text = self.problem or self.state.explanation()
            yield Static(text, classes="explain", id="explain")
            yield from field_row(
                "Fine alle",
                Input(
                    placeholder=f"HH:MM del {format_date(started.date())}", id="alle", compact=True
                ),
                "alle",
            )
            yield from field_row(
                "o durata",
                Input(
                    placeholder=f"dall'avvio delle {started:%H:%M}, es. 2h30",
                    id="durata",
                    compact=True,
                ),
                "durata",
            )
            yield Static("", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Registra", variant="primary", id="save", compact=True)
                if not self.state.crossed_midnight:
                    yield Button(
                        f"Tutto ({format_minutes(self.state.minutes)})", id="all", compact=True
                    )
                yield Button("Scarta il timer (F8)", variant="error", id="discard", compact=True)
                yield Button("Lascia in corso", id="cancel", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#alle", Input).focus()

    @on(Button.Pressed, "#discard")
    def discard_pressed(self) -> None:
        self.discard()

    def action_discard(self) -> None:
        self.discard()

    @on(Button.Pressed, "#all")
    def all_pressed(self) -> None:
        self.clear_errors()
        self.stop(None, None, True)

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def submitted(self) -> None:
        self.clear_errors()
        end = minutes = None
        try:
            if self.value("alle"):
                end = parse_clock(self.value("alle"), "end_time")
            if self.value("durata"):
                minutes = parse_duration(self.value("durata"))
        except DomainError as exc:
            self.show_error(exc.field, exc.message)
            return
        if end is None and minutes is None:
            self.show_error("alle", "Indica l'ora di fine oppure la durata.")
            return
        if end is not None and minutes is not None:
            self.show_error("alle", "Indica l'ora di fine oppure la durata, non entrambe.")
            return
        self.stop(end, minutes, False)

    @work(exclusive=True, group="timer-form", exit_on_error=False)
    async def stop(self, end: str | None, minutes: int | None, accept_all: bool) -> None:
        from taskforce_tui.store.timelogs import ConfirmationNeeded

        timers = self.store.timer

        def run(confirmed: bool) -> Stopped:
            return timers.stop(
                end_time=end, minutes=minutes, accept_all=accept_all, confirmed=confirmed
            )

        try:
            try:
                stopped = await asyncio.to_thread(run, False)
            except ConfirmationNeeded as exc:
                if not await self.app.push_screen_wait(ConfirmModal(exc.message, "Sì, registra")):
                    return
                stopped = await asyncio.to_thread(run, True)
        except DomainError as exc:
            self.show_error(exc.field, exc.message)
            return
        self.dismiss(stopped)

    @work(exclusive=True, group="timer-form", exit_on_error=False)
    async def discard(self) -> None:
        question = "Scartare il timer? Il tempo trascorso non sarà registrato."
        if not await self.app.push_screen_wait(ConfirmModal(question, "Sì, scarta")):
            return
        try:
            await asyncio.to_thread(self.store.timer.discard)
        except DomainError as exc:
            self.show_error(None, exc.message)
            return
        self.dismiss("scartato")


# --- the monthly report ------------------------------------------------------------
def default_report_folder() -> Path:
    import platformdirs

    folder = platformdirs.user_documents_path()
    return folder if folder.is_dir() else Path.home()


class ExportForm(FormScreen):
    """Month, format and file of the monthly timesheet. Dismisses with the written path."""

    FIELD_MAP: ClassVar[dict[str, str]] = {"month": "mese", "formato": "formato"}

    def __init__(self, month: Month, folder: Path | None = None) -> None:
        super().__init__()
        self.month = month
        self.folder = folder or default_report_folder()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Esporta il registro mensile delle ore", classes="title")
            yield from field_row("Mese", Input(str(self.month), id="mese", compact=True), "mese")
            yield from field_row(
                "Formato",
                Select(
                    [("Excel (XLSX)", "xlsx"), ("CSV (punto e virgola)", "csv"), ("JSON", "json")],
                    value="xlsx",
                    allow_blank=False,
                    id="formato",
                    compact=True,
                ),
                "formato",
            )
            yield from field_row(
                "File",
                Input(
                    str(self.folder / f"registro-ore-{self.month}.xlsx"), id="file", compact=True
                ),
                "file",
            )
            yield from self.form_foot("Esporta")
        yield Footer()

    @on(Select.Changed, "#formato")
    def format_changed(self, event: Select.Changed) -> None:
        """Keep the file's extension in step with the format."""
        file_input = self.query_one("#file", Input)
        path = Path(file_input.value.strip() or f"registro-ore-{self.month}")
        if path.suffix.lower() in (".xlsx", ".csv", ".json", ""):
            file_input.value = str(path.with_suffix(f".{event.value}"))

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def submitted(self) -> None:
        self.clear_errors()
        try:
            month = Month.parse(self.value("mese"))
        except DomainError as exc:
            self.show_error("mese", exc.message)
            return
        if not self.value("file"):
            self.show_error("file", "Indica il file da scrivere.")
            return
        path = Path(self.value("file")).expanduser()
        self.export(month, str(self.query_one("#formato", Select).value), path)

    def _export(self, month: Month, fmt: str, path: Path) -> Path:
        from taskforce_tui.reports import timesheet

        profile = getattr(self.app, "profile", None)
        per_day = timesheet.hours_per_day(profile) if profile is not None else 8.0
        sheet = timesheet.build(self.store, month, per_day)
        return timesheet.write(sheet, fmt, path)

    @work(exclusive=True, group="export-form", exit_on_error=False)
    async def export(self, month: Month, fmt: str, path: Path) -> None:
        try:
            written = await asyncio.to_thread(self._export, month, fmt, path)
        except DomainError as exc:
            self.show_error(exc.field, exc.message)
            return
        except OSError as exc:
            self.show_error("file", f"Non posso scrivere {path}: {exc.strerror or exc}.")
            return
        self.dismiss(written)
