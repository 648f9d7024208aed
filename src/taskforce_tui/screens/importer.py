"""Importa pratiche: a Comune's spreadsheet into the store, with a preview first.

The user types (or browses to) the file, optionally the Comune; the preview runs in a
worker with a progress bar and shows the counts, the column mapping (fixable with `m`),
the rejected rows (savable next to the source with `s`) and the differences with edits
made in the app (`f` takes the file's value, `a` keeps the app's). Nothing is written
until `c` and a confirmation; the import then runs in a worker too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    DataTable,
    DirectoryTree,
    Input,
    Label,
    OptionList,
    ProgressBar,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from taskforce_tui.screens.base import PlacesBar
from taskforce_tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from collections.abc import Iterable

    from taskforce_tui.app import TaskforceApp
    from taskforce_tui.importer.interventions import InterventionImport
    from taskforce_tui.importer.plan import Rejection
    from taskforce_tui.importer.service import ImportSession

_IGNORE = "(non importare)"


class FileBrowser(ModalScreen[Path | None]):
    """Pick a spreadsheet from the folders (Escape cancels)."""

    BINDINGS = [Binding("escape", "cancel", "Annulla", id="import.browse.cancel")]
    DEFAULT_CSS = """
    FileBrowser { align: center middle; }
    FileBrowser > Vertical { width: 90%; height: 90%; border: round $accent; background: $surface; }
    FileBrowser DirectoryTree { height: 1fr; }
    """

    def __init__(self, start: Path) -> None:
        super().__init__()
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Scegli il file (.xlsx, .csv, .ods) e premi Invio; Esc annulla.")
            yield _SpreadsheetTree(self.start, id="tree")
        yield KeysFooter()

    @on(DirectoryTree.FileSelected)
    def chosen(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(Path(event.path))

    def action_cancel(self) -> None:
        self.dismiss(None)


class _SpreadsheetTree(DirectoryTree):
    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        from taskforce_tui.importer.files import SUPPORTED

        return [
            p
            for p in paths
            if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in SUPPORTED)
        ]


class FieldPicker(ModalScreen[str | None]):
    """Which field a column holds: "" = not imported, None = cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Annulla", id="import.field.cancel")]
    DEFAULT_CSS = """
    FieldPicker { align: center middle; }
    FieldPicker > Vertical { width: 60; height: 22; border: round $accent; background: $surface; }
    FieldPicker OptionList { height: 1fr; }
    """

    def __init__(self, column: str, current: str | None) -> None:
        super().__init__()
        self.column = column
        self.current = current

    def compose(self) -> ComposeResult:
        from taskforce_tui.importer.columns import FIELDS

        options = [Option(_IGNORE, id="")]
        options += [Option(f"{f.label}{' *' if f.required else ''}", id=f.key) for f in FIELDS]
        with Vertical():
            yield Label(f"Colonna {self.column}: che cosa contiene? (* = obbligatorio)")
            yield OptionList(*options, id="fields")
        yield KeysFooter()

    def on_mount(self) -> None:
        picker = self.query_one("#fields", OptionList)
        if self.current:
            picker.highlighted = picker.get_option_index(self.current)
        picker.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or "")

    def action_cancel(self) -> None:
        self.dismiss(None)


#: What the screen imports: practices (ImportSession) or Aree Interne interventions
#: (InterventionImport, the service of `taskforce import interventi`).
KINDS = [("Pratiche", "pratiche"), ("Interventi (Aree Interne)", "interventi")]
#: The second box of each kind: what to use when the file does not say it.
FALLBACK = {"pratiche": "Comune, se manca nel file", "interventi": "Area, se manca nel file"}


