"""Pratica: one practice in detail and its history (who, when, old and new value, from
the operation log); every workflow step is a key that opens a short form."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from taskforce_tui.domain import vocab
from taskforce_tui.domain.dates import format_date
from taskforce_tui.screens.base import DetailScreen
from taskforce_tui.widgets.footer import KeysFooter
from taskforce_tui.widgets.navtable import OVERDUE_MARK, NavTable, clip

if TYPE_CHECKING:
    from taskforce_tui.domain.practice import Derived
    from taskforce_tui.domain.records import Comune, Practice
    from taskforce_tui.store.db import Store
    from taskforce_tui.store.practices import HistoryEntry

FIELD_LABELS = {
    ("practice", "comune_code"): "Comune",
    ("practice", "ambito"): "Ambito",
    ("practice", "procedure_type"): "Tipo",
    ("practice", "protocol_no"): "Protocollo",
    ("practice", "subject"): "Oggetto",
    ("practice", "received_on"): "Data di avvio",
    ("practice", "legal_term_days"): "Termine (gg)",
    ("practice", "status"): "Stato",
    ("practice", "service_conference"): "Conferenza di servizi",
    ("practice", "concluded_on"): "Conclusione",
    ("practice", "outcome"): "Esito",
    ("practice", "expert_id"): "Esperto",
    ("practice", "notes"): "Note",
    ("practice", "reopen_reason"): "Motivo riapertura",
    ("practice", "deleted"): "Eliminata",
    ("suspension", "start_on"): "Sospensione: inizio",
    ("suspension", "end_on"): "Sospensione: ripresa",
    ("suspension", "reason"): "Sospensione: motivo",
}
#: Fields of the log that say nothing to a person (ids of the rows themselves).
_HIDDEN = {("suspension", "practice_id"), ("suspension", "deleted")}


@dataclass(slots=True)
class PracticeView:
    practice: Practice
    comune: Comune | None
    type_name: str
    ambito_name: str
    derived: Derived
    history: list[HistoryEntry]
    requests: list[tuple[str, str, str]]  # id, subject, status label
    expert_names: dict[str, str]
    type_names: dict[str, str]  # code -> name, for the history
    ambito_names: dict[str, str]


def load_view(store: Store, practice_id: str) -> PracticeView:
    from taskforce_tui.domain import practice as workflow
    from taskforce_tui.domain.dates import today

    practice = store.practices.get(practice_id)
    types = {t.code: t.name for t in store.lists.procedure_types(include_inactive=True)}
    ambiti = store.lists.ambiti()
    requests = [
        (r.id, r.subject, vocab.REQUEST_STATUS_LABELS.get(r.status, r.status))
        for r in store.requests.linked_to(practice_id)
    ]
    return PracticeView(
        practice=practice,
        comune=store.comuni.get(practice.comune_code),
        type_name=types.get(practice.procedure_type, practice.procedure_type),
        ambito_name=ambiti.get(practice.ambito, practice.ambito),
        derived=workflow.derive(practice, today()),
        history=store.practices.history(practice_id),
        requests=requests,
        expert_names={e.id: e.name for e in store.experts.all()},
        type_names=types,
        ambito_names=ambiti,
    )


def show_value(table: str, name: str, raw: str | None, view: PracticeView) -> str:
    """A logged JSON value as a person reads it."""
    if raw is None:
        return "—"
    try:
        value: Any = json.loads(raw)
    except ValueError:
        return raw
    if value is None or value == "":
        return "—"
    if name == "status":
        return vocab.PRACTICE_STATUS_LABELS.get(value, str(value))
    if name == "outcome":
        return vocab.OUTCOME_LABELS.get(value, str(value))
    if name in ("received_on", "concluded_on", "start_on", "end_on") and isinstance(value, str):
        try:
            return datetime.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if name in ("service_conference", "deleted"):
        return "sì" if value else "no"
    if name == "expert_id":
        return view.expert_names.get(str(value), str(value)[:8])
    if name == "comune_code" and view.comune and value == view.comune.istat_code:
        return view.comune.name
    if name == "procedure_type":
        return view.type_names.get(str(value), str(value))
    if name == "ambito":
        return view.ambito_names.get(str(value), str(value))
    return str(value)


class HistoryRow(NamedTuple):
    """One change as the user reads it, values in full."""

    when: str
    who: str
    field: str
    before: str
    after: str


_HISTORY_COLUMNS = (
    ("when", "Quando"),
    ("who", "Chi"),
    ("field", "Campo"),
    ("old", "Prima"),
    ("new", "Dopo"),
)


def _history_widths(rows: list[HistoryRow], width: int) -> list[int]:
    """Column widths that fill `width` (less the scrollbar and each cell's padding):
    date, who and field as long as they need (up to a limit), the rest shared by the
    two values, "after" the larger part."""

    def longest(i: int, label: str, limit: int) -> int:
        return min(max([len(label), *(len(r[i]) for r in rows)]), limit)

    fixed = [longest(0, "Quando", 16), longest(1, "Chi", 16), longest(2, "Campo", 20)]
    room = max(width - 2 - 2 * len(_HISTORY_COLUMNS) - sum(fixed), 16)
    before = max(min(longest(3, "Prima", 60), room * 2 // 5), 6)
    return [*fixed, before, max(room - before, 8)]


class HistoryEntryModal(ModalScreen[None]):
    """One change of the history, its values in full; Escape or Enter closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Chiudi", id="history_entry.close"),
    ]
    DEFAULT_CSS = """
    HistoryEntryModal { align: center middle; }
    HistoryEntryModal > VerticalScroll {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, row: HistoryRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        text = Text()
        text.append(f"{row.field}\n", style="bold")
        text.append(f"{row.when} · {row.who}\n\n")
        text.append("Prima: ", style="bold")
        text.append(f"{row.before}\n")
        text.append("Dopo: ", style="bold")
        text.append(row.after)
        with VerticalScroll():
            yield Static(text, id="history-entry")
        yield KeysFooter()

    def action_close(self) -> None:
        self.dismiss(None)


def when(stamp: str) -> str:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return moment.astimezone().strftime("%d/%m/%Y %H:%M")


class PracticeScreen(DetailScreen):
    TITLE = "Pratica"
    #: The history, so arrows and Enter work on it at once.
    AUTO_FOCUS = "#history"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Modifica", id="practice.edit"),
        Binding("s", "step('suspend')", "Sospendi", id="practice.suspend"),
        Binding("r", "step('resume')", "Riprendi", id="practice.resume"),
        Binding("c", "step('conclude')", "Concludi", id="practice.conclude"),
        Binding("a", "step('archive')", "Archivia", id="practice.archive"),
        Binding("R", "step('reopen')", "Riapri", id="practice.reopen"),
        Binding("l", "link_request", "Collega", id="practice.link_request"),
        Binding("o", "log_time", "Ore", id="practice.log_time"),
        Binding("v", "open_comune", "Comune", id="practice.open_comune"),
    ]
    DEFAULT_CSS = """
    PracticeScreen #detail { height: auto; max-height: 50%; padding: 0 1; }
    PracticeScreen #history-title { padding: 0 1; text-style: bold; }
    PracticeScreen #history { height: 1fr; overflow-x: hidden; }
    """

    def __init__(self, practice_id: str) -> None:
        super().__init__()
        self.practice_id = practice_id
        self.view: PracticeView | None = None
        self.history_rows: list[HistoryRow] = []

    def compose(self) -> ComposeResult:
        yield self.places_bar("Pratica")
        with VerticalScroll(id="detail"):
            yield Static("Caricamento...", id="summary")
        yield Static("Storia delle modifiche", id="history-title")
        yield NavTable(id="history", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def work_context(self) -> dict[str, str | None]:
        if self.view is None:
            return {"practice_id": self.practice_id}
        return {"practice_id": self.practice_id, "comune_code": self.view.practice.comune_code}

    @work(thread=True, exclusive=True, group="practice", exit_on_error=False)
    def load(self) -> None:
        view = load_view(self.store, self.practice_id)
        self.app.call_from_thread(self.show, view)

    def show(self, view: PracticeView) -> None:
        self.view = view
        self.query_one("#summary", Static).update(self._summary(view))
        self.history_rows = [
            HistoryRow(
                when(h.at),
                view.expert_names.get(h.who, h.who),
                FIELD_LABELS.get((h.table, h.field), h.field),
                show_value(h.table, h.field, h.old_value, view),
                show_value(h.table, h.field, h.value, view),
            )
            for h in view.history
            if (h.table, h.field) not in _HIDDEN
        ]
        self._fill_history()
        self.refresh_bindings()

    def _fill_history(self) -> None:
        """The history in the table's width: long values end in "…" (Enter shows them
        whole), so the table never needs a horizontal scrollbar."""
        table = self.query_one("#history", NavTable)
        rows = self.history_rows
        widths = _history_widths(rows, table.size.width or self.app.size.width)
        selected = table.cursor_row
        table.clear(columns=True)
        for (key, label), width in zip(_HISTORY_COLUMNS, widths, strict=True):
            table.add_column(label, key=key, width=width)
        for i, row in enumerate(rows):
            table.add_row(*(clip(v, w) for v, w in zip(row, widths, strict=True)), key=str(i))
        if table.row_count:
            table.move_cursor(row=selected if 0 <= selected < len(rows) else len(rows) - 1)
        self._history_title(table)

    def on_resize(self) -> None:
        if self.view is not None:
            self._fill_history()

    def _history_title(self, table: NavTable) -> None:
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)
            title = f"Storia delle modifiche ({table.row_count}, Invio mostra tutto)"
        else:
            title = "Storia delle modifiche: nessuna modifica registrata dopo l'importazione"
        self.query_one("#history-title", Static).update(title)

    @on(NavTable.RowSelected, "#history")
    def _history_opened(self, event: NavTable.RowSelected) -> None:
        """Enter on a change: all of it, values in full."""
        index = int(event.row_key.value or -1)
        if 0 <= index < len(self.history_rows):
            self.app.push_screen(HistoryEntryModal(self.history_rows[index]))

    def _summary(self, view: PracticeView) -> Text:
        p, d = view.practice, view.derived
        comune = f"{view.comune.name} ({view.comune.province})" if view.comune else p.comune_code
        text = Text()
        text.append(f"Pratica {p.protocol_no}", style="bold")
        text.append(f" · {view.type_name} · {comune}\n")
        status = vocab.PRACTICE_STATUS_LABELS[p.status]
        if p.outcome:
            status += f" ({vocab.OUTCOME_LABELS[p.outcome]})"
        text.append("Stato: ")
        text.append(status, style="bold")
        if d.overdue:
            late = (
                f"  {OVERDUE_MARK} OLTRE IL TERMINE da {-d.days_left} gg"
                if d.days_left is not None
                else f"  {OVERDUE_MARK} CONCLUSA OLTRE IL TERMINE"
            )
            text.append(late, style="bold red")
        text.append(f"\nOggetto: {p.subject or '—'}\n")
        text.append(f"Ambito: {view.ambito_name}\n")
        text.append(
            f"Avvio: {format_date(p.received_on)} · termine {p.legal_term_days} gg · "
            f"scadenza {format_date(d.due_on)}"
        )
        if d.days_left is not None and d.days_left >= 0:
            text.append(f" (mancano {d.days_left} gg)")
        text.append(f"\nGiorni trascorsi: {d.elapsed_days} · sospesi: {d.suspended_days}")
        if d.gross_duration is not None:
            text.append(f" · durata lorda {d.gross_duration} gg, netta {d.net_duration} gg")
        if p.concluded_on:
            text.append(f"\nConclusa il {format_date(p.concluded_on)}")
        text.append(f"\nConferenza di servizi: {'sì' if p.service_conference else 'no'}")
        for s in p.suspensions:
            span = f"dal {format_date(s.start_on)} " + (
                f"al {format_date(s.end_on)}" if s.end_on else "(in corso)"
            )
            reason = f": {s.reason}" if s.reason else ""
            text.append(f"\nSospensione {span}{reason}")
        if p.reopen_reason:
            text.append(f"\nRiaperta: {p.reopen_reason}")
        if p.notes:
            text.append(f"\nNote: {p.notes}")
        if view.requests:
            linked = "; ".join(f"{subject} ({status})" for _, subject, status in view.requests)
            text.append(f"\nRichieste collegate: {linked}")
        return text

    # --- which actions apply (the footer shows only those) -----------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.view is None:
            return action in ("back", "log_time") or None
        if action == "step":
            action = str(parameters[0])
        status = self.view.practice.status
        allowed = {
            "suspend": status == vocab.APERTA,
            "resume": status == vocab.SOSPESA,
            "conclude": status == vocab.APERTA,
            "archive": status in vocab.OPEN_STATUSES,
            "reopen": status in (vocab.CONCLUSA, vocab.ARCHIVIATA),
        }
        return allowed.get(action, True)

    # --- actions ---------------------------------------------------------------------------
    def action_edit(self) -> None:
        from taskforce_tui.screens.modals.practice_forms import edit_practice_form

        if self.view is not None:
            practice = self.view.practice
            self.tf_app.open_dialog(lambda s: edit_practice_form(s, practice))

    def action_step(self, step: str) -> None:
        """A step of the workflow (suspend, resume, conclude, archive, reopen): its
        form, on the practice shown."""
        from taskforce_tui.screens.modals.practice_forms import STEP_FORMS

        if self.view is not None:
            self.app.push_screen(STEP_FORMS[step](self.view.practice))

    def action_link_request(self) -> None:
        from taskforce_tui.screens.modals.practice_forms import link_request_form

        if self.view is not None:
            practice = self.view.practice
            self.tf_app.open_dialog(lambda s: link_request_form(s, practice))