class ImportScreen(Screen[bool]):
    """Returns True when practices or interventions were imported (the caller refreshes
    its lists)."""

    BINDINGS = [
        Binding("escape", "close", "Indietro", id="import.close"),
        Binding("f2", "browse", "Sfoglia", id="import.browse"),
        Binding("c", "confirm", "Importa", id="import.confirm"),
        Binding("m", "remap", "Associa colonna", id="import.remap"),
        Binding("f", "choose('file')", "Usa il file", id="import.take_file"),
        Binding("a", "choose('app')", "Tieni l'app", id="import.keep_app"),
        Binding(
            "F",
            "choose_all('file')",
            "Usa il file per tutte",
            id="import.take_file_all",
            show=False,
        ),
        Binding(
            "A", "choose_all('app')", "Tieni l'app per tutte", id="import.keep_app_all", show=False
        ),
        Binding("s", "save_rejections", "Salva scarti", id="import.save_rejections"),
    ]
    DEFAULT_CSS = """
    ImportScreen #inputs { height: auto; }
    ImportScreen #path { width: 3fr; }
    ImportScreen #comune { width: 2fr; }
    ImportScreen #kind { width: 32; margin: 0 1; }
    ImportScreen #error { color: $error; height: auto; padding: 0 1; }
    ImportScreen #progress-row { height: 1; padding: 0 1; }
    ImportScreen #phase { width: auto; margin-right: 1; }
    ImportScreen #summary { height: auto; padding: 0 1; }
    ImportScreen TabbedContent { height: 1fr; }
    """

    def __init__(self, path: str = "", kind: str = "pratiche") -> None:
        super().__init__()
        self.initial_path = path
        self.kind = kind
        self.session: ImportSession | None = None
        self.job: InterventionImport | None = None
        self.imported = False

    @property
    def tf_app(self) -> TaskforceApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield PlacesBar(None, self._title())
        # on its own line: at 80 columns the two boxes need the whole width
        yield Select(KINDS, value=self.kind, allow_blank=False, compact=True, id="kind")
        with Horizontal(id="inputs"):
            yield Input(
                self.initial_path,
                placeholder="File .xlsx, .csv o .ods (F2: sfoglia)",
                id="path",
            )
            yield Input(placeholder=FALLBACK[self.kind], id="comune")
        yield Static("", id="error")
        with Horizontal(id="progress-row"):
            yield Label("", id="phase")
            yield ProgressBar(total=100, show_eta=False, id="progress")
        yield Static(
            "Scrivi il percorso del file e premi Invio per l'anteprima: nulla viene salvato "
            "finché non confermi.",
            id="summary",
        )
        with TabbedContent(id="tabs"):
            with TabPane("Colonne", id="tab-columns"):
                yield DataTable(id="columns", cursor_type="row", zebra_stripes=True)
            with TabPane("Scarti", id="tab-rejections"):
                yield DataTable(id="rejections", cursor_type="row", zebra_stripes=True)
            with TabPane("Differenze", id="tab-conflicts"):
                yield DataTable(id="conflicts", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#columns", DataTable).add_columns(
            "Col.", "Intestazione", "Campo", "Esempio"
        )
        self.query_one("#rejections", DataTable).add_columns("Riga", "Colonna", "Valore", "Motivo")
        self.query_one("#conflicts", DataTable).add_columns(
            "Riga", "Protocollo", "Campo", "Nell'app", "Nel file", "Scelta"
        )
        self.query_one("#progress-row").display = False
        self.query_one("#path", Input).focus()

    # --- helpers ---------------------------------------------------------------------
    def _title(self) -> str:
        return "Importa interventi" if self.kind == "interventi" else "Importa pratiche"

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        kind = str(event.value)
        if kind == self.kind:
            return
        self.kind = kind
        self.session = self.job = None
        self.query_one(PlacesBar).set_title(self._title())
        self.query_one("#comune", Input).placeholder = FALLBACK[kind]
        for table in self.query(DataTable):
            table.clear()
        self._error("")
        self.query_one("#summary", Static).update(
            "Scrivi il percorso del file e premi Invio per l'anteprima: nulla viene salvato "
            "finché non confermi."
        )

    def _error(self, message: str) -> None:
        self.query_one("#error", Static).update(message)

    def _progress(self, phase: str, fraction: float) -> None:
        self.query_one("#progress-row").display = True
        self.query_one("#phase", Label).update(phase)
        self.query_one("#progress", ProgressBar).update(progress=round(fraction * 100))

    def _report(self, phase: str, fraction: float) -> None:
        """Progress from a worker thread."""
        self.app.call_from_thread(self._progress, phase, fraction)

    def _done(self) -> None:
        self.query_one("#progress-row").display = False

    # --- preview -----------------------------------------------------------------------
    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self._error("Indica il file da importare (F2 per sfogliare).")
            self.query_one("#path", Input).focus()
            return
        if self.tf_app.store is None:
            self._error("Il profilo non è ancora aperto: riprova tra un istante.")
            return
        self._error("")
        fallback = self.query_one("#comune", Input).value.strip() or None
        if self.kind == "interventi":
            self.preview_interventions(Path(path).expanduser(), fallback)
        else:
            self.preview(Path(path).expanduser(), fallback)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def preview(self, path: Path, comune: str | None) -> None:
        from taskforce_tui.domain.errors import DomainError
        from taskforce_tui.importer.service import ImportSession

        store = self.tf_app.store
        assert store is not None
        session = ImportSession(store, path, comune=comune)
        try:
            session.load(self._report)
        except DomainError as exc:
            self.app.call_from_thread(self._failed, exc.message, exc.field)
            return
        self.app.call_from_thread(self._show, session)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def preview_interventions(self, path: Path, area: str | None) -> None:
        """The same reading and checks as `taskforce import interventi` (data as of
        today): nothing is written until confirmed."""
        from taskforce_tui.domain.dates import today
        from taskforce_tui.domain.errors import DomainError
        from taskforce_tui.importer.interventions import InterventionImport

        store = self.tf_app.store
        assert store is not None
        job = InterventionImport(store, path, today(), area=area)
        try:
            job.load()
        except DomainError as exc:
            self.app.call_from_thread(self._failed, exc.message, exc.field)
            return
        self.app.call_from_thread(self._show_job, job)

    def _failed(self, message: str, field: str | None = None) -> None:
        self._done()
        self._error(message)
        self.query_one("#comune" if field in ("comune", "area") else "#path", Input).focus()

    def _show_job(self, job: InterventionImport) -> None:
        from taskforce_tui.domain.dates import format_date
        from taskforce_tui.importer.columns import column_letter
        from taskforce_tui.importer.interventions import COLUMNS, preview_text

        self._done()
        self.job, self.session = job, None
        counts = job.counts()
        lines = [
            f"{job.path.name} - {job.description}, intestazione alla riga {job.header_row}; "
            f"dati al {format_date(job.ref_date)}.",
            preview_text(counts) + (" Premi c per importare." if job.rows else ""),
        ]
        if job.ignored:
            lines.append(f"Colonne non importate: {', '.join(job.ignored)}.")
        self.query_one("#summary", Static).update("\n".join(lines))
        columns = self.query_one("#columns", DataTable)
        columns.clear()
        for index, key in sorted(job.columns.items()):
            columns.add_row(column_letter(index), "", COLUMNS[key][0], "", key=str(index))
        self._fill_rejections(job.rejections)
        tabs = self.query_one("#tabs", TabbedContent)
        tabs.get_tab("tab-rejections").label = f"Scarti ({counts['scartate']})"
        tabs.get_tab("tab-conflicts").label = "Differenze (0)"
        if job.rejections:
            tabs.active = "tab-rejections"
            self.query_one("#rejections", DataTable).focus()
        else:
            self.query_one("#columns", DataTable).focus()

    def _fill_rejections(self, rejections: list[Rejection]) -> None:
        table = self.query_one("#rejections", DataTable)
        table.clear()
        for i, r in enumerate(rejections[:2000]):
            table.add_row(r.row, r.column, r.value, r.reason, key=str(i))

    def _show(self, session: ImportSession) -> None:
        self._done()
        self.session = session
        self._fill()
        tabs = self.query_one("#tabs", TabbedContent)
        if session.missing:
            tabs.active = "tab-columns"
            self.query_one("#columns", DataTable).focus()
        elif session.conflicts:
            tabs.active = "tab-conflicts"
            self.query_one("#conflicts", DataTable).focus()
        elif session.rejections:
            tabs.active = "tab-rejections"
            self.query_one("#rejections", DataTable).focus()
        else:
            self.query_one("#columns", DataTable).focus()

    def _fill(self) -> None:
        session = self.session
        assert session is not None and session.header is not None
        counts = session.counts()
        lines = [
            f"{session.path.name} - {session.description}, foglio «{session.sheet}», "
            f"intestazione alla riga {session.header.row}."
        ]
        if session.missing:
            lines.append(
                "MANCANO le colonne: " + ", ".join(session.missing) + ". Scegli la riga "
                "nella scheda Colonne e premi m per associarla."
            )
        else:
            lines.append(
                f"Nuove {counts['nuove']}, aggiornate {counts['aggiornate']}, invariate "
                f"{counts['invariate']}, scartate {counts['scartate']}, differenze con l'app "
                f"{counts['conflitti']}. Premi c per importare."
            )
        self.query_one("#summary", Static).update("\n".join(lines))
        columns = self.query_one("#columns", DataTable)
        row = columns.cursor_row
        columns.clear()
        for c in session.columns():
            columns.add_row(c.letter, c.title, c.label, c.sample, key=str(c.index))
        if 0 <= row < columns.row_count:
            columns.move_cursor(row=row)
        self._fill_rejections(session.rejections)
        conflicts = self.query_one("#conflicts", DataTable)
        row = conflicts.cursor_row
        conflicts.clear()
        for i, conflict in enumerate(session.conflicts[:2000]):
            choice = "usa il file" if session.choice(conflict) == "file" else "tieni l'app"
            conflicts.add_row(
                conflict.row,
                conflict.protocol_no,
                conflict.label,
                conflict.app_value,
                conflict.file_value,
                choice,
                key=str(i),
            )
        if 0 <= row < conflicts.row_count:
            conflicts.move_cursor(row=row)
        tabs = self.query_one("#tabs", TabbedContent)
        tabs.get_tab("tab-rejections").label = f"Scarti ({counts['scartate']})"
        tabs.get_tab("tab-conflicts").label = f"Differenze ({counts['conflitti']})"

    # --- the user's choices ------------------------------------------------------------------
    def action_browse(self) -> None:
        current = self.query_one("#path", Input).value.strip()
        start = Path(current).expanduser() if current else Path.cwd()
        if start.is_file():
            start = start.parent
        if not start.is_dir():
            start = Path.cwd()

        def picked(path: Path | None) -> None:
            if path is not None:
                field = self.query_one("#path", Input)
                field.value = str(path)
                field.focus()

        self.app.push_screen(FileBrowser(start), picked)

    def action_remap(self) -> None:
        if self.job is not None:
            self._error(
                "Le colonne degli interventi si riconoscono dall'intestazione (CUP, "
                "OC_TITOLO_PROGETTO, ...): rinomina la colonna nel file, o usa "
                "taskforce import interventi --mappa."
            )
            return
        session = self.session
        if session is None or session.mapping is None:
            self._error("Prima apri l'anteprima di un file (Invio nel campo del file).")
            return
        table = self.query_one("#columns", DataTable)
        self.query_one("#tabs", TabbedContent).active = "tab-columns"
        index = table.cursor_row
        if not 0 <= index < len(session.mapping.columns):
            return
        name = session.mapping.column_name(index)

        def picked(field: str | None) -> None:
            if field is not None:
                self.remap(index, field or None)

        self.app.push_screen(FieldPicker(name, session.mapping.columns[index]), picked)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def remap(self, index: int, field: str | None) -> None:
        from taskforce_tui.domain.errors import DomainError

        assert self.session is not None
        try:
            self.session.remap(index, field)
        except DomainError as exc:
            self.app.call_from_thread(self._failed, exc.message)
            return
        self.app.call_from_thread(self._fill)

    def action_choose(self, choice: str) -> None:
        session = self.session
        if session is None or not session.conflicts:
            self.notify("Nessuna differenza da decidere.", timeout=3)
            return
        self.query_one("#tabs", TabbedContent).active = "tab-conflicts"
        table = self.query_one("#conflicts", DataTable)
        index = table.cursor_row
        if 0 <= index < len(session.conflicts):
            conflict = session.conflicts[index]
            self.decide(conflict.practice_id, conflict.unit, choice)

    def action_choose_all(self, choice: str) -> None:
        if self.session is None or not self.session.conflicts:
            self.notify("Nessuna differenza da decidere.", timeout=3)
            return
        self.query_one("#tabs", TabbedContent).active = "tab-conflicts"
        self.decide(None, "", choice)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def decide(self, practice_id: str | None, unit: str, choice: str) -> None:
        """One difference (or all of them when practice_id is None)."""
        from taskforce_tui.domain.errors import DomainError

        assert self.session is not None
        try:
            if practice_id is None:
                self.session.decide_all(choice)
            else:
                self.session.decide(practice_id, unit, choice)
        except DomainError as exc:
            self.app.call_from_thread(self._failed, exc.message)
            return
        self.app.call_from_thread(self._fill)

    def action_save_rejections(self) -> None:
        from taskforce_tui.domain.errors import DomainError

        session = self.session or self.job
        if session is None or not session.rejections:
            self.notify("Nessuna riga scartata da salvare.", timeout=3)
            return
        try:
            saved = session.save_rejections()
        except DomainError as exc:
            self._error(exc.message)
            return
        self.notify(f"Righe scartate salvate in {saved}", title="Scarti", timeout=8)

    def action_confirm(self) -> None:
        if self.job is not None:
            self._confirm_job(self.job)
            return
        session = self.session
        if session is None:
            self._error("Prima apri l'anteprima di un file (Invio nel campo del file).")
            return
        if session.missing:
            self._error("Associa prima le colonne mancanti: " + ", ".join(session.missing) + ".")
            return
        if not session.plan.has_writes:
            self.notify("Nessuna modifica da importare.", timeout=4)
            return
        counts = session.counts()
        question = (
            f"Importare {counts['nuove']} nuove pratiche e aggiornarne {counts['aggiornate']}?"
        )
        if counts["scartate"]:
            question += f"\nLe {counts['scartate']} righe scartate non saranno importate."
        if counts["conflitti"]:
            question += (
                f"\nPer {counts['conflitti']} differenze con l'app vale la scelta nella "
                "scheda Differenze."
            )

        def answered(yes: bool | None) -> None:
            if yes:
                self.apply()

        from taskforce_tui.screens.modals.confirm import ConfirmModal

        self.app.push_screen(ConfirmModal(question, "Sì, importa"), answered)

    def _confirm_job(self, job: InterventionImport) -> None:
        from taskforce_tui.importer.interventions import question_text
        from taskforce_tui.screens.modals.confirm import ConfirmModal

        counts = job.counts()
        if not counts["nuove"] + counts["aggiornate"]:
            self.notify(
                "Nessuna modifica da importare: gli interventi sono già aggiornati."
                if job.rows
                else "Nessuna riga valida da importare: correggi le righe scartate nel file.",
                timeout=4,
            )
            return
        question = question_text(counts)
        if counts["scartate"]:
            question += f"\nLe {counts['scartate']} righe scartate non saranno importate."

        def answered(yes: bool | None) -> None:
            if yes:
                self.apply_job()

        self.app.push_screen(ConfirmModal(question, "Sì, importa"), answered)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def apply_job(self) -> None:
        from taskforce_tui.domain.errors import DomainError
        from taskforce_tui.importer.interventions import applied_text

        job = self.job
        assert job is not None
        try:
            counts = job.apply()
        except DomainError as exc:
            self.app.call_from_thread(self._failed, exc.message)
            return
        self.app.call_from_thread(self._applied, applied_text(counts))

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def apply(self) -> None:
        from taskforce_tui.domain.errors import DomainError
        from taskforce_tui.importer.service import applied_text

        session = self.session
        assert session is not None
        try:
            result = session.apply(self._report)
        except DomainError as exc:
            self.app.call_from_thread(self._failed, exc.message)
            return
        message = applied_text(result)
        self.app.call_from_thread(self._applied, message)

    def _applied(self, message: str) -> None:
        self._done()
        self.imported = True
        self.session = self.job = None
        self.query_one("#summary", Static).update(message + " Esc per tornare.")
        for table in self.query(DataTable):
            table.clear()
        self.notify(message, title="Importazione completata", timeout=8)

    def action_close(self) -> None:
        self.dismiss(self.imported)


class ImportCommands(Provider):
    """Command palette: "Importa pratiche da file"."""

    _NAME = "Importa pratiche da file"
    _HELP = "Anteprima e importazione di un foglio .xlsx, .csv o .ods di un Comune"

    async def _open(self) -> None:
        await self.app.run_action("import_practices")

    async def discover(self) -> Hits:
        yield DiscoveryHit(self._NAME, self._open, help=self._HELP)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        score = matcher.match(self._NAME)
        if score > 0:
            yield Hit(score, matcher.highlight(self._NAME), self._open, help=self._HELP)
